/**
 * Delta reader benchmarks (issue 2). Every group has an in-run baseline, so `deno bench`
 * prints ratios:
 *
 * 1. `read-2M`: readDelta of a 2,000,000-row, 20-file table vs `pl.scanParquet` of the same
 *    files (a glob matching exactly those 20 files; lazy, all columns, default collect, as
 *    readDelta) (target: overhead ratio <= 1.10). The machine is shared and noisy: compare
 *    several runs, and read the ratio together with the load.
 * 2. `open-10k-commits`: opening a 10,000-commit table with no checkpoint, and with a
 *    checkpoint at version 9,990 (9 tail commits), vs the raw cost of reading that
 *    checkpoint plus the tail commits (the bound the open must meet).
 * 3. `filtered-read`: a read needing 1 of 100 partitions and 1 of its 10 files by stats vs a
 *    full scan of the 1,000-file table; the number of files the filtered read touches is
 *    printed (and pinned in tests/io/delta/scan_test.ts).
 *
 * Tables are built in a temp folder at module load; logs are written directly as JSON (the
 * reader is what is measured).
 *
 * @module
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { DeltaTable } from "../src/io/delta/delta_table.ts";
import { LocalStorage } from "../src/io/delta/local_storage.ts";
import { readDelta } from "../src/io/delta/read_delta.ts";
import { loadSnapshot } from "../src/io/delta/snapshot.ts";
import { readCheckpoint } from "../src/io/delta/checkpoint_reader.ts";
import { listLogSegment } from "../src/io/delta/log_segment.ts";
import { writeCheckpoint } from "../src/io/delta/checkpoint_writer.ts";
import type { Filter } from "../src/io/delta/predicate.ts";

const root = await Deno.makeTempDir({ prefix: "pointline_delta_read_bench_" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(root, { recursive: true });
  } catch { /* already gone */ }
});

const enc = new TextEncoder();
const v20 = (v: number) => String(v).padStart(20, "0");
const schemaString = (fields: [string, string][]) =>
  JSON.stringify({
    type: "struct",
    fields: fields.map(([name, type]) => ({ name, type, nullable: true, metadata: {} })),
  });
const protocolLine = JSON.stringify({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
const metaLine = (fields: [string, string][], partitionColumns: string[] = []) =>
  JSON.stringify({
    metaData: {
      id: crypto.randomUUID(),
      format: { provider: "parquet", options: {} },
      schemaString: schemaString(fields),
      partitionColumns,
      configuration: {},
      createdTime: Date.now(),
    },
  });
const addLine = (path: string, size: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    add: {
      path,
      partitionValues: {},
      size,
      modificationTime: Date.now(),
      dataChange: true,
      ...extra,
    },
  });

// ---------- 1. 2M rows, 20 files ----------
const bigDir = join(root, "big");
await Deno.mkdir(join(bigDir, "_delta_log"), { recursive: true });
{
  const lines = [
    protocolLine,
    metaLine([["ts_local_us", "long"], ["px_int", "long"], ["qty_int", "long"], ["side", "byte"]]),
  ];
  const rowsPerFile = 100_000;
  for (let f = 0; f < 20; f++) {
    const base = f * rowsPerFile;
    const df = pl.DataFrame({ i: Array.from({ length: rowsPerFile }, (_, i) => base + i) }).select(
      // JS number literals make Float64 columns: cast back, so the files store the table
      // types (long, long, long, byte) as a conforming Delta writer would
      pl.col("i").cast(pl.Int64).mul(1000).add(1_700_000_000_000_000).cast(pl.Int64)
        .alias("ts_local_us"),
      pl.col("i").cast(pl.Int64).modulo(9973).add(100_000).cast(pl.Int64).alias("px_int"),
      pl.col("i").cast(pl.Int64).modulo(101).add(1).cast(pl.Int64).alias("qty_int"),
      pl.col("i").modulo(2).cast(pl.Int8).alias("side"),
    );
    const dtypes = df.dtypes.map(String).join();
    if (dtypes !== [pl.Int64, pl.Int64, pl.Int64, pl.Int8].map(String).join()) {
      throw new Error(`bench file types: ${dtypes}`);
    }
    const name = `part-${String(f).padStart(5, "0")}.parquet`;
    df.writeParquet(join(bigDir, name));
    lines.push(addLine(name, (await Deno.stat(join(bigDir, name))).size));
  }
  await Deno.writeFile(join(bigDir, "_delta_log", `${v20(0)}.json`), enc.encode(lines.join("\n")));
}

{
  // same rows, columns and types from both sides, so the ratio compares like with like
  const direct = await pl.scanParquet(join(bigDir, "*.parquet")).collect();
  const delta = await readDelta(bigDir);
  if (
    direct.height !== delta.height || direct.columns.join() !== delta.columns.join() ||
    direct.dtypes.map(String).join() !== delta.dtypes.map(String).join()
  ) throw new Error("readDelta and the direct read differ");
}

Deno.bench({
  name: "pl.scanParquet(20 files).collect (baseline)",
  group: "read-2M",
  baseline: true,
  n: 30,
  warmup: 5,
  async fn() {
    const df = await pl.scanParquet(join(bigDir, "*.parquet")).collect();
    if (df.height !== 2_000_000) throw new Error(`read ${df.height} rows`);
  },
});

Deno.bench({
  name: "readDelta (open + scan + collect)",
  group: "read-2M",
  n: 30,
  warmup: 5,
  async fn() {
    const df = await readDelta(bigDir);
    if (df.height !== 2_000_000) throw new Error(`read ${df.height} rows`);
  },
});

// ---------- 2. 10,000 commits ----------
const COMMITS = 10_000;
const CHECKPOINT_AT = 9_990;
async function buildLog(dir: string) {
  await Deno.mkdir(join(dir, "_delta_log"), { recursive: true });
  const writes: Promise<void>[] = [];
  for (let v = 0; v < COMMITS; v++) {
    const lines = v === 0 ? [protocolLine, metaLine([["x", "long"]])] : [];
    lines.push(addLine(`part-${v}.parquet`, 100, {
      stats: JSON.stringify({
        numRecords: 10,
        minValues: { x: v },
        maxValues: { x: v + 9 },
        nullCount: { x: 0 },
      }),
    }));
    lines.push(JSON.stringify({ commitInfo: { timestamp: v, operation: "WRITE" } }));
    writes.push(
      Deno.writeFile(join(dir, "_delta_log", `${v20(v)}.json`), enc.encode(lines.join("\n"))),
    );
    if (writes.length >= 256) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
}
const noCpDir = join(root, "commits_no_checkpoint");
const cpDir = join(root, "commits_with_checkpoint");
await buildLog(noCpDir);
await buildLog(cpDir);
{
  const storage = new LocalStorage(cpDir);
  const snap = await loadSnapshot(storage, { version: CHECKPOINT_AT });
  await writeCheckpoint(storage, snap);
}
const cpStorage = new LocalStorage(cpDir);
const cpSegment = await listLogSegment(cpStorage);
if (cpSegment.checkpoint?.version !== CHECKPOINT_AT) throw new Error("checkpoint not found");

Deno.bench({
  name: "read checkpoint + 9 tail commits, no replay (bound)",
  group: "open-10k-commits",
  baseline: true,
  n: 20,
  warmup: 2,
  async fn() {
    const seg = await listLogSegment(cpStorage);
    const actions = await readCheckpoint(cpStorage, seg.checkpoint!.files);
    const tails = await Promise.all(seg.commits.map((c) => cpStorage.read(c.path)));
    if (actions.length < CHECKPOINT_AT || tails.length !== COMMITS - 1 - CHECKPOINT_AT) {
      throw new Error("bad bound read");
    }
  },
});

Deno.bench({
  name: "open with checkpoint at 9,990",
  group: "open-10k-commits",
  n: 20,
  warmup: 2,
  async fn() {
    const t = await DeltaTable.open(cpDir);
    if (t.version !== COMMITS - 1 || t.files().length !== COMMITS) throw new Error("bad open");
  },
});

Deno.bench({
  name: "open without checkpoint (10,000 JSON commits)",
  group: "open-10k-commits",
  n: 5,
  warmup: 1,
  async fn() {
    const t = await DeltaTable.open(noCpDir);
    if (t.version !== COMMITS - 1 || t.files().length !== COMMITS) throw new Error("bad open");
  },
});

// ---------- 3. filtered read: 1 of 100 partitions, 1 of 10 files by stats ----------
const partDir = join(root, "partitioned");
await Deno.mkdir(join(partDir, "_delta_log"), { recursive: true });
{
  const lines = [protocolLine, metaLine([["x", "long"], ["v", "double"], ["p", "string"]], ["p"])];
  const rows = 1_000;
  const writes: Promise<void>[] = [];
  for (let f = 0; f < 10; f++) {
    const lo = f * rows;
    const df = pl.DataFrame({ i: Array.from({ length: rows }, (_, i) => lo + i) }).select(
      pl.col("i").cast(pl.Int64).alias("x"),
      pl.col("i").cast(pl.Float64).mul(0.5).alias("v"),
    );
    const bytes = new Uint8Array(df.writeParquet());
    for (let p = 0; p < 100; p++) {
      const path = `p=${p}/part-${f}.parquet`;
      writes.push(
        Deno.mkdir(join(partDir, `p=${p}`), { recursive: true }).then(() =>
          Deno.writeFile(join(partDir, path), bytes)
        ),
      );
      lines.push(JSON.stringify({
        add: {
          path,
          partitionValues: { p: String(p) },
          size: bytes.length,
          modificationTime: 0,
          dataChange: true,
          stats: JSON.stringify({
            numRecords: rows,
            minValues: { x: lo, v: lo * 0.5 },
            maxValues: { x: lo + rows - 1, v: (lo + rows - 1) * 0.5 },
            nullCount: { x: 0, v: 0 },
          }),
        },
      }));
    }
  }
  await Promise.all(writes);
  await Deno.writeFile(join(partDir, "_delta_log", `${v20(0)}.json`), enc.encode(lines.join("\n")));
}
const partTable = await DeltaTable.open(partDir);
const filter: Filter = [["p", "=", "42"], ["x", ">=", 3_100], ["x", "<", 3_200]];
console.log(
  `filtered-read: the filter touches ${partTable.scanFiles(filter).length} of ` +
    `${partTable.files().length} files`,
);

Deno.bench({
  name: "full scan of 1,000 files (baseline)",
  group: "filtered-read",
  baseline: true,
  n: 5,
  warmup: 1,
  async fn() {
    const df = await (await partTable.scan()).collect();
    if (df.height !== 1_000_000) throw new Error(`read ${df.height}`);
  },
});

Deno.bench({
  name: "filtered read (1 partition, 1 file by stats)",
  group: "filtered-read",
  n: 20,
  warmup: 2,
  async fn() {
    const df = await (await partTable.scan({ filter })).collect();
    if (df.height !== 100) throw new Error(`read ${df.height}`);
  },
});

console.log(`peak RSS after setup: ${(Deno.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
