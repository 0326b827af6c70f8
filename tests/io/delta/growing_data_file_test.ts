import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import pl from "nodejs-polars";
import { computeFileStats } from "../../../src/io/delta/data_file_writer.ts";
import { GrowingDataFile } from "../../../src/io/delta/growing_data_file.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import { ParquetAppendError } from "../../../src/io/delta/parquet_append.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { StagedWrite } from "../../../src/io/delta/staged_write.ts";
import type { ObjectStorage, PutOptions } from "../../../src/io/delta/storage.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { vacuum } from "../../../src/io/delta/vacuum.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { REPO_ROOT } from "../../_fixtures.ts";
import { startMoto } from "../../_moto.ts";
import { runPython, runPythonJson } from "../../_python_peer.ts";
import { eventLikeFrame } from "./_event_like_frame.ts";

function encode(df: pl.DataFrame): Uint8Array {
  const b = df.writeParquet({ compression: "zstd" });
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Every file under a folder, recursively (hidden ones too), relative to it. */
function allFiles(dir: string, rel = "", out: string[] = []): string[] {
  for (const e of Deno.readDirSync(`${dir}/${rel}`)) {
    const p = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory) allFiles(dir, p, out);
    else out.push(p);
  }
  return out.sort();
}

/** A storage whose streamed uploads fail after `failAfter` bytes were read. */
class FailingStreamStorage extends MemoryStorage {
  constructor(readonly failAfter: number) {
    super();
  }
  override async putStream(
    path: string,
    body: ReadableStream<Uint8Array>,
    options?: PutOptions,
  ): Promise<void> {
    const reader = body.getReader();
    let n = 0;
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      n += r.value.length;
      if (n > this.failAfter) {
        await reader.cancel(new Error("disk full"));
        throw new Error("disk full");
      }
    }
    await super.put(path, new Uint8Array(0), options);
  }
}

Deno.test("a grown file is invisible until closed, then holds every row with whole-file stats", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const storage = new LocalStorage(dir);
    const frames = [eventLikeFrame(0, 2000), eventLikeFrame(2000, 5000), eventLikeFrame(7000, 1)];
    const file = GrowingDataFile.open(storage, "p=a/part-0.parquet", {
      partitionValues: { p: "a" },
    });
    for (const f of frames) {
      await file.append(encode(f), f);
      // streamed so far into a hidden temporary file only: no object under the key
      assert.deepEqual((await storage.list("p=a/part")).map((o) => o.path), []);
    }
    assert.equal(file.numRecords, 7001);
    const add = await file.close();
    const bytes = await storage.read("p=a/part-0.parquet");
    assert.equal(add.size, bytes.length);
    assert.deepEqual(add.partitionValues, { p: "a" });
    const back = pl.readParquet(Buffer.from(bytes));
    const want = pl.concat(frames);
    assert.ok(back.frameEqual(want, true));
    assert.equal(add.stats, computeFileStats(back));
    assert.deepEqual(allFiles(dir), ["p=a/part-0.parquet"]); // no temporary file left
    await assert.rejects(() => file.append(encode(frames[0]), frames[0]), /already closed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("abort, a refused input and a failed upload leave nothing under the key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const storage = new LocalStorage(dir);
    const f = eventLikeFrame(0, 100);
    const aborted = GrowingDataFile.open(storage, "a.parquet");
    await aborted.append(encode(f), f);
    await aborted.abort();
    await aborted.abort(); // idempotent
    const refused = GrowingDataFile.open(storage, "b.parquet");
    await refused.append(encode(f), f);
    const other = pl.DataFrame({ x: [1] });
    await assert.rejects(() => refused.append(encode(other), other), ParquetAppendError);
    await assert.rejects(() => refused.close(), /already aborted/);
    assert.deepEqual(allFiles(dir), []);
    // the key exists already: the exclusive upload fails, and append does not wait forever
    await storage.put("c.parquet", new Uint8Array([1]));
    const taken = GrowingDataFile.open(storage, "c.parquet");
    await assert.rejects(async () => {
      await taken.append(encode(f), f);
      await taken.close();
    }, /already exists/);
    assert.deepEqual(allFiles(dir), ["c.parquet"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const failing = new FailingStreamStorage(10);
  const file = GrowingDataFile.open(failing, "d.parquet");
  const f = eventLikeFrame(0, 100);
  await assert.rejects(async () => {
    await file.append(encode(f), f);
    await file.append(encode(f), f);
    await file.close();
  }, /disk full/);
  assert.deepEqual(await failing.list(""), []);
});

Deno.test("a staged write grows its data file across stages, up to its target", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const uri = `${dir}/t`;
    const frames = Array.from({ length: 6 }, (_, i) => eventLikeFrame(i * 3000, 3000));
    const one = encode(frames[0]).length;
    const w = await StagedWrite.begin(uri, {
      growFilesTo: 2.5 * one, // three stages per file
      txn: { appId: "grow", version: 0 },
    });
    for (const [i, f] of frames.entries()) {
      await w.stage(f, { newFile: i === 5 }); // the last one starts a file of its own
    }
    const r = await w.commit();
    assert.equal(r.rowsWritten, 18000);
    const t = await DeltaTable.open(uri);
    const files = t.snapshot.files;
    assert.equal(files.length, 3, files.map((f) => f.size).join());
    assert.deepEqual(files.map((f) => JSON.parse(f.stats!).numRecords).sort(), [3000, 6000, 9000]);
    for (const add of files) {
      const bytes = await Deno.readFile(`${uri}/${decodeURIComponent(add.path)}`);
      assert.equal(add.size, bytes.length);
      assert.equal(add.stats, computeFileStats(pl.readParquet(Buffer.from(bytes))));
    }
    const back = (await readDelta(uri)).sort("symbol_id");
    assert.ok(back.frameEqual(pl.concat(frames), true));
    // delta-rs and DuckDB (delta_scan) read the table with grown files
    const rs = await runPythonJson({
      code: `
import json, sys
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1]).to_pyarrow_table()
print(json.dumps({"rows": t.num_rows, "sum": str(sum(t.column("symbol_id").to_pylist())),
  "levels": sum(len(v) for v in t.column("levels").to_pylist())}))
`,
      args: [uri],
    });
    const sums = back.select(
      pl.col("symbol_id").sum().cast(pl.Utf8),
      pl.col("levels").lst.lengths().sum(),
    ).row(0);
    assert.deepEqual(rs, { rows: 18000, sum: sums[0], levels: Number(sums[1]) });
    const duck = await runPython(
      { file: `${REPO_ROOT}/tests/io/delta/_py/duckdb_peer.py` },
      JSON.stringify([{
        rows:
          `select count(*) as n, sum(symbol_id) as s, count(side) as c from delta_scan('${uri}')`,
      }]),
    );
    assert.ok(duck.success, duck.stderr);
    const [answer] = JSON.parse(duck.stdout);
    assert.ok(!("error" in answer), answer.error);
    // the peer sorts columns by name: c, n, s
    assert.deepEqual(answer.rows, [[
      String(back.getColumn("side").len() - back.getColumn("side").nullCount()),
      "18000",
      sums[0],
    ]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("each partition grows its own file", async () => {
  const storage = new MemoryStorage();
  const w = await StagedWrite.begin("mem://t", {
    storage,
    partitionBy: ["p"],
    growFilesTo: 1 << 30,
  });
  const part = (from: number) =>
    eventLikeFrame(from, 10).withColumns(
      pl.when(pl.col("price").modulo(2).eq(0)).then(pl.lit("a")).otherwise(pl.lit("b")).alias("p"),
    );
  for (const from of [0, 10, 20]) await w.stage(part(from));
  await w.commit();
  const t = await DeltaTable.open("mem://t", { storage });
  const files = t.snapshot.files.map((f) => [f.partitionValues.p, JSON.parse(f.stats!).numRecords]);
  assert.deepEqual(files.sort(), [["a", 15], ["b", 15]]);
});

Deno.test("aborting a staged write with an open file leaves nothing; a killed one only what vacuum removes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const uri = `${dir}/t`;
    const w = await StagedWrite.begin(uri, { growFilesTo: 1 << 30 });
    await w.stage(eventLikeFrame(0, 100));
    await w.abort();
    assert.deepEqual(allFiles(dir).filter((f) => !f.startsWith("t/_delta_log")), []);
    // a writer killed mid-file leaves only its temporary file, which vacuum removes
    await StagedWrite.begin(uri).then(async (s) => {
      await s.stage(pl.DataFrame({ x: [1] }));
      await s.commit();
    });
    await Deno.writeFile(`${uri}/.${crypto.randomUUID()}.tmp`, new Uint8Array(100));
    const r = await vacuum(uri, {
      retentionHours: 0,
      enforceRetention: false,
      dryRun: false,
      now: Date.now() + 1000,
    });
    assert.equal(r.files.length, 1);
    assert.deepEqual(allFiles(uri).filter((f) => !f.startsWith("_delta_log")).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("on S3 a grown file uploads in parts, and an aborted one leaves no object or upload", async () => {
  const moto = await startMoto();
  try {
    const storage: ObjectStorage = await moto.storage(undefined, { partSize: 5 * 2 ** 20 });
    const bucket = new URL(storage.root).host;
    // incompressible doubles: about 4 MiB of Parquet per frame, so the file needs 3 parts
    const frame = (seed: number) =>
      pl.DataFrame({ x: Array.from({ length: 500_000 }, (_, i) => Math.sin(seed * 1e6 + i)) });
    const frames = [frame(1), frame(2), frame(3)];
    const file = GrowingDataFile.open(storage, "big.parquet");
    for (const f of frames) await file.append(encode(f), f);
    const add = await file.close();
    assert.ok(add.size > 10 * 2 ** 20, `size ${add.size}`);
    const bytes = await storage.read("big.parquet");
    assert.equal(bytes.length, add.size);
    assert.ok(pl.readParquet(Buffer.from(bytes)).frameEqual(pl.concat(frames)));
    assert.equal(await moto.openUploads(bucket), 0);

    const aborted = GrowingDataFile.open(storage, "gone.parquet");
    for (const f of frames) await aborted.append(encode(f), f); // past the first part
    await aborted.abort();
    await assert.rejects(() => storage.head("gone.parquet"), /File not found/);
    assert.equal(await moto.openUploads(bucket), 0);
  } finally {
    await moto.stop();
  }
});

Deno.test("on S3 vacuum aborts a killed writer's unfinished upload once older than the retention", async () => {
  const moto = await startMoto();
  try {
    const bucket = await moto.createBucket();
    const table = await moto.storage(`s3://${bucket}/lake/t`);
    await writeDelta("s3://unused", pl.DataFrame({ x: [1] }), { storage: table });
    // a killed writer's data file, an upload of a log file (vacuum never touches the log), and an
    // upload of another table under the same bucket
    await moto.beginUpload(bucket, "lake/t/part-00000-killed.zstd.parquet");
    await moto.beginUpload(bucket, "lake/t/_delta_log/00000000000000000009.json");
    await moto.beginUpload(bucket, "lake/other/part-00000-other.zstd.parquet");
    const listed = await table.listUnfinishedUploads("");
    assert.deepEqual(listed.map((u) => u.path), [
      "_delta_log/00000000000000000009.json",
      "part-00000-killed.zstd.parquet",
    ]);
    // moto reports every upload as begun at one fixed instant (2010-11-10); S3 gives the real one
    const started = listed[0].started;
    assert.ok(started > 0 && listed.every((u) => u.started === started), "Initiated read");
    const options = { storage: table, retentionHours: 0, enforceRetention: false };
    // a running writer's upload is younger than the retention: kept
    const young = await vacuum("s3://unused", {
      ...options,
      dryRun: false,
      now: started - 1,
    });
    assert.deepEqual(young.uploads, []);
    assert.equal(await moto.openUploads(bucket), 3);
    const later = Date.now() + 60_000;
    const dry = await vacuum("s3://unused", { ...options, now: later });
    assert.deepEqual(dry.uploads, ["part-00000-killed.zstd.parquet"]);
    assert.equal(await moto.openUploads(bucket), 3, "a dry run aborts nothing");
    const r = await vacuum("s3://unused", { ...options, dryRun: false, now: later });
    assert.deepEqual(r.uploads, ["part-00000-killed.zstd.parquet"]);
    assert.deepEqual(r.files, []);
    assert.equal(await moto.openUploads(bucket), 2, "only the table's data-file upload aborted");
    // aborting an upload already gone is not an error
    await table.abortUnfinishedUpload(listed[1]);
    assert.deepEqual((await readDelta("s3://unused", { storage: table })).toRecords(), [{ x: 1 }]);
  } finally {
    await moto.stop();
  }
});
