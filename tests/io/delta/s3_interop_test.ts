/**
 * Interop and concurrency on one S3 bucket (moto), with delta-rs (python `deltalake`, given
 * the endpoint, `AWS_ALLOW_HTTP` and `conditional_put: "etag"` through its environment) and
 * Python polars:
 * - delta-rs reads every version pointline writes to `s3://`, and pointline every version
 *   delta-rs writes there; `polars.read_delta` reads pointline's S3 table;
 * - 4 pointline processes x 25 appends, and pointline + delta-rs appending 25 each at once:
 *   versions contiguous, every commit and row present, both engines read the same table.
 *
 * Needs moto and the python peers; a missing one fails the test.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { REPO_ROOT } from "../../_fixtures.ts";
import { startMoto } from "../../_moto.ts";
import { runPython, runPythonJson } from "../../_python_peer.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { storageForUri } from "../../../src/io/delta/storage_for_uri.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import {
  assertSameEverywhere,
  peer,
  plView,
  pointlineScenario,
  range,
  rsDescribe,
} from "./_interop.ts";

const PROC = `${REPO_ROOT}/tests/io/delta/_proc`;

Deno.test("S3 interop: delta-rs and polars read every version pointline writes to s3://, pointline reads delta-rs", async () => {
  const moto = await startMoto();
  try {
    const io = { storageOptions: moto.storageOptions() };
    const bucket = await moto.createBucket();
    const mine = `s3://${bucket}/pointline/t`;
    const last = await pointlineScenario(mine, true, io);
    assert.equal(last, 7);
    await assertSameEverywhere(mine, range(last), io);
    assert.equal((await rsDescribe(mine, [last], io)).txn_job, 1, "delta-rs reads the txn");

    // Python polars reads the same rows (through its own delta reader on the same bucket)
    const polarsRows = await runPythonJson({
      code: `
import json, os, sys, polars as pl
keys = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ALLOW_HTTP"]
df = pl.read_delta(sys.argv[1], storage_options={k: os.environ[k] for k in keys})
cols = sorted(df.columns)
df = df.select([pl.col(c).cast(pl.Utf8) for c in cols])
print(json.dumps(sorted(json.dumps(r) for r in df.rows())))
`,
      args: [mine],
      env: io.storageOptions,
    }) as string[];
    assert.deepEqual(
      polarsRows.map((r) => JSON.stringify(JSON.parse(r))).sort(),
      (await plView(mine, undefined, io)).rows,
    );

    const theirs = `s3://${bucket}/delta-rs/t`;
    const s = await peer(["scenario", theirs], io) as { version: number };
    assert.equal(s.version, 7);
    await assertSameEverywhere(theirs, range(s.version), io);
  } finally {
    await moto.stop();
  }
});

function seed(worker: number): pl.DataFrame {
  return pl.DataFrame({ worker: [worker], seq: [0] }).withColumns(
    pl.col("worker").cast(pl.Int64),
    pl.col("seq").cast(pl.Int64),
  );
}

function appendWorker(
  uri: string,
  worker: number,
  n: number,
  go: string,
  env: Record<string, string>,
): Promise<Deno.CommandOutput> {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROC}/append_worker.ts`, uri, String(worker), String(n), go],
    env,
    stdout: "piped",
    stderr: "piped",
    cwd: REPO_ROOT,
  }).output();
}

const RS_APPENDER = `
import os, sys, time
import pyarrow as pa
from deltalake import write_deltalake
uri, worker, n, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
while not os.path.exists(go):
    time.sleep(0.005)
for i in range(n):
    t = pa.table({"worker": pa.array([worker], pa.int64()), "seq": pa.array([i], pa.int64())})
    write_deltalake(uri, t, mode="append")
print("done")
`;

/** Every commit file of the table's log, as versions. */
async function commitVersions(uri: string, storageOptions: Record<string, string>) {
  const log = await storageForUri(uri, { storageOptions }).list("_delta_log/");
  return log.map((o) => /^_delta_log\/(\d{20})\.json$/.exec(o.path)?.[1])
    .filter((v): v is string => v !== undefined).map(Number);
}

function ids(df: pl.DataFrame): string[] {
  return df.filter(pl.col("worker").gtEq(0)).select(
    pl.concatString([pl.col("worker").cast(pl.Utf8), pl.col("seq").cast(pl.Utf8)], ":").alias("id"),
  ).getColumn("id").toArray() as string[];
}

Deno.test("S3 concurrency: 4 pointline processes x 25 appends, then pointline + delta-rs 25 each at once", async () => {
  const moto = await startMoto();
  const dir = await Deno.makeTempDir({ prefix: "pointline_s3_conc_" });
  try {
    const storageOptions = moto.storageOptions();
    const env = { ...storageOptions, AWS_CONDITIONAL_PUT: "etag" };
    const bucket = await moto.createBucket();

    // 4 pointline processes
    const t0 = performance.now();
    const uri = `s3://${bucket}/four`;
    // a checkpoint every 10 commits keeps each append's log read short (without one every
    // writer reads every commit JSON of the table again)
    const configuration = { "delta.checkpointInterval": "10" };
    await writeDelta(uri, seed(-1), { storageOptions, configuration });
    const go = `${dir}/go4`;
    const runs = [0, 1, 2, 3].map((w) => appendWorker(uri, w, 25, go, env));
    await Deno.writeTextFile(go, "");
    const outs = await Promise.all(runs);
    for (const o of outs) assert.ok(o.success, new TextDecoder().decode(o.stderr));
    const versions = outs.flatMap((o) =>
      JSON.parse(new TextDecoder().decode(o.stdout).trim().split("\n").pop()!).versions as number[]
    ).sort((a, b) => a - b);
    assert.deepEqual(versions, range(100).slice(1), "versions 1..100, each once");
    assert.deepEqual(await commitVersions(uri, storageOptions), range(100));
    const rows = await readDelta(uri, { storageOptions });
    assert.equal(rows.height, 101);
    assert.equal(new Set(ids(rows)).size, 100);

    console.log(`4 x 25 appends on S3: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // pointline and delta-rs on one table
    const t1 = performance.now();
    const mixed = `s3://${bucket}/mixed`;
    await writeDelta(mixed, seed(-1), { storageOptions, configuration });
    const go2 = `${dir}/go2`;
    const both = Promise.all([
      appendWorker(mixed, 0, 25, go2, env),
      runPython({ code: RS_APPENDER, args: [mixed, "1", "25", go2], env }),
    ]);
    await Deno.writeTextFile(go2, "");
    const [pointline, rs] = await both;
    console.log(
      `pointline + delta-rs 25 appends each: ${((performance.now() - t1) / 1000).toFixed(1)} s`,
    );
    assert.ok(pointline.success, new TextDecoder().decode(pointline.stderr));
    assert.ok(rs.success, rs.stderr);
    assert.deepEqual(await commitVersions(mixed, storageOptions), range(50), "versions 0..50");
    const table = await DeltaTable.open(mixed, { storageOptions });
    assert.equal(table.version, 50);
    const got = await readDelta(mixed, { storageOptions });
    assert.equal(got.height, 51);
    const all = ids(got);
    assert.equal(new Set(all).size, 50);
    assert.equal(all.filter((i) => i.startsWith("1:")).length, 25, "every delta-rs row");
    const io = { storageOptions };
    const rsView = (await rsDescribe(mixed, [50], io)).versions["50"];
    assert.deepEqual(
      rsView.rows.map((r) => JSON.stringify(JSON.parse(r))).sort(),
      (await plView(mixed, 50, io)).rows,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await moto.stop();
  }
});
