/**
 * pointline's research API: read the silver lake from a notebook or a script, as Polars frames.
 *
 * Import it alone (`import { loadTrades } from "./research.ts"`) when you only read and analyse;
 * `mod.ts` re-exports all of it together with the ingestion and Delta Lake layers. Every
 * function takes the lake root as an option; {@linkcode openLake} says where it is looked for
 * when none is given.
 *
 * Open the lake and query it:
 * - {@linkcode openLake} gives a {@linkcode Lake}: `tables()`, `table(name)`, `scan(name)`,
 *   `history(name)` and `sql(query)` over every silver table ({@linkcode LakeSqlError} carries
 *   Polars' message and the query when a query fails).
 *
 * Find symbols (the point-in-time `dim_symbol` dimension):
 * - {@linkcode findSymbols} searches by exchange, assets, asset type ({@linkcode assetTypeCode})
 *   and the time at which a version was valid;
 * - {@linkcode symbolHistory} lists every version of one exchange symbol, oldest first;
 *   {@linkcode withValidityDates} adds readable `valid_from` / `valid_until` columns.
 *
 * Load events for one exchange, symbol and time range (prices and sizes decoded with the
 * increments in force at each row's time, partitions pruned):
 * - {@linkcode loadTrades}, {@linkcode loadQuotes}, {@linkcode loadBookSnapshot25},
 *   {@linkcode loadDerivativeTicker}, {@linkcode loadL2Updates};
 * - {@linkcode scanTrades}, {@linkcode scanQuotes} and {@linkcode scanEvents} (any event
 *   table): the same rows lazily, for ranges too large to hold (streaming, `sinkParquet`);
 *   {@linkcode planEvents} shows what would be read.
 *
 * Analyse:
 * - {@linkcode asOfJoin} attaches to each trade the quote in force at its time;
 * - {@linkcode bars} aggregates trades into OHLCV bars, optionally filling empty intervals
 *   ({@linkcode intervalMicros} parses the interval); it and `asOfJoin` keep a lazy input lazy.
 *
 * Display (in Jupyter on the Deno kernel, or as text elsewhere):
 * - {@linkcode show} displays a frame, a chart or any value;
 * - {@linkcode tableView} renders an exact table; {@linkcode lineChart}, {@linkcode barChart},
 *   {@linkcode candlestickChart}, {@linkcode scatterChart} and {@linkcode stackCharts} build
 *   charts (Vega-Lite plus a PNG drawn in process by {@linkcode svgToPng}, so exported notebooks
 *   keep them); {@linkcode progressDisplay} draws a live progress bar.
 *
 * Times: {@linkcode toMicros} turns a date, an ISO-8601 string, a `Date` or microseconds into
 * Int64 microseconds; {@linkcode utcDate} gives a time's UTC day. Loaders return time columns
 * as `Datetime("us", "UTC")` (`timeAs: "int64"` keeps the stored Int64).
 *
 * Exact 64-bit values: {@linkcode exactRecords} gives rows with Int64 ids and times as
 * `bigint`; {@linkcode int64Values} reads one column exactly; {@linkcode int64Lit} and
 * {@linkcode int64Series} put bigints into Polars without losing the sign.
 *
 * The nodejs-polars types these functions take and return ({@linkcode DataFrame},
 * {@linkcode LazyDataFrame}, {@linkcode Expr}, {@linkcode Series}, {@linkcode DataType}) are
 * re-exported here; Polars values come from `import pl from "nodejs-polars"`.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { bars } from "./research.ts";
 * const trades = pl.DataFrame({
 *   ts_local_us: [0, 30_000_000, 61_000_000],
 *   px: [10, 12, 11],
 *   qty: [1, 2, 3],
 * });
 * const ohlcv = bars(trades, "1m");
 * if (ohlcv.height !== 2) throw new Error(`expected two bars, got ${ohlcv.height}`);
 * ```
 *
 * @module
 */

export type { DataFrame, DataType, Expr, LazyDataFrame, Series } from "./src/polars_types.ts";
export * from "./src/research/time_like.ts";
export * from "./src/research/open_lake.ts";
export * from "./src/research/lake_sql_error.ts";
export * from "./src/research/symbols.ts";
export * from "./src/research/symbol_not_found_error.ts";
export * from "./src/research/load_events.ts";
export * from "./src/research/as_of_join.ts";
export * from "./src/research/bars.ts";
export * from "./src/research/charts.ts";
export * from "./src/research/svg_to_png.ts";
export * from "./src/research/progress_display.ts";
export * from "./src/research/table_view.ts";
export * from "./src/research/exact_records.ts";
export { type Int64Like, int64Lit, int64Series, int64Values } from "./src/domain/int64.ts";
export * from "./src/research/show.ts";
export type { JupyterApi } from "./src/research/_kernel.ts";
