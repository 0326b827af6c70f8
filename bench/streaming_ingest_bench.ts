/**
 * Streaming ingest benchmarks (issue 10): `deno task ingest` in a subprocess (so its peak RSS is
 * its own, read with `/usr/bin/time`) on large generated Tardis files, gzipped, under /tmp:
 *
 * - trades files of `STREAM_BENCH_TRADES` rows (default `1000000,10000000,25000000`): the
 *   streaming path at the default budget (`--memory 1024`), and, for files of at most
 *   `STREAM_BENCH_WHOLE_MAX` rows (default 10,000,000; the whole-file path needs about 400 bytes
 *   per row), the whole-file path on the same file in the same run (`--memory` so large that
 *   nothing streams): time ratio streaming / whole (goal <= 1.2 at 10M) and peak RSS of both
 *   (goal: 25M rows under 1.5 GiB);
 * - an `incremental_book_L2` file of `STREAM_BENCH_L2` rows (default 20,000,000) and a
 *   `book_snapshot_25` file of `STREAM_BENCH_BOOK` rows (default 1,000,000): streaming, peak RSS;
 * - `--jobs 2` (two Deno Workers) vs `--jobs 1` (the main thread) on `STREAM_BENCH_JOBS_FILES`
 *   (20) trades files of `STREAM_BENCH_JOBS_ROWS` (200,000) rows: the speed-up and peak RSS of
 *   both, with the 1-minute load average before and after (a busy machine has no free core for
 *   the second job).
 *
 * Each run also prints the event table's data files: their count and sizes (a streamed file
 * grows one sorted data file up to `--file-mib`, `STREAM_BENCH_FILE_MIB`, default 256).
 *
 * Every case starts from a fresh lake with `dim_symbol` synced; files are deleted at the end.
 * Each case runs once, in order, when the module loads. Run:
 * `deno bench -A bench/streaming_ingest_bench.ts` (the heavy defaults take tens of minutes
 * and need about 10 GiB of free RAM for the whole-file run at 10M rows; set the variables lower
 * on a shared machine).
 *
 * @module
 */
import { join } from "node:path";
import { openDeltaLake } from "../src/io/delta_lake.ts";
import { DeltaTable } from "../src/io/delta/delta_table.ts";
import { hiveBronzePath } from "../src/io/bronze_layout.ts";
import { writeLargeTardisFile } from "../src/sample/large_tardis_file.ts";
import {
  SAMPLE_INSTRUMENTS_EFFECTIVE_US,
  type SampleDataType,
  sampleInstruments,
} from "../src/sample/sample_bronze.ts";
import { buildIngestion } from "../src/services/build_ingestion.ts";
import { EVENT_TABLES } from "../src/domain/event_tables.ts";

const env = (name: string, fallback: string) => Deno.env.get(name) ?? fallback;
const list = (name: string, fallback: string) =>
  env(name, fallback).split(",").map((s) => Number(s.trim())).filter((n) => n > 0);
const TRADES = list("STREAM_BENCH_TRADES", "1000000,10000000,25000000");
const WHOLE_MAX = Number(env("STREAM_BENCH_WHOLE_MAX", "10000000"));
const L2 = list("STREAM_BENCH_L2", "20000000");
const BOOK = list("STREAM_BENCH_BOOK", "1000000");
const JOBS_FILES = Number(env("STREAM_BENCH_JOBS_FILES", "20"));
const JOBS_ROWS = Number(env("STREAM_BENCH_JOBS_ROWS", "200000"));
const FILE_MIB = Number(env("STREAM_BENCH_FILE_MIB", "256"));
const MEMORY_MIB = 1024;
const WHOLE_MIB = 2 ** 30; // nothing streams

const tmp = await Deno.makeTempDir({ dir: "/tmp", prefix: "pointline_stream_bench_" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(tmp, { recursive: true });
  } catch { /* best effort */ }
});

/** One gzipped file (or several days of one) in a bronze folder of its own. */
async function bronzeOf(dataType: SampleDataType, rows: number, days = 1): Promise<string> {
  const bronze = join(tmp, `bronze_${dataType}_${rows}_${days}`);
  for (let d = 0; d < days; d++) {
    const date = new Date(Date.UTC(2024, 6, 30 - d)).toISOString().slice(0, 10);
    const rel = hiveBronzePath({
      exchange: "binance-futures",
      data_type: dataType,
      date,
      symbol: "ETHUSDT",
    });
    const path = join(bronze, rel);
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await writeLargeTardisFile(path, dataType, {
      exchange: "binance-futures",
      symbol: "ETHUSDT",
      date,
      rows,
      seed: d + 1,
      priceStep: 0.01,
      lot: 0.001,
      price: 3300,
    });
  }
  return bronze;
}

/** The 1-minute load average (`/proc/loadavg`), or "?" where there is none. */
async function loadAverage(): Promise<string> {
  try {
    return (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
  } catch {
    return "?";
  }
}

interface Run {
  seconds: number;
  peakMiB: number;
  rows: number;
  /** Sizes of the event table's data files, in MiB. */
  fileMiB: number[];
}

/** `deno task ingest` on a fresh lake over `bronze`, timed, with its peak RSS. */
async function ingest(
  bronze: string,
  memoryMiB: number,
  jobs = 1,
  dataType: SampleDataType = "trades",
): Promise<Run> {
  const root = await Deno.makeTempDir({ dir: tmp, prefix: "lake_" });
  await Deno.symlink(bronze, join(root, "bronze"));
  const lake = openDeltaLake(root);
  await buildIngestion(lake).dimSymbol.syncTardisInstruments(sampleInstruments(), {
    effectiveTs: SAMPLE_INSTRUMENTS_EFFECTIVE_US,
  });
  const out = await new Deno.Command("/usr/bin/time", {
    args: [
      "-f",
      "BENCH %e %M",
      Deno.execPath(),
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("../tasks/ingest.ts", import.meta.url).pathname,
      "--lake",
      root,
      "--memory",
      String(memoryMiB),
      "--jobs",
      String(jobs),
      "--file-mib",
      String(FILE_MIB),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  const m = /BENCH ([\d.]+) (\d+)/.exec(stderr);
  if (out.code !== 0 || !m) throw new Error(`ingest failed: ${stdout}\n${stderr}`);
  const manifest = await lake.manifest.readAll();
  const written = manifest.getColumn("rows_written").toArray() as unknown[];
  const rows = written.reduce<number>((a, b) => a + Number(b), 0);
  const table = await DeltaTable.open(join(root, "silver", EVENT_TABLES[dataType].name));
  const fileMiB = table.snapshot.files.map((f) => f.size / 2 ** 20);
  await Deno.remove(root, { recursive: true });
  return { seconds: Number(m[1]), peakMiB: Number(m[2]) / 1024, rows, fileMiB };
}

const lines: string[] = [];
/** The cases, run once each, in order (not timed by `Deno.bench`: each is one subprocess run). */
const cases: { name: string; fn: () => Promise<void> }[] = [];
const fmt = (r: Run) => {
  const sizes = r.fileMiB.length <= 6
    ? r.fileMiB.map((s) => s.toFixed(0)).join(", ")
    : `${Math.min(...r.fileMiB).toFixed(0)} to ${Math.max(...r.fileMiB).toFixed(0)}`;
  return `${r.seconds.toFixed(1)} s, peak RSS ${r.peakMiB.toFixed(0)} MiB, ` +
    `${r.fileMiB.length} data files (${sizes} MiB)`;
};

for (const rows of TRADES) {
  cases.push({
    name: `trades ${rows} rows: streaming (--memory ${MEMORY_MIB}) vs whole file`,
    async fn() {
      const bronze = await bronzeOf("trades", rows);
      const streamed = await ingest(bronze, MEMORY_MIB);
      if (streamed.rows !== rows) throw new Error(`${streamed.rows} rows written of ${rows}`);
      let line = `trades ${rows}: streaming ${fmt(streamed)}`;
      if (rows <= WHOLE_MAX) {
        const whole = await ingest(bronze, WHOLE_MIB);
        line += `; whole file ${fmt(whole)}; ratio streaming/whole ${
          (streamed.seconds / whole.seconds).toFixed(2)
        }`;
      }
      lines.push(line);
      await Deno.remove(bronze, { recursive: true });
    },
  });
}

for (
  const [dataType, sizes] of [["incremental_book_L2", L2], ["book_snapshot_25", BOOK]] as const
) {
  for (const rows of sizes) {
    cases.push({
      name: `${dataType} ${rows} rows: streaming (--memory ${MEMORY_MIB})`,
      async fn() {
        const bronze = await bronzeOf(dataType, rows);
        const streamed = await ingest(bronze, MEMORY_MIB, 1, dataType);
        lines.push(`${dataType} ${rows}: streaming ${fmt(streamed)} (${streamed.rows} rows)`);
        await Deno.remove(bronze, { recursive: true });
      },
    });
  }
}

if (JOBS_FILES > 0) {
  cases.push({
    name: `--jobs 2 vs --jobs 1 on ${JOBS_FILES} trades files of ${JOBS_ROWS} rows`,
    async fn() {
      const bronze = await bronzeOf("trades", JOBS_ROWS, JOBS_FILES);
      // Other processes on the machine change the figure: print the load average with it.
      const load0 = await loadAverage();
      const one = await ingest(bronze, MEMORY_MIB, 1);
      const two = await ingest(bronze, MEMORY_MIB, 2);
      const load1 = await loadAverage();
      if (one.rows !== two.rows) throw new Error(`jobs 1: ${one.rows} rows, jobs 2: ${two.rows}`);
      lines.push(
        `${JOBS_FILES} files x ${JOBS_ROWS} rows: --jobs 1 ${fmt(one)}; --jobs 2 (workers) ` +
          `${fmt(two)}; speed-up ${(one.seconds / two.seconds).toFixed(2)}x ` +
          `(1-min load average ${load0} before, ${load1} after)`,
      );
      await Deno.remove(bronze, { recursive: true });
    },
  });
}

for (const c of cases) {
  console.error(`running: ${c.name}`);
  await c.fn();
}
console.log("\nstreaming ingest bench (deno task ingest in a subprocess, /usr/bin/time):");
for (const line of lines) console.log(`  ${line}`);

// The figures above are the result; `deno bench` needs one registered bench to run the module.
Deno.bench({ name: "streaming ingest bench (figures printed above)", n: 1, warmup: 0, fn() {} });
