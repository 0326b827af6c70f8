/**
 * Ingestion benchmarks (issue 5). For each data type, the whole ingestion loop
 * (`IngestionService.run`: discover + sha256, manifest, gunzip, parse/validate/resolve/encode,
 * exactly-once Delta commits, status rows) over N gzip files is compared with the raw floor of
 * the same files done directly in the same run: `gunzipSync` + `pl.readCSV` + `writeParquet`
 * per file (the baseline). Target: ingest / floor <= 1.5.
 *
 * The ingest runs twice: with the default memory budget (1 GiB), under which files whose CSV
 * may exceed 1/16 of it (1/64 for book_snapshot_25) are streamed in parts, and with a 64 GiB
 * budget, under which every file is read whole; both ratios are printed, with the load average
 * (the machine may be shared: a busy machine skews even ratios measured in one run).
 *
 * Sizes (defaults are the issue's): `INGEST_BENCH_FILES` (20) files of `INGEST_BENCH_ROWS`
 * (500,000) rows for trades and quotes; book_snapshot_25 rows are `INGEST_BENCH_BOOK_ROWS`
 * (50,000; each row has 104 columns, so a file is about as large as a 500k-row trades file).
 * `INGEST_BENCH_TYPES` (default `trades,quotes,book_snapshot_25`) picks the groups. Rows per
 * second, the peak RSS seen during each approach (sampled at file boundaries and every 25 ms)
 * and its growth over the RSS at the approach's start are printed at the end. Polars frames
 * hold native memory V8 does not see: run with `--v8-flags=--expose-gc` (as the `ingest` task
 * does) so both approaches collect whenever RSS grew by `GC_GROWTH_BYTES`; without it RSS grows
 * by about one file's frames per file until V8 collects on its own.
 *
 * @module
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import pl from "nodejs-polars";
import { openDeltaLake } from "../src/io/delta_lake.ts";
import { hiveBronzePath } from "../src/io/bronze_layout.ts";
import {
  SAMPLE_INSTRUMENTS_EFFECTIVE_US,
  type SampleDataType,
  sampleInstruments,
  sampleTardisCsv,
} from "../src/sample/sample_bronze.ts";
import { buildIngestion } from "../src/services/build_ingestion.ts";
import { GC_GROWTH_BYTES } from "../src/services/collect_garbage.ts";
import { loadAverage } from "./_timings.ts";

const env = (name: string, fallback: string) => Deno.env.get(name) ?? fallback;
const FILES = Number(env("INGEST_BENCH_FILES", "20"));
const ROWS = Number(env("INGEST_BENCH_ROWS", "500000"));
const BOOK_ROWS = Number(env("INGEST_BENCH_BOOK_ROWS", "50000"));
const TYPES = env("INGEST_BENCH_TYPES", "trades,quotes,book_snapshot_25")
  .split(",").map((s) => s.trim()) as SampleDataType[];

const root = await Deno.makeTempDir({ prefix: "pointline_ingest_bench_" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(root, { recursive: true });
  } catch { /* best effort */ }
});

/** Peak-RSS sampler: file boundaries plus a 25 ms timer (the loop yields between files). */
class Peak {
  max = 0;
  base = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  start() {
    (globalThis as { gc?: () => void }).gc?.();
    this.base = Deno.memoryUsage().rss;
    this.max = this.base;
    this.#timer = setInterval(() => this.sample(), 25);
  }
  sample() {
    const rss = Deno.memoryUsage().rss;
    if (rss > this.max) this.max = rss;
  }
  stop() {
    this.sample();
    clearInterval(this.#timer);
  }
}

interface Stats {
  ms: number[];
  rows: number;
  peak: number;
  growth: number;
}
const stats: Record<string, Stats> = {};
const record = (key: string, ms: number, rows: number, peak: Peak) => {
  const s = (stats[key] ??= { ms: [], rows, peak: 0, growth: 0 });
  s.ms.push(ms);
  s.peak = Math.max(s.peak, peak.max);
  s.growth = Math.max(s.growth, peak.max - peak.base);
};

// ---- bronze: N gzip files per data type, one BTCUSDT file per day ----------------------------
const bronze = join(root, "bronze");
const filesByType: Record<string, string[]> = {};
const rowsByType: Record<string, number> = {};
for (const dataType of TYPES) {
  const rows = dataType === "book_snapshot_25" ? BOOK_ROWS : ROWS;
  rowsByType[dataType] = rows * FILES;
  filesByType[dataType] = [];
  for (let i = 0; i < FILES; i++) {
    const date = new Date(Date.UTC(2024, 5, 1 + i)).toISOString().slice(0, 10);
    const rel = hiveBronzePath({
      exchange: "binance-futures",
      data_type: dataType,
      date,
      symbol: "BTCUSDT",
    });
    const csv = sampleTardisCsv(dataType, {
      exchange: "binance-futures",
      symbol: "BTCUSDT",
      date,
      rows,
      seed: i + 1,
      priceStep: 0.5,
      lot: 0.001,
    });
    const path = join(bronze, rel);
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(path, gzipSync(new TextEncoder().encode(csv), { level: 6 }));
    filesByType[dataType].push(path);
  }
}

// ---- the raw floor: gunzip + pl.readCSV + writeParquet per file -----------------------------
/** The loop's garbage-collection policy (see `GC_GROWTH_BYTES`), applied to the floor too. */
let _lastRss = 0;
function _collectLikeTheLoop() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc || Deno.memoryUsage().rss - _lastRss < GC_GROWTH_BYTES) return;
  gc();
  _lastRss = Deno.memoryUsage().rss;
}

const INT_COLUMNS = ["timestamp", "local_timestamp", "funding_timestamp"];
async function rawFloor(dataType: string, out: string): Promise<number> {
  await Deno.mkdir(out, { recursive: true });
  let rows = 0;
  let i = 0;
  for (const path of filesByType[dataType]) {
    const csv = gunzipSync(await Deno.readFile(path));
    const dtypes: Record<string, pl.DataType> = {};
    for (const c of INT_COLUMNS) dtypes[c] = pl.Int64;
    const df = pl.readCSV(csv, { dtypes });
    rows += df.height;
    df.writeParquet(join(out, `part-${i++}.parquet`), { compression: "zstd" });
    _collectLikeTheLoop();
  }
  return rows;
}

// ---- the ingestion loop over the same bronze ---------------------------------------------------
async function freshLake(name: string) {
  const lakeRoot = join(root, name);
  const lake = openDeltaLake(lakeRoot, { bronzeDir: bronze });
  const services = buildIngestion(lake);
  await services.dimSymbol.syncTardisInstruments(sampleInstruments(), {
    effectiveTs: SAMPLE_INSTRUMENTS_EFFECTIVE_US,
  });
  return { lake, services };
}

/** A budget no bench file comes near: every file takes the whole-file path. */
const WHOLE_FILE_BUDGET = 64 * 2 ** 30;
let run = 0;
for (const dataType of TYPES) {
  Deno.bench({
    name: `raw floor: gunzip + pl.readCSV + writeParquet (${dataType})`,
    group: `ingest-${dataType}`,
    baseline: true,
    n: 1,
    warmup: 1,
    async fn(b) {
      const out = join(root, `floor_${run++}`);
      const peak = new Peak();
      b.start();
      peak.start();
      const t0 = performance.now();
      const rows = await rawFloor(dataType, out);
      const ms = performance.now() - t0;
      peak.stop();
      b.end();
      record(`floor ${dataType}`, ms, rows, peak);
      await Deno.remove(out, { recursive: true });
    },
  });
  for (const whole of [false, true]) {
    Deno.bench({
      name: `IngestionService.run into Delta (${dataType}${
        whole ? ", 64 GiB budget: whole files" : ", default budget"
      })`,
      group: `ingest-${dataType}`,
      n: 1,
      warmup: 1,
      async fn(b) {
        const name = `lake_${run++}`;
        const { services } = await freshLake(name);
        const peak = new Peak();
        b.start();
        peak.start();
        const t0 = performance.now();
        const res = await services.ingestion.run({
          dataTypes: [dataType],
          onProgress: () => peak.sample(),
          ...(whole ? { memoryBytes: WHOLE_FILE_BUDGET } : {}),
        });
        const ms = performance.now() - t0;
        peak.stop();
        b.end();
        const written = res.rowsByTable[Object.keys(res.rowsByTable)[0]] ?? 0;
        if (res.byStatus.success !== FILES || written !== rowsByType[dataType]) {
          throw new Error(
            `ingest of ${dataType}: ${JSON.stringify(res.byStatus)}, ${written} rows; ` +
              res.files.map((f) => f.message).filter(Boolean).slice(0, 2).join("; "),
          );
        }
        record(`${whole ? "whole" : "ingest"} ${dataType}`, ms, written, peak);
        await Deno.remove(join(root, name), { recursive: true });
      },
    });
  }
}

globalThis.addEventListener("unload", () => {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  console.log(
    `\ningest bench: ${FILES} files per type, ${ROWS} rows (book_snapshot_25: ${BOOK_ROWS}); ` +
      `load average ${loadAverage()} (2 cores)`,
  );
  for (const dataType of TYPES) {
    const f = stats[`floor ${dataType}`];
    if (!f) continue;
    const fm = f.ms[f.ms.length - 1];
    for (const [key, label] of [["ingest", "default budget"], ["whole", "whole files"]]) {
      const g = stats[`${key} ${dataType}`];
      if (!g) continue;
      const gm = g.ms[g.ms.length - 1];
      console.log(
        `${dataType.padEnd(17)} floor ${(f.rows / fm * 1000).toFixed(0)} rows/s (peak RSS ${
          mib(f.peak)
        }, +${mib(f.growth)}); ` +
          `ingest, ${label}: ${(g.rows / gm * 1000).toFixed(0)} rows/s (peak RSS ${mib(g.peak)}, +${
            mib(g.growth)
          }); ` +
          `ratio ingest/floor ${(gm / fm).toFixed(2)} (target <= 1.5)`,
      );
    }
  }
});
