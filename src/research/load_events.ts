/**
 * Load event tables (trades, quotes, book snapshots, derivative tickers, L2 updates) for one
 * exchange and time range, with symbols resolved through `dim_symbol` and fixed-point
 * prices and sizes decoded back to floats.
 *
 * How a load works:
 * 1. The symbol (or symbol id) is resolved to every `dim_symbol` version whose validity
 *    window overlaps `[start, end)`: a tick-size change inside the range yields two versions
 *    (two `symbol_id`s), and the events of both are returned.
 * 2. The event table is scanned lazily with a filter on `exchange` and `date` (partition
 *    columns: only the files of those days are read), `symbol_id` and `ts_local_us`
 *    (`start <= ts_local_us < end`).
 * 3. With `decode` (the default), each `*_int` price or size column is replaced by a Float64
 *    column without the `_int` suffix (`px_int` becomes `px`, `bids_qty_int` becomes
 *    `bids_qty`), using the increments of the row's own `dim_symbol` version. Decoding
 *    divides by the whole number `1 / increment` when there is one, so `10001` at `0.01`
 *    gives exactly the double nearest to `100.01`, the value the vendor's text parses to.
 * 4. `exchange_symbol` (from the row's `dim_symbol` version) is added after `symbol_id`:
 *    it stays the same across versions, so it is the key for joins and bars over a change.
 * 5. Rows are ordered by `ts_local_us`, then `file_id`, `file_line_number`.
 *
 * Time travel (`version` / `asOf`) applies to the event table; `asOf` applies to
 * `dim_symbol` as well, so that both are read as they were at that time. With `version`,
 * `dim_symbol` is read at its latest version (symbol ids are stable, so older events still
 * find their versions).
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame, Expr, LazyDataFrame } from "../polars_types.ts";
import { exchangeId } from "../domain/exchanges.ts";
import { decodeFixedPoint } from "../domain/fixed_point.ts";
import { int64Series, int64Values } from "../domain/int64.ts";
import type { Filter } from "../io/delta/predicate.ts";
import { _checkOptions, _LAKE_READ_OPTIONS } from "./_check_options.ts";
import { _lakeOptions, _matchSymbol, _readDim, _timeTravel } from "./_dim_lookup.ts";
import { type LakeReadOptions, openLake } from "./open_lake.ts";
import { SymbolNotFoundError } from "./symbol_not_found_error.ts";
import { type TimeLike, toMicros, utcDate } from "./time_like.ts";

/** The event tables the loaders read. */
export type EventTableName =
  | "trades"
  | "quotes"
  | "book_snapshot_25"
  | "derivative_ticker"
  | "l2_updates";

/** Options of the event loaders. */
export interface LoadEventsOptions extends LakeReadOptions {
  /** Exchange name, e.g. `"binance-futures"` (case-insensitive). */
  exchange: string;
  /**
   * Exchange symbol, e.g. `"BTCUSDT"`. Exclusive with `symbolId`.
   *
   * @default {undefined} every symbol of the exchange (unless `symbolId` is given)
   */
  symbol?: string;
  /**
   * One or more `symbol_id` values (bigint, or decimal text). Exclusive with `symbol`.
   *
   * @default {undefined}
   */
  symbolId?: bigint | string | readonly (bigint | string)[];
  /** Start of the range, inclusive (on `ts_local_us`). */
  start: TimeLike;
  /** End of the range, exclusive. */
  end: TimeLike;
  /**
   * Output columns, named as in the output (decoded names when `decode` is on).
   *
   * @default {undefined} every column
   */
  columns?: string[];
  /**
   * Replace `*_int` price and size columns by decoded Float64 columns.
   *
   * @default {true}
   */
  decode?: boolean;
  /**
   * How time columns (`ts_local_us`, `ts_exch_us`, `funding_ts_us`) come back:
   * `"datetime"` as `Datetime("us", "UTC")` (safe to read in JavaScript, shown as UTC times),
   * `"int64"` as the stored Int64 microseconds (read them exactly with `int64Values`).
   *
   * @default {"datetime"}
   */
  timeAs?: "datetime" | "int64";
  /**
   * Order rows by `ts_local_us`, `file_id`, `file_line_number`. With `false` rows come in
   * storage order (each data file is sorted by `symbol_id`, `ts_local_us`; files follow the
   * partitions), and a scan holds no rows for sorting, so an export with `sinkParquet` or an
   * order-free aggregation streams in bounded memory.
   *
   * @default {true}
   */
  sort?: boolean;
}

/** The fixed-point columns of each table, and which increment decodes them. */
const _FIXED_POINT: Record<EventTableName, Record<string, "price" | "amount">> = {
  trades: { px_int: "price", qty_int: "amount" },
  quotes: {
    bid_px_int: "price",
    bid_qty_int: "amount",
    ask_px_int: "price",
    ask_qty_int: "amount",
  },
  book_snapshot_25: {
    bids_px_int: "price",
    bids_qty_int: "amount",
    asks_px_int: "price",
    asks_qty_int: "amount",
  },
  derivative_ticker: {},
  l2_updates: { px_int: "price", qty_int: "amount" },
};

const _LIST_COLUMNS = new Set(["bids_px_int", "bids_qty_int", "asks_px_int", "asks_qty_int"]);

/** Columns the loader itself needs (filters, ordering, decoding). */
const _REQUIRED = ["symbol_id", "ts_local_us", "file_id", "file_line_number"];

/** What a load will read: the resolved versions, the scan filter, and the files. */
export interface EventsPlan {
  /** The event table. */
  table: EventTableName;
  /** The table version that will be read. */
  version: number;
  /** The `dim_symbol` versions resolved for the range (every version of the exchange when no symbol was given). */
  symbols: DataFrame;
  /** The filter passed to the Delta scan (partition and statistics pruning use it). */
  filter: Filter;
  /** The data files the scan reads after pruning, relative to the table root. */
  files: string[];
  /** Files in the table version. */
  totalFiles: number;
}

/**
 * Show what a load would read, without reading events: the `dim_symbol` versions the symbol
 * resolves to over `[start, end)`, the filter, and the data files left after partition and
 * statistics pruning.
 *
 * @param table The event table, e.g. `"trades"`.
 * @param options The same options as {@linkcode scanEvents}.
 * @returns The plan.
 * @throws {SymbolNotFoundError} When the symbol cannot be resolved for the range.
 * @example
 * ```ts ignore
 * import { planEvents } from "./load_events.ts";
 * const plan = await planEvents("trades", { exchange: "binance", symbol: "BTCUSDT", start: "2024-05-01", end: "2024-05-02" });
 * if (plan.files.length > plan.totalFiles) throw new Error("pruning never adds files");
 * ```
 */
export async function planEvents(
  table: EventTableName,
  options: LoadEventsOptions,
): Promise<EventsPlan> {
  _checkLoad("planEvents", table, options);
  const { eventTable, filter, versions, exId, dim } = await _prepare(table, options);
  const files = await eventTable.scanFiles(filter);
  return {
    table,
    version: eventTable.version,
    symbols: versions ?? dim.filter(pl.col("exchange_id").eq(pl.lit(exId))),
    filter,
    files: files.map((f: { path: string }) => f.path),
    totalFiles: (await eventTable.files()).length,
  };
}

/**
 * Scan an event table lazily for one exchange, symbol and time range (see the module doc).
 *
 * The output has the table's columns (decoded names with `decode`) plus `exchange_symbol`
 * from the row's `dim_symbol` version, so that one instrument keeps one key across
 * tick-size changes (its `symbol_id` changes with each version).
 *
 * @param table The event table, e.g. `"trades"`.
 * @param options Exchange, symbol or symbol id, `[start, end)`, columns, decode, time travel.
 * @returns A lazy frame of the matching events, decoded unless `decode: false`.
 * @throws {UnknownExchangeError} When the exchange is not registered.
 * @throws {RangeError} When `end <= start`, both `symbol` and `symbolId` are given, or a
 * requested column does not exist.
 * @throws {SymbolNotFoundError} When the symbol or id is not in `dim_symbol`, or the symbol
 * has no version valid in `[start, end)`.
 * @example
 * ```ts ignore
 * import { scanEvents } from "./load_events.ts";
 * const lf = await scanEvents("trades", {
 *   exchange: "binance",
 *   symbol: "BTCUSDT",
 *   start: "2024-05-01",
 *   end: "2024-05-02",
 * });
 * const df = await lf.collect();
 * if (!df.columns.includes("px")) throw new Error("decoded price column expected");
 * ```
 */
export function scanEvents(
  table: EventTableName,
  options: LoadEventsOptions,
): Promise<LazyDataFrame> {
  return _sortedScan("scanEvents", table, options);
}

/** The lazy scan of a load, in load order, with the output columns asked for. */
function _sortedScan(
  fn: string,
  table: EventTableName,
  options: LoadEventsOptions,
): Promise<LazyDataFrame> {
  return _scan(fn, table, options).then(({ lf, wanted }) =>
    (options.sort === false ? lf : lf.sort([..._ORDER])).select(...wanted)
  );
}

/**
 * Collect a load, then sort it unless it is in order already: the sort is the only step that
 * needs a second copy of the rows, so a load peaks at about twice the frame it returns.
 */
async function _load(
  fn: string,
  table: EventTableName,
  options: LoadEventsOptions,
): Promise<DataFrame> {
  const { lf, wanted } = await _scan(fn, table, options);
  let df = await lf.collect();
  if (options.sort !== false && !_inOrder(df)) df = df.sort([..._ORDER]);
  return df.select(...wanted);
}

/** Whether rows are already ordered by {@linkcode _ORDER} (no copy of the rows is made). */
function _inOrder(df: DataFrame): boolean {
  if (df.height < 2) return true;
  let ordered: Expr | undefined;
  for (const key of [..._ORDER].reverse()) {
    const here = pl.col(key);
    const next = here.shift(-1);
    ordered = ordered === undefined
      ? here.ltEq(next)
      : here.lt(next).or(here.eq(next).and(ordered));
  }
  const check = df.select(ordered!.or(pl.col(_ORDER[0]).shift(-1).isNull()).all().alias("ok"));
  return check.getColumn("ok").toArray()[0] === true;
}

/** The order of every load: time, then the row's place in its vendor file. */
const _ORDER = ["ts_local_us", "file_id", "file_line_number"] as const;

/** Above this many resolved versions, per-version values come through a join. */
const _MAX_VERSION_BRANCHES = 32;

/**
 * The unsorted lazy scan of a load (every output column plus the order columns) and the
 * output columns asked for.
 */
async function _scan(
  fn: string,
  table: EventTableName,
  options: LoadEventsOptions,
): Promise<{ lf: LazyDataFrame; wanted: string[] }> {
  _checkLoad(fn, table, options);
  const { eventTable, filter, versions, exId, dim } = await _prepare(table, options);
  const decode = options.decode ?? true;
  const available = eventTable.schema.fields.map((f: { name: string }) => f.name);
  const fixed = _FIXED_POINT[table];
  const outputName = (c: string) => (decode && fixed[c] ? c.slice(0, -4) : c);
  const outputColumns = available.map(outputName);
  const at = outputColumns.indexOf("symbol_id") + 1;
  outputColumns.splice(at, 0, "exchange_symbol");
  const wanted = options.columns ?? outputColumns;
  const unknown = wanted.filter((c) => !outputColumns.includes(c));
  if (unknown.length > 0) {
    throw new RangeError(
      `Unknown column(s) ${unknown.map((c) => `"${c}"`).join(", ")} of ${table}: ` +
        `available are ${outputColumns.join(", ")}`,
    );
  }
  const sourceOf = new Map<string, string>(available.map((c: string) => [outputName(c), c]));
  const scanned = [
    ...new Set([
      ..._REQUIRED,
      ...wanted.filter((c) => c !== "exchange_symbol").map((c) => sourceOf.get(c)!),
    ]),
  ];

  const symbols = (versions ?? dim.filter(pl.col("exchange_id").eq(pl.lit(exId))))
    .select("symbol_id", "exchange_symbol", "price_increment", "amount_increment");
  const toDecode = scanned.filter((c) => decode && fixed[c] !== undefined);
  let lf = await eventTable.scan({ columns: scanned, filter });
  let decoded: Expr[];
  if (symbols.height > _MAX_VERSION_BRANCHES) {
    // Many versions: an inner join keeps exactly their rows and brings their values.
    const perVersion = ["exchange_symbol", ...new Set(toDecode.map((c) => _INCREMENT[fixed[c]]))];
    lf = lf.join(symbols.select("symbol_id", ...perVersion).lazy(), {
      on: "symbol_id",
      how: "inner",
    });
    decoded = toDecode.map((c) => _decodeColumn(c, _INCREMENT[fixed[c]], symbols));
  } else {
    // Few versions (the usual case): literals per version, so no join copies the rows and no
    // helper column is built; a single increment decodes without any condition.
    lf = lf.filter(pl.col("symbol_id").isIn(symbols.getColumn("symbol_id").implode()))
      .withColumns(
        _perVersion(symbols, "exchange_symbol", (v) => pl.lit(v as string))
          .alias("exchange_symbol"),
      );
    decoded = toDecode.map((c) =>
      _perVersion(symbols, _INCREMENT[fixed[c]], (v) => _decodeBy(c, v as number))
        .alias(c.slice(0, -4))
    );
  }
  const timeAs = options.timeAs ?? "datetime";
  const times = timeAs === "datetime"
    ? scanned.filter((c) => c.endsWith("_us") && _isInt64(eventTable.schema, c))
    : [];
  lf = lf.withColumns(
    ...decoded,
    ...times.map((c) => pl.col(c).cast(pl.Datetime("us", "UTC"))),
  );
  const keep = [...new Set([...wanted, ..._ORDER])];
  return { lf: lf.select(...keep), wanted };
}

/** Which increment decodes each kind of fixed-point column. */
const _INCREMENT = { price: "price_increment", amount: "amount_increment" } as const;

/** Whether a table column is stored as Int64 (`long`). */
function _isInt64(schema: { fields: { name: string; type: unknown }[] }, name: string): boolean {
  return schema.fields.some((f) => f.name === name && f.type === "long");
}

/**
 * An expression that takes, for each row, `build(value)` of its version's `dim_symbol`
 * column: one branch per distinct value (rows of the resolved versions only), and no
 * condition at all when every version has the same value.
 */
function _perVersion(
  symbols: DataFrame,
  column: string,
  build: (value: unknown) => Expr,
): Expr {
  const ids = int64Values(symbols.getColumn("symbol_id"));
  const values = symbols.getColumn(column).toArray() as unknown[];
  const groups = new Map<unknown, bigint[]>();
  values.forEach((v, i) => groups.set(v, [...(groups.get(v) ?? []), ids[i]!]));
  const distinct = [...groups.keys()].filter((v) => v !== null);
  if (distinct.length === 1 && !groups.has(null)) return build(distinct[0]);
  const dtype = symbols.getColumn(column).dtype;
  const none = pl.lit(null).cast(column.endsWith("_increment") ? pl.Float64 : dtype);
  if (distinct.length === 0) return none;
  const rows = (v: unknown) =>
    pl.col("symbol_id").isIn(int64Series("ids", groups.get(v)!).implode());
  let chain = pl.when(rows(distinct[0])).then(build(distinct[0]));
  for (const v of distinct.slice(1)) chain = chain.when(rows(v)).then(build(v));
  return chain.otherwise(none);
}

/**
 * Decode a fixed-point column (scalar or list) with one increment, by the rule of
 * `decodeFixedPoint`: divide by a whole `1 / increment`, else multiply by the increment.
 */
function _decodeBy(column: string, increment: number): Expr {
  const inverse = Math.round(1 / increment);
  // Polars turns a division by a scalar into a multiplication by its reciprocal, which can be
  // one unit in the last place off (10001 * 0.01 is not 100.01): divide by a column instead.
  const scale = (e: Expr) =>
    inverse >= 1 && Math.abs(1 / increment - inverse) <= inverse * 1e-9
      ? e.div(e.mul(pl.lit(0)).add(pl.lit(inverse)))
      : e.mul(pl.lit(increment));
  if (!_LIST_COLUMNS.has(column)) return scale(pl.col(column).cast(pl.Float64));
  return pl.col(column).lst.eval(scale(pl.element().cast(pl.Float64)));
}

/** The options every loader accepts. */
const _LOAD_OPTIONS = {
  required: { exchange: ["string"], start: ["time"], end: ["time"] },
  optional: {
    symbol: ["string"],
    symbolId: ["bigint", "string", "array"],
    columns: ["array"],
    decode: ["boolean"],
    timeAs: ["string"],
    sort: ["boolean"],
    ..._LAKE_READ_OPTIONS,
  },
} as const;

/** Check a loader's table and options (see `_check_options.ts`). */
function _checkLoad(fn: string, table: EventTableName, options: LoadEventsOptions): void {
  if (!Object.hasOwn(_FIXED_POINT, table)) {
    throw new RangeError(
      `Unknown event table "${table}": expected one of ${Object.keys(_FIXED_POINT).join(", ")}`,
    );
  }
  _checkOptions(fn, options, _LOAD_OPTIONS);
  if (options.timeAs !== undefined && options.timeAs !== "datetime" && options.timeAs !== "int64") {
    throw new TypeError(
      `Invalid option "timeAs" of ${fn}: expected "datetime" or "int64", got "${options.timeAs}"`,
    );
  }
}

/** Resolve the symbol, open the table (time travel), and build the scan filter. */
async function _prepare(table: EventTableName, options: LoadEventsOptions) {
  const exchange = options.exchange.trim().toLowerCase();
  const exId = exchangeId(exchange);
  const start = toMicros(options.start);
  const end = toMicros(options.end);
  if (end <= start) {
    throw new RangeError(
      `Cannot load an empty range: end "${options.end}" must be after start "${options.start}"`,
    );
  }
  const dimOptions = options.asOf !== undefined ? { asOf: options.asOf } : {};
  const dim = await _readDim({
    root: options.root,
    storageOptions: options.storageOptions,
    ...dimOptions,
  });
  const versions = _resolveVersions(dim, exchange, exId, options, start, end);
  const eventTable = await openLake(options.root, _lakeOptions(options)).table(
    table,
    _timeTravel(options),
  );
  const filter: Filter = [
    ["exchange", "=", exchange],
    ["date", ">=", utcDate(start)],
    ["date", "<=", utcDate(end - 1)],
    ["ts_local_us", ">=", start],
    ["ts_local_us", "<", end],
  ];
  if (versions !== null) filter.push(["symbol_id", "in", _ids(versions)]);
  return { eventTable, filter, versions, exId, dim };
}

/**
 * Load trades (see {@linkcode scanEvents}): columns `date`, `exchange`, `exchange_id`,
 * `symbol_id`, `ts_local_us`, `ts_exch_us`, `file_id`, `file_line_number`, `trade_id`,
 * `side` (0 buy, 1 sell, 2 unknown), `px`, `qty` (or `px_int`, `qty_int` without decode).
 *
 * @param options Exchange, symbol or symbol id, `[start, end)`, columns, decode, time travel.
 * @returns The trades, ordered by `ts_local_us`.
 * @throws {SymbolNotFoundError} When the symbol cannot be resolved for the range.
 * @example
 * ```ts ignore
 * import { loadTrades } from "./load_events.ts";
 * const t = await loadTrades({ exchange: "binance", symbol: "BTCUSDT", start: "2024-05-01", end: "2024-05-02" });
 * if (t.getColumn("px").toArray().some((p) => p <= 0)) throw new Error("prices are positive");
 * ```
 */
export function loadTrades(options: LoadEventsOptions): Promise<DataFrame> {
  return _load("loadTrades", "trades", options);
}

/**
 * Scan trades lazily (see {@linkcode scanEvents}): the same rows and columns as
 * {@linkcode loadTrades}, read only when collected. Use it for ranges too large to hold at
 * once, with `bars` (which keeps a lazy input lazy) and Polars' streaming engine, or to
 * export with `sinkParquet`.
 *
 * @param options Exchange, symbol or symbol id, `[start, end)`, columns, decode, time travel.
 * @returns A lazy frame of the trades, ordered by `ts_local_us`.
 * @throws {SymbolNotFoundError} When the symbol cannot be resolved for the range.
 * @example
 * ```ts ignore
 * import { bars } from "./bars.ts";
 * import { scanTrades } from "./load_events.ts";
 * const month = await scanTrades({ exchange: "binance", symbol: "BTCUSDT", start: "2024-05-01", end: "2024-06-01" });
 * const oneMinute = await bars(month, "1m").collect({ streaming: true });
 * if (oneMinute.height === 0) throw new Error("bars expected");
 * ```
 */
export function scanTrades(options: LoadEventsOptions): Promise<LazyDataFrame> {
  return _sortedScan("scanTrades", "trades", options);
}

/**
 * Scan quotes lazily (see {@linkcode scanEvents} and {@linkcode scanTrades}).
 *
 * @param options Exchange, symbol or symbol id, `[start, end)`, columns, decode, time travel.
 * @returns A lazy frame of the quotes, ordered by `ts_local_us`.
 * @throws {SymbolNotFoundError} When the symbol cannot be resolved for the range.
 * @example
 * ```ts ignore
 * import { scanQuotes } from "./load_events.ts";
 * const lf = await scanQuotes({ exchange: "binance", symbol: "BTCUSDT", start: "2024-05-01", end: "2024-05-02" });
 * await lf.sinkParquet("/tmp/quotes.parquet").collect();
 * ```
 */
export function scanQuotes(options: LoadEventsOptions): Promise<LazyDataFrame> {
  return _sortedScan("scanQuotes", "quotes", options);
}

/**
 * Load quotes (see {@linkcode scanEvents}): `bid_px`, `bid_qty`, `ask_px`, `ask_qty` decoded.
 *
 * @param options Exchange, symbol or symbol id, `[start, end)`, columns, decode, time travel.
 * @returns The quotes, ordered by `ts_local_us`.
 * @throws {SymbolNotFoundError} When the symbol cannot be resolved for the range.
 * @example
 * ```ts ignore
 * import { loadQuotes } from "./load_events.ts";
 * const q = await loadQuotes({ exchange: "binance", symbol: "BTCUSDT", start: "2024-05-01", end: "2024-05-02" });
 * if (!q.columns.includes("bid_px")) throw new Error("decoded bid expected");
 * ```
 */
export function loadQuotes(options: LoadEventsOptions): Promise<DataFrame> {
  return _load("loadQuotes", "quotes", options);
}

/**
 * Load 25-level book snapshots (see {@linkcode scanEvents}): `bids_px`, `bids_qty`,
 * `asks_px`, `asks_qty` as List(Float64), nulls for missing levels.
 *
 * @param options Exchange, symbol or symbol id, `[start, end)`, columns, decode, time travel.
 * @returns The snapshots, ordered by `ts_local_us`.
 * @throws {SymbolNotFoundError} When the symbol cannot be resolved for the range.
 * @example
 * ```ts ignore
 * import { loadBookSnapshot25 } from "./load_events.ts";
 * const b = await loadBookSnapshot25({ exchange: "binance", symbol: "BTCUSDT", start: "2024-05-01", end: "2024-05-02" });
 * if (!b.columns.includes("bids_px")) throw new Error("decoded bids expected");
 * ```
 */
export function loadBookSnapshot25(options: LoadEventsOptions): Promise<DataFrame> {
  return _load("loadBookSnapshot25", "book_snapshot_25", options);
}

/**
 * Load derivative tickers (see {@linkcode scanEvents}); their prices are stored as floats,
 * so nothing is decoded.
 *
 * @param options Exchange, symbol or symbol id, `[start, end)`, columns, time travel.
 * @returns The ticker rows, ordered by `ts_local_us`.
 * @throws {SymbolNotFoundError} When the symbol cannot be resolved for the range.
 * @example
 * ```ts ignore
 * import { loadDerivativeTicker } from "./load_events.ts";
 * const d = await loadDerivativeTicker({ exchange: "binance-futures", symbol: "BTCUSDT", start: "2024-05-01", end: "2024-05-02" });
 * if (!d.columns.includes("mark_px")) throw new Error("mark price expected");
 * ```
 */
export function loadDerivativeTicker(options: LoadEventsOptions): Promise<DataFrame> {
  return _load("loadDerivativeTicker", "derivative_ticker", options);
}

/**
 * Load incremental L2 book updates (see {@linkcode scanEvents}): `side` (0 bid, 1 ask),
 * `px`, `qty` (absolute level size; 0 deletes the level), `is_snapshot`.
 *
 * @param options Exchange, symbol or symbol id, `[start, end)`, columns, decode, time travel.
 * @returns The updates, ordered by `ts_local_us` and file line.
 * @throws {SymbolNotFoundError} When the symbol cannot be resolved for the range.
 * @example
 * ```ts ignore
 * import { loadL2Updates } from "./load_events.ts";
 * const u = await loadL2Updates({ exchange: "binance", symbol: "BTCUSDT", start: "2024-05-01", end: "2024-05-02" });
 * if (!u.columns.includes("px")) throw new Error("decoded price expected");
 * ```
 */
export function loadL2Updates(options: LoadEventsOptions): Promise<DataFrame> {
  return _load("loadL2Updates", "l2_updates", options);
}

/**
 * The `dim_symbol` versions to load, or `null` for every symbol of the exchange.
 */
function _resolveVersions(
  dim: DataFrame,
  exchange: string,
  exId: number,
  options: LoadEventsOptions,
  start: number,
  end: number,
): DataFrame | null {
  if (options.symbol !== undefined && options.symbolId !== undefined) {
    throw new RangeError('Cannot use both "symbol" and "symbolId": choose one');
  }
  if (options.symbolId !== undefined) {
    const raw = options.symbolId;
    const ids = int64Series(
      "symbol_id",
      typeof raw === "bigint" || typeof raw === "string" ? [raw] : [...raw],
    );
    const list = int64Values(ids) as bigint[];
    const rows = dim.filter(
      pl.col("exchange_id").eq(pl.lit(exId)).and(pl.col("symbol_id").isIn(ids.implode())),
    );
    const found = new Set(_ids(rows));
    const missing = list.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new SymbolNotFoundError(
        exchange,
        String(missing[0]),
        `Cannot find symbol_id ${missing.join(", ")} on "${exchange}" in dim_symbol`,
      );
    }
    return rows;
  }
  if (options.symbol === undefined) return null;
  const all = _matchSymbol(dim, exchange, options.symbol);
  const lo = pl.lit(start).cast(pl.Int64);
  const hi = pl.lit(end).cast(pl.Int64);
  const rows = all.filter(pl.col("valid_from_ts").lt(hi).and(pl.col("valid_until_ts").gt(lo)));
  if (rows.height === 0) {
    const from = Number(all.getColumn("valid_from_ts").min());
    throw new SymbolNotFoundError(
      exchange,
      options.symbol,
      `Symbol "${options.symbol}" on "${exchange}" has no dim_symbol version valid in ` +
        `[${new Date(start / 1000).toISOString()}, ${new Date(end / 1000).toISOString()}): ` +
        `its ${all.height} version(s) start at ${new Date(from / 1000).toISOString()}`,
    );
  }
  return rows;
}

/** The `symbol_id` values of some `dim_symbol` rows, exactly (as bigint). */
function _ids(rows: DataFrame): bigint[] {
  return int64Values(rows.getColumn("symbol_id")) as bigint[];
}

/**
 * The decoded Float64 column for one fixed-point column, named without `_int`, from the
 * increment column a join brought (scalars); lists, whose elements cannot see other columns,
 * use one branch per distinct increment.
 */
function _decodeColumn(column: string, incName: string, increments: DataFrame): Expr {
  const name = column.slice(0, -4);
  if (!_LIST_COLUMNS.has(column)) return decodeFixedPoint(column, incName).alias(name);
  return _perVersion(increments, incName, (v) => _decodeBy(column, v as number)).alias(name);
}
