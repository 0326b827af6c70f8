/**
 * Delta writer benchmarks (issues 4 and 10). The merge and read groups have an in-run baseline,
 * so `deno bench` prints their ratios; the write figures, the Python peers and the merge figures
 * are printed with `console.log` at the end.
 *
 * 1. `write-2M`: `writeDelta` of a 2,000,000-row trades-like frame partitioned by exchange and
 *    date vs `df.writeParquet(path)` of the same frame into the same folders (target: <= 1.10),
 *    for zstd and snappy, the same codec on both sides. Also timed: the fastest plain write
 *    measured here, `partitionBy` + `writeParquet` to memory + `Deno.writeFile` (zstd), to show
 *    what the Delta layer adds over the same encoding (stats, file names, the log commit); and
 *    Python `deltalake.write_deltalake` of the same frame with snappy (its default) and zstd,
 *    printed as pointline / delta-rs per codec (goal <= 1.0 on the same codec), with the codec
 *    read back from delta-rs's files. Its own timers exclude interpreter start-up and imports.
 *    The contenders run in interleaved rounds (one warm-up round, then `ROUNDS`), and each ratio
 *    is the median of the rounds' ratios: on a shared machine a load change then hits both
 *    sides of a ratio alike.
 * 2. Python `polars.read_delta` vs pointline `readDelta` (read-2M below), when the peers are
 *    importable: python's first `read_delta` (goal <= 0.8) and the mean of its next 5.
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
type Codec = typeof CODECS[number];
/** Timed rounds of the write-2M comparison (after one warm-up round). */
const ROUNDS = 5;

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

/** The write-2M contenders of one codec, each timed by `paired` under its own key. */
function writers(codec: Codec): Record<string, () => Promise<unknown>> {
  const out: Record<string, () => Promise<unknown>> = {
    [`parquet_${codec}`]: async () => {
      for (const { rows, folder } of partitions(join(root, `pq_${run++}`))) {
        await Deno.mkdir(folder, { recursive: true });
        rows.writeParquet(join(folder, `part-0.${codec}.parquet`), { compression: codec });
      }
    },
    [`writeDelta_${codec}`]: () =>
      writeDelta(join(root, `delta_${run++}`), tradesFrame, {
        partitionBy: ["exchange", "date"],
        compression: codec,
      }),
  };
  if (codec === "zstd") {
    out[`memory_${codec}`] = async () => {
      for (const { rows, folder } of partitions(join(root, `mem_${run++}`))) {
        await Deno.mkdir(folder, { recursive: true });
        await Deno.writeFile(
          join(folder, `part-0.${codec}.parquet`),
          rows.writeParquet({ compression: codec }),
        );
      }
    };
  }
  return out;
}

/** Source of the Python peer's frame (the same rows). */
const peerSource = join(root, "trades.parquet");
tradesFrame.writeParquet(peerSource);
const peer = peerAvailable();
/** delta-rs codec found in its files, by codec asked for. */
const peerCodecs: Record<string, string> = {};

/** One delta-rs write per codec in one Python process; its own timers exclude start-up. */
async function peerRound(): Promise<void> {
  const res = await new Deno.Command("python3", {
    args: ["-c", PEER_WRITE_SCRIPT, peerSource, join(root, `rs_${run++}`)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!res.success) {
    throw new Error(`Python peer failed: ${new TextDecoder().decode(res.stderr)}`);
  }
  const out = JSON.parse(new TextDecoder().decode(res.stdout));
  for (const codec of CODECS) {
    (timings[`deltaRs_${codec}`] ??= []).push(out[codec].write_s * 1000);
    peerCodecs[codec] = out[codec].found;
  }
}

// Rounds interleave the contenders (plain Parquet, writeDelta and delta-rs, each codec), so a
// load change on a shared machine hits all of them alike; ratios are medians of the rounds'.
Deno.bench({
  name: `write-2M: ${ROUNDS} paired rounds of plain Parquet, writeDelta, delta-rs (zstd, snappy)`,
  group: "write-2M",
  n: 1,
  warmup: 0,
  async fn() {
    for (let r = 0; r <= ROUNDS; r++) {
      const warm = r === 0; // the first round only warms up
      for (const codec of CODECS) {
        for (const [key, fn] of Object.entries(writers(codec))) {
          const t0 = performance.now();
          await fn();
          if (!warm) (timings[key] ??= []).push(performance.now() - t0);
        }
      }
      if (peer && !warm) await peerRound();
    }
  },
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
/** delta-rs writes of the frame: snappy (its default) and zstd, with the codec read back. */
const PEER_WRITE_SCRIPT = `
import sys, time, json, glob
import polars as pl
import pyarrow.parquet as pq
from deltalake import write_deltalake, WriterProperties
src, out = sys.argv[1], sys.argv[2]
df = pl.read_parquet(src).to_arrow()
res = {}
for codec, props in [("snappy", None), ("zstd", WriterProperties(compression="ZSTD"))]:
    target = f"{out}/{codec}"
    t0 = time.perf_counter()
    write_deltalake(target, df, partition_by=["exchange", "date"], writer_properties=props)
    w = time.perf_counter() - t0
    found = {pq.ParquetFile(f).metadata.row_group(0).column(0).compression.lower()
             for f in glob.glob(f"{target}/*/*/*.parquet")}
    res[codec] = {"write_s": w, "found": ",".join(sorted(found))}
print(json.dumps(res))
`;

/** Python polars.read_delta of the read-2M table: the first read and the mean of 5 more. */
const PEER_READ_SCRIPT = `
import sys, time, json
import polars as pl
table = sys.argv[1]
t0 = time.perf_counter()
n = pl.read_delta(table).height
r = time.perf_counter() - t0
warm = []
for _ in range(5):
    t0 = time.perf_counter()
    pl.read_delta(table)
    warm.append(time.perf_counter() - t0)
print(json.dumps({"read_s": r, "read_warm_s": sum(warm) / len(warm), "rows": n}))
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

/** The median of the rounds' ratios `a[i] / b[i]` (robust to a load change mid-run). */
function pairedRatio(a: number[] = [], b: number[] = []): number {
  const r = a.map((x, i) => x / b[i]).filter(Number.isFinite).sort((x, y) => x - y);
  if (r.length === 0) return NaN;
  const m = Math.floor(r.length / 2);
  return r.length % 2 ? r[m] : (r[m - 1] + r[m]) / 2;
}

/** The median of some durations, as whole milliseconds. */
const medianMs = (xs: number[] = []): string => pairedRatio(xs, xs.map(() => 1)).toFixed(0);

globalThis.addEventListener("unload", () => {
  const tag = "[delta_write_bench]";
  console.log(
    `\n${tag} load average at the end: ${loadAverage()} (2 cores); write-2M ratios are medians of ${ROUNDS} interleaved rounds`,
  );
  for (const codec of CODECS) {
    const w = timings[`writeDelta_${codec}`], p = timings[`parquet_${codec}`];
    console.log(
      `${tag} write-2M ${codec}: writeDelta / df.writeParquet(path) into the same folders = ${
        pairedRatio(w, p).toFixed(3)
      } (writeDelta ${medianMs(w)} ms, writeParquet ${
        medianMs(p)
      } ms; both ${codec}; target <= 1.10)`,
    );
  }
  {
    const w = timings.writeDelta_zstd, m = timings.memory_zstd;
    console.log(
      `${tag} write-2M zstd: writeDelta / (partitionBy + writeParquet to memory + Deno.writeFile) = ${
        pairedRatio(w, m).toFixed(3)
      } (plain files ${medianMs(m)} ms; what the Delta layer adds over the same encoding)`,
    );
  }
  if (!peer) {
    console.log(`${tag} Python peers not run: pip install deltalake==1.6.6 polars pyarrow`);
  } else {
    for (const codec of CODECS) {
      const w = timings[`writeDelta_${codec}`], rs = timings[`deltaRs_${codec}`];
      console.log(
        `${tag} write-2M vs delta-rs write_deltalake, ${codec} on both sides: pointline / delta-rs = ${
          pairedRatio(w, rs).toFixed(3)
        } (pointline ${medianMs(w)} ms, delta-rs ${
          medianMs(rs)
        } ms; codec found in delta-rs files: ${peerCodecs[codec]}; goal <= 1.0)`,
      );
    }
    console.log(
      `${tag} write-2M vs delta-rs write_deltalake, each side's default codec (pointline zstd, delta-rs ${peerCodecs.snappy}): pointline / delta-rs = ${
        pairedRatio(timings.writeDelta_zstd, timings.deltaRs_snappy).toFixed(3)
      }`,
    );
  }
  const mg = mean(timings.merge), fr = mean(timings.fullRewrite);
  console.log(
    `${tag} merge-10M: first merge rewrote ${mergeFiles} of ${FILES} files (keys span 3); merge / full rewrite = ${
      (mg / fr).toFixed(3)
    }`,
  );
  if (peer) {
    const res = new Deno.Command("python3", {
      args: ["-c", PEER_READ_SCRIPT, readTable],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    if (!res.success) {
      console.log(`${tag} Python peer failed: ${new TextDecoder().decode(res.stderr)}`);
    } else {
      const rs = JSON.parse(new TextDecoder().decode(res.stdout));
      const r = mean(timings.readDelta);
      console.log(
        `${tag} read-2M vs python polars.read_delta: pointline / polars = ${
          (r / (rs.read_s * 1000)).toFixed(3)
        } (pointline ${r.toFixed(0)} ms, python ${
          (rs.read_s * 1000).toFixed(0)
        } ms; ${rs.rows} rows)`,
      );
      // python's first read includes one-off start-up that pointline's untimed warm-up runs
      // absorb: its later reads compare like with like
      console.log(
        `${tag} read-2M vs python polars.read_delta, warm (mean of 5 later reads): pointline / polars = ${
          (r / (rs.read_warm_s * 1000)).toFixed(3)
        } (python ${(rs.read_warm_s * 1000).toFixed(0)} ms)`,
      );
    }
  }
  try {
    Deno.removeSync(root, { recursive: true });
  } catch { /* already gone */ }
});
