/**
 * Delta tables at `s3://` URIs (moto): every entry point takes the URI and `storageOptions`,
 * scans read the data files through Polars' own object store in one scan, and rewrites
 * (replaceWhere, merge, delete, optimize) read them back the same way.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { deleteDelta } from "../../../src/io/delta/delete_delta.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { mergeDelta } from "../../../src/io/delta/merge_delta.ts";
import { optimize } from "../../../src/io/delta/optimize.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { storageForUri } from "../../../src/io/delta/storage_for_uri.ts";
import { vacuum } from "../../../src/io/delta/vacuum.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { startFaultProxy } from "../../_fault_proxy.ts";
import { startMoto } from "../../_moto.ts";

function frame(keys: number[], v: string): pl.DataFrame {
  return pl.DataFrame({
    k: pl.Series("k", keys, pl.Int64),
    v: keys.map(() => v),
    p: keys.map((k) => (k % 2 === 0 ? "even" : "odd:x")),
  });
}

async function rows(uri: string, storageOptions: Record<string, string>, version?: number) {
  const df = await readDelta(uri, {
    storageOptions,
    ...(version === undefined ? {} : { version }),
  });
  return df.sort("k").select("k", "v", "p").rows().map((r) => r.join("|"));
}

Deno.test("s3:// tables: write, append, replaceWhere, merge, delete, optimize, vacuum and time travel with storageOptions", async () => {
  const moto = await startMoto();
  try {
    const so = moto.storageOptions();
    const uri = `s3://${await moto.createBucket()}/lake/silver/t`;
    await writeDelta(uri, frame([0, 1, 2, 3], "v0"), { partitionBy: ["p"], storageOptions: so });
    await writeDelta(uri, frame([4, 5], "v1"), { mode: "append", storageOptions: so });
    await writeDelta(uri, frame([6], "v2"), {
      mode: "overwrite",
      predicate: [["p", "=", "even"]],
      storageOptions: so,
    });
    await writeDelta(uri, frame([9], "v3"), {
      mode: "overwrite",
      predicate: [["k", ">=", 3n]], // a row predicate: the file holding 1 and 3 is rewritten
      storageOptions: so,
    });
    await mergeDelta(uri, frame([1, 11], "m"), { on: ["k"], storageOptions: so });
    await deleteDelta(uri, [["k", "=", 9n]], { storageOptions: so });
    await writeDelta(uri, frame([2, 4, 7], "v6"), { mode: "append", storageOptions: so });
    const opt = await optimize(uri, { storageOptions: so });
    assert.equal(opt.committed, true);
    const table = await DeltaTable.open(uri, { storageOptions: so });
    assert.equal(table.version, 7);
    const expected = ["1|m|odd:x", "2|v6|even", "4|v6|even", "7|v6|odd:x", "11|m|odd:x"];
    assert.deepEqual(await rows(uri, so), expected);
    assert.deepEqual(await rows(uri, so, 1), [
      "0|v0|even",
      "1|v0|odd:x",
      "2|v0|even",
      "3|v0|odd:x",
      "4|v1|even",
      "5|v1|odd:x",
    ]);
    // a filtered scan of one partition reads only its files, in one Polars scan of s3:// URIs
    const filtered = await readDelta(uri, { storageOptions: so, filter: [["p", "=", "even"]] });
    assert.deepEqual(filtered.sort("k").getColumn("k").toArray().map(Number), [2, 4]);
    const plan = (await table.scan({ columns: ["k", "p"] })).describePlan();
    assert.match(plan, /s3:\/\//, "the data files are scanned in place through Polars");
    assert.doesNotMatch(plan, /pointline-test-secret/, "no credential in the plan text");
    const dry = await vacuum(uri, {
      storageOptions: so,
      retentionHours: 0,
      enforceRetention: false,
    });
    assert.ok(dry.files.length > 0, "files removed by the rewrites are vacuum candidates");
  } finally {
    await moto.stop();
  }
});

Deno.test("s3:// tables: credentials come from the AWS environment variables when no storageOptions are given", async () => {
  const moto = await startMoto();
  const saved = new Map<string, string | undefined>();
  try {
    for (const [k, v] of Object.entries(moto.storageOptions())) {
      saved.set(k, Deno.env.get(k));
      Deno.env.set(k, v);
    }
    const uri = `s3://${await moto.createBucket()}/t`;
    await writeDelta(uri, frame([1, 2], "env"), { partitionBy: ["p"] });
    assert.equal((await readDelta(uri)).height, 2);
  } finally {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    await moto.stop();
  }
});

Deno.test("storageForUri refuses unsupported schemes and malformed s3:// URIs without printing secrets", () => {
  assert.throws(() => storageForUri("gs://bucket/t"), /scheme "gs" is not supported/);
  assert.throws(() => storageForUri("s3://"), TypeError);
  let message = "";
  try {
    storageForUri("s3://bucket/t", {
      storageOptions: { AWS_SECRET_ACCESS_KEY: "very-secret-value", AWS_REGION: "us-east-1" },
    });
  } catch (e) {
    message = (e as Error).message;
  }
  assert.ok(message !== "", "a secret without a key id is refused");
  assert.doesNotMatch(message, /very-secret-value/);
});

Deno.test("s3:// tables: a filtered read of 1 partition of 100 requests only that partition's data files", async () => {
  const moto = await startMoto();
  const proxy = startFaultProxy(moto.endpoint);
  try {
    const uri = `s3://${await moto.createBucket()}/t`;
    const n = 100;
    const df = pl.DataFrame({
      k: pl.Series("k", Array.from({ length: n * 3 }, (_, i) => i), pl.Int64),
      p: Array.from({ length: n * 3 }, (_, i) => `d${String(i % n).padStart(3, "0")}`),
    });
    await writeDelta(uri, df, { partitionBy: ["p"], storageOptions: moto.storageOptions() });
    const viaProxy = moto.storageOptions(proxy.endpoint);
    const before = proxy.requests.length;
    const got = await readDelta(uri, { storageOptions: viaProxy, filter: [["p", "=", "d042"]] });
    assert.deepEqual(got.getColumn("k").toArray().map(Number).sort((a, b) => a - b), [
      42,
      142,
      242,
    ]);
    const data = proxy.requests.slice(before).filter((r) => r.path.endsWith(".parquet"));
    assert.ok(data.length > 0 && data.length <= 3, `data-file requests: ${data.length}`);
    const touched = new Set(data.map((r) => r.path.split("/").slice(-2, -1)[0]));
    assert.deepEqual([...touched], ["p=d042"], "only the partition's files are requested");
    console.log(
      `filtered read of 1 of ${n} partitions: ${proxy.requests.length - before} requests, ` +
        `${data.length} to data files`,
    );
  } finally {
    await proxy.close();
    await moto.stop();
  }
});

Deno.test("s3:// tables: a read or rewrite of a live data file missing from the bucket is a MissingDataFileError", async () => {
  const moto = await startMoto();
  try {
    const so = moto.storageOptions();
    const uri = `s3://${await moto.createBucket()}/t`;
    await writeDelta(uri, frame([1, 2, 3], "v"), { storageOptions: so });
    const table = await DeltaTable.open(uri, { storageOptions: so });
    await table.storage.delete(table.files()[0].path);
    await assert.rejects(
      () => readDelta(uri, { storageOptions: so }),
      (e: Error) => e.name === "MissingDataFileError" && e.message.includes(uri),
    );
    await assert.rejects(
      () => deleteDelta(uri, [["k", "=", 2n]], { storageOptions: so }),
      (e: Error) => e.name === "MissingDataFileError" && e.message.includes(uri),
    );
  } finally {
    await moto.stop();
  }
});
