/**
 * `deno task ingest` on a lake in S3 (moto): the same tables as a local run, exactly once
 * (a re-run ingests nothing, a changed file replaces its rows), bronze in another bucket,
 * `--jobs 2` on workers, two processes at once, and a job whose S3 retries run out (through the fault proxy) fails
 * with a one-line error and is completed exactly once by a re-run.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { startFaultProxy } from "../_fault_proxy.ts";
import { startMoto } from "../_moto.ts";
import {
  diffTables,
  makeLake,
  putBronze,
  sampleFile,
  snapshotTables,
  taskCommand,
} from "./_lake.ts";
import { makeS3Lake, putS3Bronze, s3Storage, type S3TestLake } from "./_s3_lake.ts";
import { readParquetFooter } from "../../src/io/delta/parquet_append.ts";
import type { ThriftList } from "../../src/io/delta/thrift_compact.ts";

const dec = new TextDecoder();

/** The bronze set: 4 small files over three tables, one with a rejected row. */
function bronzeFiles(seed = 1): { path: string; csv: string }[] {
  const files = [
    sampleFile("trades", "BTCUSDT", "2024-07-30", 20, seed),
    sampleFile("quotes", "BTCUSDT", "2024-07-30", 20, seed),
    sampleFile("derivative_ticker", "BTCUSDT", "2024-07-31", 10, seed),
  ];
  const bad = sampleFile("trades", "ETHUSDT", "2024-07-31", 20, seed);
  const lines = bad.csv.trimEnd().split("\n");
  lines[5] = lines[5].replace(/,[0-9.]+$/, ",-1");
  files.push({ path: bad.path, csv: lines.join("\n") + "\n" });
  return files;
}

let _clean: ReturnType<typeof _localRun> | undefined;

/** The tables one clean local run gives (after `change` is applied and ingested, if given). */
function localExpected(change?: { path: string; csv: string }) {
  if (change) return _localRun(change);
  return _clean ??= _localRun();
}

async function _localRun(change?: { path: string; csv: string }) {
  const local = await makeLake();
  try {
    for (const f of bronzeFiles()) await putBronze(local.root, f.path, f.csv);
    await local.services.ingestion.run();
    if (change) {
      await putBronze(local.root, change.path, change.csv);
      await local.services.ingestion.run();
    }
    return await snapshotTables(local.lake);
  } finally {
    await local.cleanup();
  }
}

async function ingest(args: string[], env: Record<string, string>) {
  const out = await taskCommand("ingest.ts", args, env).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("deno task ingest --lake s3://... equals a local run, exactly once, with bronze in another bucket", async () => {
  const moto = await startMoto();
  try {
    const lake = await makeS3Lake(moto);
    const bronzeBucket = await moto.createBucket();
    const bronze = { root: `s3://${bronzeBucket}/exports`, storageOptions: lake.storageOptions };
    // putS3Bronze writes under <root>/bronze: here the bronze root is <bucket>/exports/bronze
    for (const f of bronzeFiles()) await putS3Bronze(bronze, f.path, f.csv);
    const args = ["--lake", lake.root, "--bronze", `${bronze.root}/bronze`];

    const first = await ingest(args, lake.storageOptions);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(first.stdout, /Discovered 4 file\(s\), 4 pending, 4 processed/);
    assert.deepEqual(diffTables(await localExpected(), await snapshotTables(lake.lake)), []);

    const again = await ingest(args, lake.storageOptions);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Discovered 4 file\(s\), 0 pending, 0 processed/);

    // the same path with new content: a new file id, its old rows replaced in one commit
    const changed = sampleFile("trades", "BTCUSDT", "2024-07-30", 15, 9);
    await putS3Bronze(bronze, changed.path, changed.csv);
    const third = await ingest(args, lake.storageOptions);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /1 pending, 1 processed/);
    const got = await snapshotTables(lake.lake);
    assert.deepEqual(diffTables(await localExpected(changed), got), []);
    assert.equal(got.manifest.height, 5, "the changed file got a new id");
    for (const text of [first, again, third].flatMap((r) => [r.stdout, r.stderr])) {
      assert.doesNotMatch(text, /pointline-test-secret/, "no secret in job output");
    }
  } finally {
    await moto.stop();
  }
});

Deno.test("deno task ingest --jobs 2 runs files on workers that open the s3:// lake themselves: the tables of a local run", async () => {
  const moto = await startMoto();
  try {
    const lake = await makeS3Lake(moto);
    for (const f of bronzeFiles()) await putS3Bronze(lake, f.path, f.csv);
    // the workers get the lake's URI; credentials and endpoint come from the environment
    const r = await ingest(["--lake", lake.root, "--jobs", "2"], lake.storageOptions);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Discovered 4 file\(s\), 4 pending, 4 processed/);
    assert.doesNotMatch(r.stderr + r.stdout, /^\s+at\s|pointline-test-secret/m);
    assert.deepEqual(diffTables(await localExpected(), await snapshotTables(lake.lake)), []);
  } finally {
    await moto.stop();
  }
});

Deno.test("two concurrent deno task ingest processes on one S3 lake give the tables of one run, with unique file ids", async () => {
  const moto = await startMoto();
  try {
    const lake = await makeS3Lake(moto);
    for (const f of bronzeFiles()) await putS3Bronze(lake, f.path, f.csv);
    const runs = await Promise.all([
      ingest(["--lake", lake.root], lake.storageOptions),
      ingest(["--lake", lake.root], lake.storageOptions),
    ]);
    for (const r of runs) assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(diffTables(await localExpected(), await snapshotTables(lake.lake)), []);
    const log = await lake.lake.manifest.readLog();
    const idsPerIdentity = log.groupBy(["bronze_path", "sha256"]).agg(
      pl.col("file_id").nUnique().alias("n"),
    );
    assert.deepEqual([...new Set(idsPerIdentity.getColumn("n").toArray())], [1]);
    const identitiesPerId = log.groupBy("file_id").agg(pl.col("bronze_path").nUnique().alias("n"));
    assert.deepEqual([...new Set(identitiesPerId.getColumn("n").toArray())], [1]);
  } finally {
    await moto.stop();
  }
});

Deno.test("an ingest whose S3 retries run out fails with one-line errors; a re-run completes exactly once", async () => {
  const moto = await startMoto();
  const proxy = startFaultProxy(moto.endpoint);
  try {
    const lake = await makeS3Lake(moto);
    for (const f of bronzeFiles()) await putS3Bronze(lake, f.path, f.csv);
    // the same lake reached through the proxy; AWS_MAX_ATTEMPTS bounds each request's retries
    const env = { ...moto.storageOptions(proxy.endpoint), AWS_MAX_ATTEMPTS: "3" };
    const noSecret = (text: string) => assert.doesNotMatch(text, /pointline-test-secret/);

    // S3 down from the start: the job stops with one error line naming the status and key
    proxy.inject({ fault: { kind: "status", status: 503, code: "SlowDown" }, times: Infinity });
    const down = await ingest(["--lake", lake.root], env);
    assert.equal(down.code, 1, down.stderr);
    const lines = down.stderr.trim().split("\n");
    assert.equal(lines.length, 1, down.stderr);
    assert.match(lines[0], /^error: .*503/);
    assert.match(lines[0], /s3:\/\//, "the error names the bucket and key");
    noSecret(down.stderr + down.stdout);

    // S3 fails after the second event-table commit: each remaining file fails with a one-line
    // reason, and the job exits 1
    proxy.clear();
    let commits = 0;
    proxy.inject({
      match: (r) => {
        if (
          r.method === "PUT" && /\/silver\/(trades|quotes)\/_delta_log\/\d+\.json$/.test(r.path)
        ) {
          commits++;
        }
        return commits >= 2;
      },
      fault: { kind: "status", status: 500, code: "InternalError" },
      times: Infinity,
    });
    const midway = await ingest(["--lake", lake.root], env);
    assert.equal(midway.code, 1, midway.stderr + midway.stdout);
    assert.match(midway.stdout, /failed/);
    assert.match(midway.stdout, /500/);
    noSecret(midway.stderr + midway.stdout);

    proxy.clear();
    const rerun = await ingest(["--lake", lake.root], env);
    assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout);
    assert.deepEqual(diffTables(await localExpected(), await snapshotTables(lake.lake)), []);
  } finally {
    await proxy.close();
    await moto.stop();
  }
});

Deno.test("a large bronze file on S3 is streamed (--memory 1) into the same tables as the whole-file read", async () => {
  const moto = await startMoto();
  try {
    const streamed = await makeS3Lake(moto, { prefix: "streamed" });
    const whole = await makeS3Lake(moto, { prefix: "whole" });
    const big = sampleFile("trades", "BTCUSDT", "2024-07-30", 6000);
    assert.ok(big.csv.length > 256 * 1024, "larger than a 1 MiB budget's part");
    for (const lake of [streamed, whole]) await putS3Bronze(lake, big.path, big.csv);
    const a = await ingest(["--lake", streamed.root, "--memory", "1"], streamed.storageOptions);
    assert.equal(a.code, 0, a.stderr + a.stdout);
    const b = await ingest(["--lake", whole.root], whole.storageOptions);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    const got = await snapshotTables(streamed.lake);
    assert.equal(got.trades.height, 6000);
    // streamed: the parts' row groups were appended into one data file (uploaded to S3 as a
    // stream); read whole: one row group
    const rowGroups = async (lake: S3TestLake) => {
      const files = (await lake.lake.events.trades.open())!.files();
      const storage = s3Storage(`${lake.root}/silver/trades`, lake.storageOptions);
      const counts = [];
      for (const f of files) {
        const { meta } = readParquetFooter(await storage.read(decodeURIComponent(f.path)));
        counts.push((meta.get(4) as ThriftList).items.length);
      }
      return counts;
    };
    const parts = await rowGroups(streamed);
    assert.equal(parts.length, 1);
    assert.ok(parts[0] > 2, `streamed in parts: ${parts[0]} row groups`);
    assert.deepEqual(await rowGroups(whole), [1]);
    assert.deepEqual(diffTables(await snapshotTables(whole.lake), got), []);
  } finally {
    await moto.stop();
  }
});
