/**
 * Research read benchmarks (issue 10 item 4). Memory is the goal, so the heavy cases run in
 * their own process (`_research_rss.ts`) and print that process's peak RSS; timing groups
 * have an in-run baseline, so `deno bench` prints ratios.
 *
 * 1. `loadTrades` of a 10,000,000-row day: peak RSS against the size of the decoded frame it
 *    returns (goal: at most about 2x), next to `scanEvents(...).collect()` (the sort inside
 *    the plan) and a process that only imports pointline (the fixed base).
 * 2. A month of 1-minute bars: `bars(await scanTrades(month), "1m")` collected with the
 *    streaming engine against `bars(await loadTrades(month), "1m")` (the eager path): peak
 *    RSS of each and their ratio.
 * 3. Export of the same day with `sinkParquet`: in time order (the sort holds the rows) and in
 *    storage order (`sort: false`, streamed).
 * 4. `research-bars` (timed, 1 day of 1,000,000 trades): the lazy streaming path against the
 *    eager one.
 *
 * Sizes: `POINTLINE_BENCH_DAY_ROWS` (default 10,000,000) and
 * `POINTLINE_BENCH_MONTH_ROWS_PER_DAY` (default 300,000, 30 days). The lakes are generated in
 * Polars and written with the Delta writer at module load (about a minute on 2 cores).
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { bars } from "../src/research/bars.ts";
import { loadTrades, scanTrades } from "../src/research/load_events.ts";
import { dayIso, SYMBOL, writeResearchLake } from "./_research_lake.ts";

const DAY_ROWS = Number(Deno.env.get("POINTLINE_BENCH_DAY_ROWS") ?? 10_000_000);
const MONTH_ROWS = Number(Deno.env.get("POINTLINE_BENCH_MONTH_ROWS_PER_DAY") ?? 300_000);
const MONTH_DAYS = 30;

const root = await Deno.makeTempDir({ prefix: "pointline_research_bench_" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(root, { recursive: true });
  } catch { /* already gone */ }
});

const dayLake = await writeResearchLake(join(root, "day"), 1, DAY_ROWS);
const monthLake = await writeResearchLake(join(root, "month"), MONTH_DAYS, MONTH_ROWS);
const smallLake = await writeResearchLake(join(root, "small"), 1, 1_000_000);

interface _Run {
  kind: string;
  rows: number;
  frameBytes: number;
  peakRss: number;
}

/** Run one case of `_research_rss.ts` in a fresh process. */
async function _measure(kind: string, lake: string, start: string, end: string): Promise<_Run> {
  const script = fromFileUrl(new URL("./_research_rss.ts", import.meta.url));
  const config = fromFileUrl(new URL("../deno.json", import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", config, script, kind, lake, start, end],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`Case "${kind}" failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`);
  }
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as _Run;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const dayStart = dayIso(0), dayEnd = dayIso(1);
const base = await _measure("base", dayLake, dayStart, dayEnd);
const load = await _measure("load", dayLake, dayStart, dayEnd);
const scanCollect = await _measure("scan-collect", dayLake, dayStart, dayEnd);
console.log(
  `\nloadTrades of a ${DAY_ROWS.toLocaleString("en")}-row day: decoded frame ${
    mib(load.frameBytes)
  }, base process ${mib(base.peakRss)}`,
);
for (const run of [load, scanCollect]) {
  console.log(
    `  ${run.kind.padEnd(13)} peak RSS ${mib(run.peakRss).padStart(9)}  ` +
      `peak / frame ${(run.peakRss / run.frameBytes).toFixed(2)}x  ` +
      `(peak - base) / frame ${((run.peakRss - base.peakRss) / run.frameBytes).toFixed(2)}x`,
  );
}

const sink = await _measure("sink", dayLake, dayStart, dayEnd);
const sinkUnsorted = await _measure("sink-unsorted", dayLake, dayStart, dayEnd);
console.log(
  `\nsinkParquet of the same day: sorted peak RSS ${mib(sink.peakRss)}, ` +
    `sort: false ${mib(sinkUnsorted.peakRss)} (${
      (sinkUnsorted.peakRss / load.frameBytes).toFixed(2)
    }x the decoded frame)`,
);

const monthStart = dayIso(0), monthEnd = dayIso(MONTH_DAYS);
const eager = await _measure("bars-eager", monthLake, monthStart, monthEnd);
const lazy = await _measure("bars-lazy", monthLake, monthStart, monthEnd);
console.log(
  `\n1-minute bars over ${MONTH_DAYS} days x ${MONTH_ROWS.toLocaleString("en")} trades ` +
    `(${eager.rows.toLocaleString("en")} bars each way):`,
);
console.log(`  eager (loadTrades, bars)          peak RSS ${mib(eager.peakRss).padStart(9)}`);
console.log(`  lazy (scanTrades, bars, stream)   peak RSS ${mib(lazy.peakRss).padStart(9)}`);
console.log(
  `  lazy / eager peak RSS ${(lazy.peakRss / eager.peakRss).toFixed(2)}x, above the base ` +
    `${((lazy.peakRss - base.peakRss) / (eager.peakRss - base.peakRss)).toFixed(2)}x\n`,
);
if (lazy.rows !== eager.rows) throw new Error("lazy and eager bars differ in rows");

const small = { root: smallLake, ...SYMBOL, start: dayIso(0), end: dayIso(1) };

Deno.bench({
  name: "bars eager: loadTrades then bars (1M trades)",
  group: "research-bars",
  baseline: true,
  n: 5,
  async fn() {
    bars(await loadTrades(small), "1m");
  },
});

Deno.bench({
  name: "bars lazy: scanTrades, bars, streaming collect (1M trades)",
  group: "research-bars",
  n: 5,
  async fn() {
    await bars(await scanTrades(small), "1m").collect({ streaming: true });
  },
});
