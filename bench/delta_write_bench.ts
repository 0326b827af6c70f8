/**
 * Delta writer benchmarks (issue 4). Every group has an in-run baseline, so `deno bench` prints
 * ratios; the Python peers and the merge figures are printed with `console.log` at the end.
 *
 * 1. `write-2M`: `writeDelta` of a 2,000,000-row trades-like frame partitioned by exchange and
 *    date vs `df.writeParquet` of the same frame into the same folders (target: <= 1.10).
 * 2. Python `deltalake.write_deltalake` of the same frame, and Python `polars.read_delta` vs
 *    pointline `readDelta`, when the peers are importable: printed as pointline / delta-rs
 *    (goal <= 1.0). Their own timers exclude interpreter start-up and imports. The read is
 *    printed twice: python's first `read_delta` (goal <= 0.8) and the mean of its next 5.
 * 3. `merge-10M`: merging 1,000 changed rows into a 10,000,000-row, 100-file table vs a full
 *    rewrite of the table with the same changes (`writeDelta` overwrite); the number of files
 *    the merge rewrites is printed (pinned in tests/io/delta/merge_delta_test.ts).
 * 4. `read-2M`: `readDelta` of the 2,000,000-row table partitioned by exchange and date vs
 *    `pl.scanParquet` of a glob of its files (data columns only; target: <= 1.20).
 *
 * Data are built in a temp folder at module load.
 *
 * @module
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { writeDelta } from "../src/io/delta/write_delta.ts";
import { mergeDelta } from "../src/io/delta/merge_delta.ts";
import { readDelta } from "../src/io/delta/read_delta.ts";
import { mean, timed, timings } from "./_timings.ts";
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

Deno.bench({
  name: "df.writeParquet into exchange=/date= folders (baseline)",
  group: "write-2M",
  baseline: true,
  n: 3,
  warmup: 1,
  fn: timed("parquet", async () => {
    const dir = join(root, `pq_${run++}`);
    for (const part of tradesFrame.partitionBy(["exchange", "date"], true, true)) {
      const ex = part.getColumn("exchange").get(0);
      const date = String(part.select(pl.col("date").cast(pl.Utf8)).getColumn("date").get(0));
      const folder = join(dir, `exchange=${ex}`, `date=${date}`);
      await Deno.mkdir(folder, { recursive: true });
      part.drop(["exchange", "date"]).writeParquet(join(folder, "part-0.zstd.parquet"), {
        compression: "zstd",
      });
    }
  }),
});

Deno.bench({
  name: "writeDelta partitioned by exchange, date",
  group: "write-2M",
  n: 3,
  warmup: 1,
  fn: timed("writeDelta", async () => {
    await writeDelta(join(root, `delta_${run++}`), tradesFrame, {
      partitionBy: ["exchange", "date"],
    });
  }),
});

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
import sys, time, json
import polars as pl
from deltalake import write_deltalake
src, out, table = sys.argv[1], sys.argv[2], sys.argv[3]
df = pl.read_parquet(src)
t0 = time.perf_counter()
write_deltalake(out, df.to_arrow(), partition_by=["exchange", "date"])
w = time.perf_counter() - t0
t0 = time.perf_counter()
n = pl.read_delta(table).height
r = time.perf_counter() - t0
warm = []
for _ in range(5):
    t0 = time.perf_counter()
    pl.read_delta(table)
    warm.append(time.perf_counter() - t0)
print(json.dumps({"write_s": w, "read_s": r, "read_warm_s": sum(warm) / len(warm), "rows": n}))
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
  const w = mean(timings.writeDelta), p = mean(timings.parquet);
  console.log(
    `\n[delta_write_bench] write-2M: writeDelta / writeParquet = ${
      (w / p).toFixed(3)
    } (target <= 1.10)`,
  );
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
      console.log(
        `[delta_write_bench] write-2M vs delta-rs write_deltalake: pointline / delta-rs = ${
          (w / (rs.write_s * 1000)).toFixed(3)
        } (pointline ${w.toFixed(0)} ms, delta-rs ${
          (rs.write_s * 1000).toFixed(0)
        } ms; goal <= 1.0)`,
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
