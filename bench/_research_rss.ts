/**
 * One research read in its own process, for the peak-RSS figures of
 * `research_read_bench.ts`: prints one JSON line with the process's peak RSS (`VmHWM` from
 * `/proc/self/status`), the rows returned and the in-memory size of the result.
 *
 * Usage: `deno run -A bench/_research_rss.ts <case> <root> <start> <end>` with case one of
 * `base` (imports only), `load` (`loadTrades`), `scan-collect` (`scanEvents(...).collect()`:
 * the sort inside the plan), `bars-eager` (`loadTrades` then `bars`) and `bars-lazy`
 * (`bars(scanTrades(...))` collected with the streaming engine), `sink` and `sink-unsorted`
 * (`scanTrades(...)` written with `sinkParquet`, in time order or in storage order).
 *
 * @module
 */
import pl from "nodejs-polars";
import { bars } from "../src/research/bars.ts";
import { loadTrades, scanEvents, scanTrades } from "../src/research/load_events.ts";
import { SYMBOL } from "./_research_lake.ts";

const _WIDTH: Record<string, number> = {
  Int8: 1,
  UInt8: 1,
  Bool: 1,
  Int16: 2,
  UInt16: 2,
  Int32: 4,
  UInt32: 4,
  Float32: 4,
  Date: 4,
  Int64: 8,
  UInt64: 8,
  Float64: 8,
  Datetime: 8,
  Duration: 8,
};

/**
 * The bytes a frame's buffers take: fixed-width values, and for strings a 16-byte view per
 * value plus the bytes of values longer than 12 (shorter ones live inside the view).
 */
export function frameBytes(df: pl.DataFrame): number {
  let total = 0;
  for (const name of df.columns) {
    const variant = String(df.getColumn(name).dtype.variant);
    if (variant === "String" || variant === "Utf8") {
      // ASCII here: characters are bytes (a second select: nodejs-polars cannot sum str.lengths())
      const lengths = df.select(pl.col(name).str.lengths().alias("n"));
      const long = lengths.select(pl.col("n").mul(pl.col("n").gt(12).cast(pl.UInt32)).sum());
      total += 16 * df.height + Number(long.getColumn("n").toArray()[0] ?? 0);
    } else {
      total += (_WIDTH[variant] ?? 8) * df.height;
    }
  }
  return total;
}

/** Peak resident set size of this process, in bytes. */
export function peakRss(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const kb = Number(/VmHWM:\s+(\d+)\s*kB/.exec(status)?.[1] ?? NaN);
  return kb * 1024;
}

if (import.meta.main) {
  const [kind, root, start, end] = Deno.args;
  const range = { root, ...SYMBOL, start, end };
  let out: pl.DataFrame;
  switch (kind) {
    case "base":
      out = pl.DataFrame({ a: [1] });
      break;
    case "load":
      out = await loadTrades(range);
      break;
    case "scan-collect":
      out = await (await scanEvents("trades", range)).collect();
      break;
    case "bars-eager":
      out = bars(await loadTrades(range), "1m");
      break;
    case "sink":
    case "sink-unsorted": {
      const file = await Deno.makeTempFile({ suffix: ".parquet" });
      const lf = await scanTrades({ ...range, sort: kind === "sink" });
      await lf.sinkParquet(file).collect();
      out = pl.DataFrame({
        rows: [pl.scanParquet(file).select(pl.len()).collectSync().getColumn("len").toArray()[0]],
      });
      await Deno.remove(file);
      break;
    }
    case "bars-lazy":
      out = await bars(await scanTrades(range), "1m").collect({ streaming: true });
      break;
    default:
      throw new TypeError(`Unknown case "${kind}"`);
  }
  console.log(
    JSON.stringify({ kind, rows: out.height, frameBytes: frameBytes(out), peakRss: peakRss() }),
  );
}
