/**
 * `jobs: 2` on Deno Workers (`WorkerFileRunner`) gives the tables and manifest of a run with one
 * job on the sample bronze; a worker that throws, closes or exits mid-file ends that file
 * `failed` with a one-line message, the run completes, and a re-run lands everything once.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import type { IngestionManifestRepository } from "../../src/io/protocols.ts";
import { writeSampleBronze } from "../../src/sample/sample_bronze.ts";
import { openDeltaLake } from "../../src/io/delta_lake.ts";
import { buildIngestion } from "../../src/services/build_ingestion.ts";
import { WorkerFileRunner } from "../../src/services/worker_file_runner.ts";
import type { IngestRunResult } from "../../src/services/ingestion_service.ts";
import { diffTables, makeLake, putBronze, snapshotTables, type TestLake } from "../ingest/_lake.ts";

type Tables = Awaited<ReturnType<typeof snapshotTables>>;

/** A lake with dim_symbol synced and the sample bronze, plus a flat duplicate and a bad gzip. */
async function sampleLake(): Promise<TestLake> {
  const t = await makeLake();
  const { files } = await writeSampleBronze(`${t.root}/bronze`, { rows: 10 });
  // the flat copy of a hive file: a duplicate, failed in both runs
  const hive = files.find((f) => f.includes("type=trades") && f.includes("BTCUSDT"))!;
  const copy = `datasets/binance-futures_trades_${hive.match(/date=([\d-]+)/)![1]}_BTCUSDT.csv.gz`;
  await putBronze(t.root, copy, await Deno.readFile(`${t.root}/bronze/${hive}`));
  await putBronze(t.root, "datasets/deribit_trades_2024-07-29_BTC-PERPETUAL.csv.gz", "not gzip");
  return t;
}

let _sequential: Promise<{ result: IngestRunResult; tables: Tables }> | undefined;

/** The result and tables of one sequential run (`jobs: 1`, in this thread), computed once. */
function sequentialRun() {
  return _sequential ??= (async () => {
    const t = await sampleLake();
    try {
      const result = await t.services.ingestion.run({ jobs: 1 });
      return { result, tables: await snapshotTables(t.lake) };
    } finally {
      await t.cleanup();
    }
  })();
}

function workerServices(t: TestLake, workerUrl?: URL) {
  const runner = new WorkerFileRunner({
    lake: { root: t.root },
    manifest: t.lake.manifest,
    workerUrl,
  });
  return buildIngestion(openDeltaLake(t.root), { parallelRunner: runner });
}

Deno.test("jobs: 2 on workers gives the tables, statuses and counts of a run with one job", async () => {
  const { result: sequential, tables: expected } = await sequentialRun();
  const two = await sampleLake();
  try {
    let most = 0;
    const parallel = await workerServices(two).ingestion.run({
      jobs: 2,
      onStart: (_file, running) => most = Math.max(most, running.length),
    });
    assert.equal(sequential.pending, 38);
    assert.deepEqual(parallel.byStatus, sequential.byStatus);
    assert.equal(sequential.byStatus.failed, 2, "the duplicate and the bad gzip");
    assert.ok(sequential.byStatus.success >= 30, JSON.stringify(sequential.byStatus));
    assert.deepEqual(parallel.rowsByTable, sequential.rowsByTable);
    const key = (r: typeof sequential) =>
      r.files.map((f) => [f.meta.bronze_path, f.fileId, f.status, f.rowsWritten, f.message])
        .sort((a, b) => String(a[0]) < String(b[0]) ? -1 : 1);
    assert.deepEqual(key(parallel), key(sequential));
    assert.equal(most, 2, "the progress callbacks saw two files running at once");
    const got = await snapshotTables(two.lake);
    assert.ok(expected.trades.height > 0 && expected.book_snapshot_25.height > 0);
    assert.deepEqual(diffTables(expected, got), []);
  } finally {
    await two.cleanup();
  }
});

Deno.test("a worker that throws, closes or exits mid-file fails that file; the run completes and a re-run lands it once", async () => {
  const { tables: expected } = await sequentialRun();
  const two = await sampleLake();
  try {
    const faulty = new URL("./_faulty_ingest_worker.ts", import.meta.url);
    const first = await workerServices(two, faulty).ingestion.run({ jobs: 2 });
    assert.equal(first.pending, 38);
    assert.equal(first.files.length, 38, "every file has a result");
    const crashed = first.files.filter((f) => /Ingest worker stopped/.test(f.message ?? ""));
    const reasons = crashed.map((
      f,
    ) => [f.meta.bronze_path, f.status, f.message!.split(": ").pop()]);
    assert.equal(crashed.length, 6, JSON.stringify(reasons));
    for (const f of crashed) {
      assert.equal(f.status, "failed");
      assert.doesNotMatch(f.message!, /\n/, "one line");
      const path = f.meta.bronze_path;
      const why = path.includes("liquidations")
        ? /Uncaught Error: this worker crashed on purpose$/
        : path.includes("derivative_ticker")
        ? /the worker closed itself$/
        : /the worker exited \(code 7\)$/;
      assert.match(f.message!, why, path);
    }
    // the manifest records them failed, with the message
    const manifest = (await two.lake.manifest.readAll()).toRecords();
    for (const f of crashed) {
      const row = manifest.find((r) => r.file_id === f.fileId)!;
      assert.equal(row.status, "failed", f.meta.bronze_path);
      assert.equal(row.error_message, f.message);
    }
    // the other files were ingested by the fresh workers that replaced the dead ones
    assert.equal(first.byStatus.failed, 8, JSON.stringify(first.byStatus));

    // a re-run on sound workers retries the failed files: the tables of one clean run
    const again = await workerServices(two).ingestion.run({ jobs: 2 });
    assert.equal(again.pending, 8);
    assert.equal(again.byStatus.failed, 2, "the duplicate and the bad gzip again");
    // the manifest's latest rows: statuses and counts equal; only the attempt history differs
    assert.deepEqual(diffTables(expected, await snapshotTables(two.lake)), []);
  } finally {
    await two.cleanup();
  }
});

Deno.test("workers that cannot start fail every file with a one-line message, and the session ends", async () => {
  const recorded: [number, string, string | null | undefined][] = [];
  const manifest = {
    updateStatus: (
      id: number,
      status: string,
      _m: unknown,
      r: { error_message?: string | null },
    ) => {
      recorded.push([id, status, r.error_message]);
      return Promise.resolve();
    },
  } as unknown as IngestionManifestRepository;
  const broken = new URL("data:application/javascript,throw new Error('cannot load')");
  const runner = new WorkerFileRunner({ lake: { root: "/nowhere" }, manifest, workerUrl: broken });
  const session = await runner.open({ dim: pl.DataFrame({ a: [1] }), jobs: 2 });
  const meta = (i: number) => ({
    vendor: "tardis",
    exchange: "binance",
    data_type: "trades",
    symbol: "BTCUSDT",
    date: `2024-07-0${i}`,
    bronze_path: `f${i}.csv.gz`,
    file_size_bytes: 1,
    last_modified_ts: 0,
    sha256: "x",
  });
  const results = await Promise.all([1, 2, 3].map((i) =>
    session.ingest({
      meta: meta(i),
      entry: { fileId: i, status: "pending", attempts: 0, supersededFileIds: [] },
      memoryBytes: 1,
    })
  ));
  await session.close();
  for (const r of results) {
    assert.equal(r.status, "failed");
    assert.match(
      r.message!,
      /^Ingest worker stopped (while|before) ingesting "f\d\.csv\.gz": .*cannot load/,
    );
    assert.doesNotMatch(r.message!, /\n/);
  }
  assert.deepEqual(recorded.map((r) => [r[0], r[1]]).sort(), [[1, "failed"], [2, "failed"], [
    3,
    "failed",
  ]]);
});
