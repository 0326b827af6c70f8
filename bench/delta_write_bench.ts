/**
 * Delta writer benchmarks (issues 4 and 10). Every group has an in-run baseline, so `deno bench`
 * prints ratios; the Python peers and the merge figures are printed with `console.log` at the end.
 *
 * 1. `write-2M zstd` and `write-2M snappy`: `writeDelta` of a 2,000,000-row trades-like frame
 *    partitioned by exchange and date vs `df.writeParquet(path)` of the same frame into the same
 *    folders (target: <= 1.10), each with the same codec. The zstd group also times the fastest
 *    plain write measured here, `partitionBy` + `writeParquet` to memory + `Deno.writeFile`, to
 *    show what the Delta layer adds over encoding and writing the same files (stats, names, the
 *    log commit). Writing to a path is slower in nodejs-polars than encoding to memory and
 *    writing the bytes at once, which is why `writeDelta` can beat the first baseline.
 * 2. Python `deltalake.write_deltalake` of the same frame (3 runs per codec: snappy, its
 *    default, and zstd, with the codec found in the files printed), and Python
 *    `polars.read_delta` vs pointline `readDelta`, when the peers are importable: printed as
 *    pointline / delta-rs for the same codec (goal <= 1.0). Their own timers exclude interpreter
 *    start-up and imports. The read is printed twice: python's first `read_delta` (goal <= 0.8)
 *    and the mean of its next 5.
 * 3. `merge-10M`: merging 1,000 changed rows into a 10,000,000-row, 100-file table vs a full
 *    rewrite of the table with the same changes (`writeDelta` overwrite); the number of files
 *    the merge rewrites is printed (pinned in tests/io/delta/merge_delta_test.ts).
 * 4. `read-2M`: `readDelta` of the 2,000,000-row table partitioned by exchange and date vs
 *    `pl.scanParquet` of a glob of its files (data columns only; target: <= 1.20).
 *
 * Data are built in a temp folder at module load. The machine's load average is printed with
 * the figures (ratios are measured in one run, but a busy machine still skews them).
 *
 * @module
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { writeDelta } from "../src/io/delta/write_delta.ts";
import { mergeDelta } from "../src/io/delta/merge_delta.ts";
import { readDelta } from "../src/io/delta/read_delta.ts";
import { loadAverage, mean, timed, timings } from "./_timings.ts";
import { benchTradesFrame, FIRST_TS_US, STEP_US } from "./_trades_frame.ts";

const root = await Deno.makeTempDir({ prefix: "pointline_delta_write_bench_" });

// ---- 2M-row trades-like frame ------------------------------------------------------------
const N = 2_000_000;
const tradesFrame = benchTradesFrame(N, {
  exchange: (i) => (i % 3 === 0 ? "binance" : i % 3 === 1 ? "okx" : "deribit"),
  date: (i) => Math.floor((FIRST_TS_US + i * STEP_US) / 86_400_000_000), // 5 days
}).select(
  "exchange",
  "symbol_id",
  "ts_local_us",
  "date",
  "px_int",
  "qty_int",
  "side",
).withColumns(
  pl.col("ts_local_us").alias("ts_exch_us"),
  pl.col("date").cast(pl.Int32).cast(pl.Date),
);
let run = 0;
const CODECS = ["zstd", "snappy"] as const;

/** Each partition's data columns and its `exchange=/date=` folder. */
function partitions(dir: string): { rows: pl.DataFrame; folder: string }[] {
  return tradesFrame.partitionBy(["exchange", "date"], true, true).map((part) => {
    const ex = part.getColumn("exchange").get(0);
    const date = String(part.head(1).select(pl.col("date").cast(pl.Utf8)).getColumn("date").get(0));
    return {
      rows: part.drop(["exchange", "date"]),
      folder: join(dir, `exchange=${ex}`, `date=${date}`),
    };
  });
}

for (const codec of CODECS) {
  Deno.bench({
    name: `df.writeParquet(path) into exchange=/date= folders, ${codec} (baseline)`,
    group: `write-2M ${codec}`,
    baseline: true,
    n: 3,
    warmup: 1,
    fn: timed(`parquet_${codec}`, async () => {
      for (const { rows, folder } of partitions(join(root, `pq_${run++}`))) {
        await Deno.mkdir(folder, { recursive: true });
        rows.writeParquet(join(folder, `part-0.${codec}.parquet`), { compression: codec });
      }
    }),
  });

  if (codec === "zstd") {
    Deno.bench({
      name: "partitionBy + writeParquet to memory + Deno.writeFile, zstd",
      group: `write-2M ${codec}`,
      n: 3,
      warmup: 1,
      fn: timed(`memory_${codec}`, async () => {
        for (const { rows, folder } of partitions(join(root, `mem_${run++}`))) {
          await Deno.mkdir(folder, { recursive: true });
          await Deno.writeFile(
            join(folder, `part-0.${codec}.parquet`),
            rows.writeParquet({ compression: codec }),
          );
        }
      }),
    });
  }

  Deno.bench({
    name: `writeDelta partitioned by exchange, date, ${codec}`,
    group: `write-2M ${codec}`,
    n: 3,
    warmup: 1,
    fn: timed(`writeDelta_${codec}`, async () => {
      await writeDelta(join(root, `delta_${run++}`), tradesFrame, {
        partitionBy: ["exchange", "date"],
        compression: codec,
      });
    }),
  });
}

// ---- merge: 1,000 changed rows into a 10M-row, 100-file table ------------------------------
const M = 10_000_000, FILES = 100, PER = M / FILES;
const mergeDir = join(root, "merge_table");
for (let f = 0; f < FILES; f++) {
  const keys = pl.Series("k", Array.from({ length: PER }, (_, i) => f * PER + i)).cast(pl.Int64);
  const df = pl.DataFrame([keys]).withColumns(
    pl.col("k").mul(3).cast(pl.Int64).alias("v"),
    pl.col("k").modulo(97).cast(pl.Int64).alias("w"),
  );
  await writeDelta(mergeDir, df, { mode: f === 0 ? "error" : "append" });
}
const changedKeys = Array.from({ length: 1000 }, (_, i) => 3_000_000 + i * 250); // spans 3 files
const changes = pl.DataFrame({ k: changedKeys }).withColumns(
  pl.col("k").cast(pl.Int64),
  pl.lit(-1).cast(pl.Int64).alias("v"),
  pl.lit(-1).cast(pl.Int64).alias("w"),
);
let mergeFiles = -1;

Deno.bench({
  name: "full rewrite of the 10M-row table with the changes (baseline)",
  group: "merge-10M",
  baseline: true,
  n: 2,
  warmup: 0,
  fn: timed("fullRewrite", async () => {
    const all = await readDelta(mergeDir);
    const updated = all.join(changes.rename({ v: "v2", w: "w2" }), { on: "k", how: "left" })
      .withColumns(
        pl.when(pl.col("v2").isNotNull()).then(pl.col("v2")).otherwise(pl.col("v")).alias("v"),
        pl.when(pl.col("w2").isNotNull()).then(pl.col("w2")).otherwise(pl.col("w")).alias("w"),
      ).select("k", "v", "w");
    await writeDelta(join(root, `rewrite_${run++}`), updated);
  }),
});

Deno.bench({
  name: "mergeDelta of 1,000 changed rows",
  group: "merge-10M",
  n: 2,
  warmup: 0,
  fn: timed("merge", async () => {
    const r = await mergeDelta(mergeDir, changes, { on: ["k"] });
    if (mergeFiles < 0) mergeFiles = r.filesRewritten; // later runs see the first run's output
  }),
});

// ---- read of the 2M-row table (compared with python polars.read_delta below) -------------
const readTable = join(root, "read_table");
await writeDelta(readTable, tradesFrame, { partitionBy: ["exchange", "date"] });

Deno.bench({
  name: "pl.scanParquet of the table's files (baseline)",
  group: "read-2M",
  baseline: true,
  n: 20,
  warmup: 3,
  fn: () => {
    pl.scanParquet(join(readTable, "*/*/*.parquet")).collectSync();
  },
});

Deno.bench({
  name: "readDelta",
  group: "read-2M",
  n: 20,
  warmup: 3,
  fn: timed("readDelta", async () => {
    await readDelta(readTable);
  }),
});

// ---- Python peers ------------------------------------------------------------------------
const PEER_SCRIPT = `
import sys, time, json, glob
import polars as pl
import pyarrow.parquet as pq
from deltalake import write_deltalake, WriterProperties
src, out, table = sys.argv[1], sys.argv[2], sys.argv[3]
df = pl.read_parquet(src).to_arrow()
writes = {}
for codec, props in [("snappy", None), ("zstd", WriterProperties(compression="ZSTD"))]:
    times, found = [], set()
    for i in range(3):
        target = f"{out}/{codec}_{i}"
        t0 = time.perf_counter()
        write_deltalake(target, df, partition_by=["exchange", "date"], writer_properties=props)
        times.append(time.perf_counter() - t0)
        for f in glob.glob(f"{target}/*/*/*.parquet"):
            found.add(pq.ParquetFile(f).metadata.row_group(0).column(0).compression.lower())
    writes[codec] = {"write_s": sum(times) / len(times), "runs_s": times, "found": sorted(found)}
t0 = time.perf_counter()
n = pl.read_delta(table).height
r = time.perf_counter() - t0
warm = []
for _ in range(5):
    t0 = time.perf_counter()
    pl.read_delta(table)
    warm.append(time.perf_counter() - t0)
print(json.dumps({"writes": writes, "read_s": r, "read_warm_s": sum(warm) / len(warm), "rows": n}))
`;

function peerAvailable(): boolean {
  try {
    return new Deno.Command("python3", {
      args: ["-c", "import deltalake, polars"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
}

globalThis.addEventListener("unload", () => {
  console.log(`\n[delta_write_bench] load average at the end: ${loadAverage()} (2 cores)`);
  for (const codec of CODECS) {
    const w = mean(timings[`writeDelta_${codec}`]), p = mean(timings[`parquet_${codec}`]);
    console.log(
      `[delta_write_bench] write-2M ${codec}: writeDelta / df.writeParquet(path) into the same folders = ${
        (w / p).toFixed(3)
      } (writeDelta ${w.toFixed(0)} ms, writeParquet ${
        p.toFixed(0)
      } ms; both ${codec}; target <= 1.10)`,
    );
  }
  {
    const w = mean(timings.writeDelta_zstd), m = mean(timings.memory_zstd);
    console.log(
      `[delta_write_bench] write-2M zstd: writeDelta / (partitionBy + writeParquet to memory + writeFile) = ${
        (w / m).toFixed(3)
      } (writeDelta ${w.toFixed(0)} ms, plain files ${m.toFixed(0)} ms; what the Delta layer adds)`,
    );
  }
  const mg = mean(timings.merge), fr = mean(timings.fullRewrite);
  console.log(
    `[delta_write_bench] merge-10M: first merge rewrote ${mergeFiles} of ${FILES} files (keys span 3); merge / full rewrite = ${
      (mg / fr).toFixed(3)
    }`,
  );
  if (!peerAvailable()) {
    console.log(
      "[delta_write_bench] Python peers not run: pip install deltalake==1.6.6 polars pyarrow",
    );
  } else {
    const src = join(root, "trades.parquet");
    tradesFrame.writeParquet(src);
    const res = new Deno.Command("python3", {
      args: ["-c", PEER_SCRIPT, src, join(root, "rs_out"), readTable],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    if (!res.success) {
      console.log(
        `[delta_write_bench] Python peer failed: ${new TextDecoder().decode(res.stderr)}`,
      );
    } else {
      const rs = JSON.parse(new TextDecoder().decode(res.stdout));
      const r = mean(timings.readDelta);
      for (const codec of CODECS) {
        const w = mean(timings[`writeDelta_${codec}`]);
        const peer = rs.writes[codec];
        const runs = peer.runs_s.map((x: number) => (x * 1000).toFixed(0)).join(", ");
        console.log(
          `[delta_write_bench] write-2M vs delta-rs write_deltalake, ${codec} on both sides: pointline / delta-rs = ${
            (w / (peer.write_s * 1000)).toFixed(3)
          } (pointline ${w.toFixed(0)} ms, delta-rs ${
            (peer.write_s * 1000).toFixed(0)
          } ms [${runs}]; codec in delta-rs files: ${peer.found.join(", ")}; goal <= 1.0)`,
        );
      }
      console.log(
        `[delta_write_bench] write-2M vs delta-rs write_deltalake, default codecs (pointline zstd, delta-rs snappy): pointline / delta-rs = ${
          (mean(timings.writeDelta_zstd) / (rs.writes.snappy.write_s * 1000)).toFixed(3)
        }`,
      );
      console.log(
        `[delta_write_bench] read-2M vs python polars.read_delta: pointline / polars = ${
          (r / (rs.read_s * 1000)).toFixed(3)
        } (pointline ${r.toFixed(0)} ms, python ${
          (rs.read_s * 1000).toFixed(0)
        } ms; ${rs.rows} rows)`,
      );
      // python's first read includes one-off start-up that pointline's untimed warm-up runs
      // absorb: its later reads compare like with like
      console.log(
        `[delta_write_bench] read-2M vs python polars.read_delta, warm (mean of 5 later reads): pointline / polars = ${
          (r / (rs.read_warm_s * 1000)).toFixed(3)
        } (python ${(rs.read_warm_s * 1000).toFixed(0)} ms)`,
      );
    }
  }
  try {
    Deno.removeSync(root, { recursive: true });
  } catch { /* already gone */ }
});
