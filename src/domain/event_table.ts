/**
 * The shared pipeline that turns one Tardis CSV file into rows of an event table.
 *
 * Each event table is described by an {@linkcode EventTableSpec} (its schema, the vendor
 * columns it reads, its row rules, its fixed-point fields and its output expressions); one
 * function, {@linkcode transformTardisFile}, runs every table through the same steps:
 *
 * 1. **parse** the CSV by header name with explicit types, keeping each row's physical line
 *    number (`parseTardisCsv`); cells that cannot be read are quarantined (`parse_error`);
 * 2. **exchange**: the context's exchange must be registered (else `UnknownExchangeError`)
 *    and the file's `exchange` column must name it. **Misfiled or malformed?** A row naming
 *    another exchange in a row's shape (an exchange-like name `[a-z0-9_.-]+`, a `symbol` and a
 *    `local_timestamp`) makes the file misfiled: it fails as a whole with
 *    {@linkcode ExchangeMismatchError} rather than being half-ingested. There is no majority
 *    vote: one such row is enough, as a Tardis export holds one exchange, so "mostly another
 *    exchange" and "partly another exchange" are both misfiled (and the rule needs no count
 *    over the whole file, so it holds chunk by chunk). Any other mismatching `exchange` cell
 *    (a line with no commas puts its whole text there; spaces; punctuation) is a malformed
 *    line, quarantined as `parse_error` with its line number, as is a blank line;
 * 3. **derive** `exchange_id`, `date` (the UTC date of `local_timestamp`) and lineage;
 * 4. **row rules**: common ones (`timestamps_positive`, `timestamps_in_range` (before
 *    10000-01-01, so a date can always be shown), `date_matches_path`,
 *    `exchange_matches_path`, `symbol_present`) then the table's own, on the vendor values;
 * 5. **resolve** each row's `symbol_id` and increments point in time (`resolveSymbolIds` on
 *    `local_timestamp`, or directly when the file is one symbol inside one version); rows
 *    without a covering version are quarantined (`symbol_resolved`, detail = the resolver's
 *    reason);
 * 6. **encode** prices and amounts as Int64 counts of the version's increments, single fields
 *    as columns and `lists` (e.g. 25 book levels) on a long form; a value off the grid is
 *    quarantined (`<column>_on_grid`), never silently rounded, and a count beyond Int64 (a
 *    huge price or amount) or a count of 0 for a non-zero value (a tiny one) is quarantined
 *    (`<column>_in_range`), never stored as null or 0. One
 *    aggregate check clears the usual file; the per-row rules only run when it cannot;
 * 7. **project** to the table's columns, conform to its schema, sort by `(symbol_id,
 *    ts_local_us, file_line_number)`.
 *
 * The usual file (one symbol inside one `dim_symbol` version, no row rejected) takes a clean
 * path with the same result in three passes: one aggregate proves steps 2-6 hold for every
 * row, then one projection encodes, with the version's values as literals (no join, no
 * per-row rule columns, no sort when the aggregate saw time order). Anything else takes the
 * steps above.
 *
 * Every data row of the file ends in exactly one of `rows` or `quarantined`, so
 * `rowsRead = rows.height + quarantined.height`.
 *
 * Adding a table costs one small module: its schema (via {@linkcode eventTableSchema}), its
 * vendor columns, rules, fixed-point fields and outputs, plus a line in `event_tables.ts`.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame, Expr } from "../polars_types.ts";
import type { TableName } from "../config.ts";
import { exchangeId, normalizeExchange } from "./exchanges.ts";
import { FIXED_POINT_TOLERANCE, isOnGrid, type Rounding } from "./fixed_point.ts";
import { dateLiteral, fileIdLiteral, QUARANTINE_SCHEMA, toQuarantineRows } from "./quarantine.ts";
import { resolveSymbolIds } from "./resolve_symbol_ids.ts";
import { applyRowRules, rawFields, type RowRule, rowRule, showValues } from "./row_rules.ts";
import { type ColumnSpec, conformToSchema, emptyFrame, type TableSchema } from "./table_schema.ts";
import { FILE_LINE_NUMBER, parseTardisCsv, type TardisColumns } from "./tardis_csv.ts";

/** The vendor columns every Tardis event file has, with their types. */
export const TARDIS_COMMON_COLUMNS: TardisColumns = Object.freeze({
  exchange: "utf8",
  symbol: "utf8",
  timestamp: "int64",
  local_timestamp: "int64",
});

/** The columns every event table starts with, in storage order. */
export const EVENT_COMMON_COLUMNS: readonly ColumnSpec[] = Object.freeze(
  [
    { name: "date", type: "date", nullable: false, doc: "UTC date of ts_local_us" },
    { name: "exchange", type: "utf8", nullable: false, doc: "Registry name of the exchange" },
    { name: "exchange_id", type: "int16", nullable: false, doc: "Registry id of the exchange" },
    {
      name: "symbol_id",
      type: "int64",
      nullable: false,
      doc: "dim_symbol version valid at ts_local_us",
    },
    {
      name: "ts_local_us",
      type: "int64",
      nullable: false,
      doc: "Arrival time (vendor local_timestamp), µs since epoch UTC",
    },
    {
      name: "ts_exch_us",
      type: "int64",
      nullable: false,
      doc: "Exchange time (vendor timestamp; local time when absent), µs since epoch UTC",
    },
    { name: "file_id", type: "int64", nullable: false, doc: "Manifest id of the bronze file" },
    {
      name: "file_line_number",
      type: "int64",
      nullable: false,
      doc: "Physical line in the bronze file (header = 1)",
    },
  ] as const,
);

/** Partition columns of every event table. */
export const EVENT_PARTITION_BY: readonly string[] = Object.freeze(["exchange", "date"]);

/** Row order of every event table within a file. */
export const EVENT_SORT_BY: readonly string[] = Object.freeze([
  "symbol_id",
  "ts_local_us",
  "file_line_number",
]);

/**
 * An event table schema: the common columns, then the table's own.
 *
 * @param name Table name (as in `TABLE_PATHS`).
 * @param columns The table's own columns.
 * @returns The schema, partitioned by `(exchange, date)` and sorted by
 * `(symbol_id, ts_local_us, file_line_number)`.
 * @example
 * ```ts
 * import { eventTableSchema } from "./event_table.ts";
 * const s = eventTableSchema("trades", [
 *   { name: "px_int", type: "int64", nullable: false, doc: "price" },
 * ]);
 * if (s.columns[0].name !== "date" || s.partitionBy[1] !== "date") throw new Error("layout");
 * ```
 */
export function eventTableSchema(name: string, columns: readonly ColumnSpec[]): TableSchema {
  return Object.freeze({
    name,
    columns: Object.freeze([...EVENT_COMMON_COLUMNS, ...columns]),
    partitionBy: EVENT_PARTITION_BY,
    sortBy: EVENT_SORT_BY,
  });
}

/** Rounding of a fixed-point field: a mode, or floor where `downWhen` holds and ceil elsewhere. */
export type FieldRounding = Rounding | { readonly downWhen: Expr };

/** A vendor float column stored as an Int64 count of an increment. */
export interface FixedPointField {
  /** Vendor column, e.g. `"price"`. */
  readonly value: string;
  /** Output Int64 column, e.g. `"px_int"`. */
  readonly as: string;
  /** The `dim_symbol` increment it counts. */
  readonly increment: "price_increment" | "amount_increment";
  /**
   * Rounding of off-grid values; default `"nearest"`. Off-grid values are quarantined, so
   * stored values are always the nearest whole count (which every mode gives on the grid).
   */
  readonly rounding?: FieldRounding;
}

/**
 * Fixed-point fields stored together as one List(Int64) column, one element per field, e.g. the
 * 25 bid prices of a book snapshot. The fields are encoded and grid-checked like the others
 * (same rules, same order), but vectorised over a long form of all elements at once rather
 * than as one expression per field, and without building a column per field.
 */
export interface FixedPointList {
  /** Output List(Int64) column, e.g. `"bids_px_int"`. */
  readonly as: string;
  /**
   * Vendor columns, one per element, in list order; each is the `value` of a `fixedPoint`
   * field, and all of them count the same increment.
   */
  readonly values: readonly string[];
}

/** How one event table is built from one Tardis data type. */
export interface EventTableSpec {
  /** Table name, a key of `TABLE_PATHS`. */
  readonly name: TableName;
  /** Tardis data type of the source files, e.g. `"trades"`, `"incremental_book_L2"`. */
  readonly dataType: string;
  /** The table's schema (see {@linkcode eventTableSchema}). */
  readonly schema: TableSchema;
  /** Vendor columns read (including {@linkcode TARDIS_COMMON_COLUMNS}), with their types. */
  readonly csvColumns: TardisColumns;
  /** The table's own row rules, on vendor column names, checked after the common ones. */
  readonly rules: readonly RowRule[];
  /** Fixed-point fields, encoded with the row's point-in-time increments. */
  readonly fixedPoint: readonly FixedPointField[];
  /**
   * The table's own columns (everything after the common ones), as expressions over the
   * vendor columns and the encoded `FixedPointField.as` columns.
   */
  readonly outputs: readonly Expr[];
  /**
   * Fixed-point fields stored together as List(Int64) columns (e.g. 25 book levels) instead of
   * one column each; the lists can be used in `outputs`.
   */
  readonly lists?: readonly FixedPointList[];
}

/** Where a file came from and what to resolve its symbols against. */
export interface TransformContext {
  /** Manifest id of the file. */
  fileId: bigint | number;
  /** Exchange from the file's path. */
  exchange: string;
  /** Date from the file's path, `YYYY-MM-DD`. */
  date: string;
  /** The `dim_symbol` table (or the part of it covering this exchange). */
  dim: DataFrame;
  /**
   * For a part of a file (its header line, then lines cut at line boundaries): the physical
   * line its first data line has in the whole file, so line numbers stay the file's.
   * @default 2
   */
  firstLine?: number;
}

/** The result of {@linkcode transformTardisFile}. */
export interface TransformResult {
  /** Rows conformed to the table's schema, sorted by `(symbol_id, ts_local_us, line)`. */
  rows: DataFrame;
  /** Rejected rows, conformed to `QUARANTINE_SCHEMA`, sorted by line. */
  quarantined: DataFrame;
  /** Data rows in the file (header excluded): `rows.height + quarantined.height`. */
  rowsRead: number;
}

/** A file whose `exchange` column names another exchange than its path. */
export class ExchangeMismatchError extends Error {
  /** Exchange from the path (normalised). */
  readonly expected: string;
  /** Exchange found in the file. */
  readonly found: string;
  /** Physical line of the first mismatching row. */
  readonly line: number;
  /**
   * Create the error.
   *
   * @param dataType Tardis data type of the file.
   * @param expected Exchange from the path.
   * @param found Exchange found in the file.
   * @param line Physical line of the first mismatching row.
   */
  constructor(dataType: string, expected: string, found: string, line: number) {
    super(
      `Cannot ingest "${dataType}" file: exchange column holds "${found}" at line ${line}, ` +
        `but the path says "${expected}"`,
    );
    this.name = "ExchangeMismatchError";
    this.expected = expected;
    this.found = found;
    this.line = line;
  }
}

/**
 * Turn one decompressed Tardis CSV file into event-table rows and quarantined rows.
 *
 * @param spec The event table (see `EVENT_TABLES`).
 * @param csvBytes The decompressed file.
 * @param ctx File id, exchange and date from the path, and the `dim_symbol` frame.
 * @returns `{ rows, quarantined, rowsRead }`.
 * @throws {TardisCsvError} When the header lacks a column the table needs.
 * @throws {UnknownExchangeError} When `ctx.exchange` is not registered.
 * @throws {ExchangeMismatchError} When the file's `exchange` column names another exchange.
 * @throws {RangeError} When `ctx.date` is not `YYYY-MM-DD` or `ctx.fileId` is not a safe
 * non-negative integer.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { transformTardisFile } from "./event_table.ts";
 * import { TRADES } from "./trades.ts";
 * const i64 = (name: string, v: number[]) => pl.Series(name, v, pl.Int64);
 * const dim = pl.DataFrame({
 *   symbol_id: i64("symbol_id", [7]),
 *   exchange_id: pl.Series("exchange_id", [2], pl.Int16),
 *   exchange_symbol: ["BTCUSDT"],
 *   valid_from_ts: i64("valid_from_ts", [0]),
 *   valid_until_ts: i64("valid_until_ts", [2 ** 53]),
 *   price_increment: [0.01],
 *   amount_increment: [0.001],
 * });
 * const csv = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n" +
 *   "binance-futures,BTCUSDT,1582329602111000,1582329602418379,42377944,buy,9682,0.132\n" +
 *   "binance-futures,BTCUSDT,1582329602116000,1582329602418420,42377945,buy,-1,0.412\n";
 * const out = transformTardisFile(TRADES, new TextEncoder().encode(csv), {
 *   fileId: 1,
 *   exchange: "binance-futures",
 *   date: "2020-02-22",
 *   dim,
 * });
 * if (out.rows.getColumn("px_int").get(0) !== 968200) throw new Error("9682 / 0.01");
 * if (out.quarantined.getColumn("rule").get(0) !== "price_positive") throw new Error("rule");
 * ```
 */
export function transformTardisFile(
  spec: EventTableSpec,
  csvBytes: Uint8Array,
  ctx: TransformContext,
): TransformResult {
  const exchange = normalizeExchange(ctx.exchange);
  const exId = exchangeId(exchange);
  const fileDate = dateLiteral(ctx.date);
  const fileId = fileIdLiteral(ctx.fileId);
  const source = { fileId: ctx.fileId, dataType: spec.dataType, exchange, date: ctx.date };

  const parsed = parseTardisCsv(csvBytes, spec.csvColumns, {
    dataType: spec.dataType,
    firstLine: ctx.firstLine,
  });
  const rowsRead = parsed.rows.height + parsed.rejected.height;
  const rules = [..._commonRules(exchange, ctx.date), ...spec.rules];
  const derived = [
    pl.lit(exId).cast(pl.Int16).alias("exchange_id"),
    _utcDate(pl.col("local_timestamp")).alias("date"),
  ];
  const projection = [
    pl.col("date"),
    pl.lit(exchange).alias("exchange"),
    pl.col("exchange_id"),
    pl.col("symbol_id"),
    pl.col("local_timestamp").alias("ts_local_us"),
    pl.col("timestamp").fillNull(pl.col("local_timestamp")).alias("ts_exch_us"),
    fileId.alias("file_id"),
    pl.col(FILE_LINE_NUMBER),
    ...spec.outputs,
  ];
  const clean = _transformClean(spec, parsed.rows, {
    exchange,
    exId,
    fileDate,
    rules,
    derived,
    dim: ctx.dim,
    projection,
  });
  if (clean !== undefined) {
    const quarantined = parsed.rejected.height === 0
      ? emptyFrame(QUARANTINE_SCHEMA)
      : toQuarantineRows(parsed.rejected, source);
    return { rows: clean, quarantined, rowsRead };
  }
  const vendorColumns = Object.keys(spec.csvColumns);
  const { rows: wellFormed, malformed } = _splitMalformed(
    parsed.rows,
    exchange,
    spec.dataType,
    vendorColumns,
  );
  const frame = wellFormed.withColumns(...derived);
  const checked = applyRowRules(frame, rules, { rawColumns: vendorColumns });

  const attach = [...new Set(spec.fixedPoint.map((f) => f.increment))];
  const { resolved, unresolved } = _resolve(checked.passed, ctx.dim, attach, vendorColumns);
  const { encoded, offGrid } = _encodeFixedPoint(resolved, spec, vendorColumns);
  const projected = encoded.select(...projection);
  let rows = projected.height === 0
    ? emptyFrame(spec.schema)
    : conformToSchema(projected, spec.schema);
  if (!_isSortedBy(rows, EVENT_SORT_BY)) rows = rows.sort([...EVENT_SORT_BY]);

  const rejected = [parsed.rejected, malformed, checked.failed, unresolved, offGrid]
    .filter((df) => df.height > 0);
  const quarantined = rejected.length === 0
    ? emptyFrame(QUARANTINE_SCHEMA)
    : toQuarantineRows(pl.concat(rejected), source);
  return { rows, quarantined, rowsRead };
}

/** What the clean path needs besides the spec and the parsed rows. */
interface _CleanContext {
  exchange: string;
  exId: number;
  fileDate: pl.Expr;
  rules: readonly RowRule[];
  /** `exchange_id` and `date`, derived from the vendor columns. */
  derived: readonly pl.Expr[];
  dim: pl.DataFrame;
  /** The projection to the table's columns. */
  projection: readonly pl.Expr[];
}

/**
 * The usual file in three passes, or undefined when it is not one: every row names the path's
 * exchange, passes every rule, has one symbol inside one `dim_symbol` version with positive
 * increments, and every fixed-point value is on the grid. A first small aggregate finds the
 * version (symbol, time span); one aggregate then proves the rules, the single key, the grid
 * and the row order (with one symbol, `(symbol_id, ts_local_us, line)` order is
 * `local_timestamp` order); one projection encodes and projects. The version's `symbol_id`
 * and increments, `date` and `exchange_id` are repeated literals: no join, no per-row date
 * derivation, no sort check over three columns. The result equals the general path's, which
 * runs whenever this declines (any rejected row, several symbols, a version change).
 */
function _transformClean(
  spec: EventTableSpec,
  rows: pl.DataFrame,
  ctx: _CleanContext,
): pl.DataFrame | undefined {
  if (rows.height === 0) return undefined;
  const attach = [...new Set(spec.fixedPoint.map((f) => f.increment))];
  const ts = pl.col("local_timestamp");
  const symbol = pl.col("symbol");
  const span = rows.select(
    pl.lit(ctx.exId).cast(pl.Int16).alias(_KEY_EXCHANGE),
    symbol.first().alias(_KEY_SYMBOL),
    ts.min().alias("__lo"),
    ts.max().alias("__hi"),
  );
  const version = _coveringVersion(ctx.dim, span, attach);
  if (version === undefined || (attach.length > 0 && !_positive(version, attach))) return undefined;
  const literal = new Map<string, pl.Expr>();
  for (const name of ["symbol_id", ...attach]) literal.set(name, _literal(version, name));

  const lists = spec.lists ?? [];
  const listed = new Set(lists.flatMap((list) => list.values));
  const single = spec.fixedPoint.filter((field) => !listed.has(field.value));
  // The version's values as columns: dividing by a column proved cheaper than by a literal.
  const versioned = rows.withColumns(...[...literal].map(([name, value]) => value.alias(name)));
  const units = (field: FixedPointField) =>
    pl.col(field.value).cast(pl.Float64).div(pl.col(field.increment).cast(pl.Float64));
  const passes = [
    pl.col("exchange").eq(pl.lit(ctx.exchange)),
    symbol.eq(symbol.first()),
    ...ctx.rules.map((rule) => rule.passes),
  ].map((pass) => pass.fillNull(false));
  // Lazy, so `date` and `exchange_id` are only derived when a table rule reads them.
  const proof = versioned.lazy().withColumns(...ctx.derived).select(
    pl.allHorizontal(passes).all().alias("__ok"),
    ts.gtEq(ts.shift(1)).fillNull(true).all().alias("__sorted"),
    ...single.flatMap((field, k) =>
      _offStats(units(field).sub(units(field).round(0)), units(field).round(0), `${k}`)
    ),
  ).collectSync();
  const flags = proof.select("__ok", "__sorted").toRecords()[0];
  if (flags.__ok !== true || !_offWithinTolerance(proof)) return undefined;
  let encoded = versioned;
  if (lists.length > 0) {
    const built = _encodeLists(versioned, lists, spec.fixedPoint, true);
    if (built === undefined) return undefined;
    encoded = pl.concat([versioned, built], { how: "horizontal" });
  }
  const projected = encoded.lazy().withColumns(
    ctx.fileDate.alias("date"),
    pl.lit(ctx.exId).cast(pl.Int16).alias("exchange_id"),
    // Same as `encodeFixedPoint(value, increment)`: on the grid every rounding is nearest.
    ...single.map((field) => units(field).round(0).cast(pl.Int64).alias(field.as)),
  ).select(...ctx.projection).collectSync();
  const out = conformToSchema(projected, spec.schema);
  return flags.__sorted === true ? out : out.sort([...EVENT_SORT_BY]);
}

/**
 * The one `dim_symbol` row (`symbol_id` and the `attach` columns) whose version covers
 * `[__lo, __hi]` of the span's key; undefined when none or several do, or when the dim lacks a
 * column (anything unusual is left to the general path). The return type is inferred: a
 * plain `pl.DataFrame` would select `hstack`'s in-place (void) overload at the caller.
 */
function _coveringVersion(
  dim: pl.DataFrame,
  span: pl.DataFrame,
  attach: readonly string[],
) {
  const needed = ["exchange_id", "exchange_symbol", "valid_from_ts", "valid_until_ts", "symbol_id"];
  if ([...needed, ...attach].some((c) => !dim.columns.includes(c))) return undefined;
  const version = dim
    .join(span.select(_KEY_EXCHANGE, _KEY_SYMBOL, "__lo", "__hi"), { how: "cross" })
    .filter(
      pl.col("exchange_id").cast(pl.Int64).eq(pl.col(_KEY_EXCHANGE).cast(pl.Int64))
        .and(pl.col("exchange_symbol").cast(pl.Utf8).eq(pl.col(_KEY_SYMBOL)))
        .and(pl.col("valid_from_ts").cast(pl.Int64).ltEq(pl.col("__lo")))
        .and(pl.col("__hi").lt(pl.col("valid_until_ts").cast(pl.Int64))),
    )
    .select("symbol_id", ...attach);
  return version.height === 1 ? version : undefined;
}

/**
 * A literal of a one-row frame's column, of the column's type. Integers travel as text: JS
 * numbers would round 64-bit ids, and nodejs-polars drops the sign of a negative BigInt.
 */
function _literal(one: pl.DataFrame, name: string): pl.Expr {
  const series = one.getColumn(name);
  const dtype = series.dtype;
  if (dtype.equals(pl.Float64) || dtype.equals(pl.Float32)) {
    return pl.lit(series.toArray()[0] as number).cast(dtype);
  }
  const text = one.select(pl.col(name).cast(pl.String)).getColumn(name).toArray()[0];
  return pl.lit(text as string).cast(dtype);
}

/**
 * Event rows in table order, `(symbol_id, ts_local_us, file_line_number)`: sorted only when
 * they are not already (checking is cheaper than sorting). For parts of one file transformed
 * one by one and written together as one data file.
 *
 * @param rows Event rows (with the sort columns).
 * @returns The rows in table order.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { sortEventRows } from "./event_table.ts";
 * const rows = pl.DataFrame({ symbol_id: [2, 1], ts_local_us: [5, 9], file_line_number: [2, 3] });
 * if (sortEventRows(rows).getColumn("symbol_id").get(0) !== 1) throw new Error("sorted");
 * ```
 */
export function sortEventRows(rows: DataFrame): DataFrame {
  return _isSortedBy(rows, EVENT_SORT_BY) ? rows : rows.sort([...EVENT_SORT_BY]);
}

/** Whether rows are already in lexicographic order of non-null `keys` (cheaper than sorting). */
function _isSortedBy(df: pl.DataFrame, keys: readonly string[]): boolean {
  if (df.height < 2) return true;
  let ordered: pl.Expr | undefined;
  for (const key of [...keys].reverse()) {
    const here = pl.col(key);
    const next = pl.col(key).shift(-1);
    ordered = ordered === undefined
      ? here.ltEq(next)
      : here.lt(next).or(here.eq(next).and(ordered));
  }
  const check = df.select(ordered!.fillNull(true).all().alias("ok"));
  return check.getColumn("ok").toArray()[0] === true;
}

/**
 * Split off malformed lines and fail a misfiled file (see the module doc, step 2). A row whose
 * `exchange` cell names another exchange than the path (ignoring case and surrounding spaces)
 * is either:
 *
 * - a row **from another exchange**: the cell is an exchange-like name (`[a-z0-9_.-]+`) and the row
 *   has a `symbol` and a `local_timestamp`. One such row makes the whole file fail
 *   ({@linkcode ExchangeMismatchError}), or
 * - a **malformed line** (e.g. a line with no commas: its whole text lands in `exchange`):
 *   quarantined as `parse_error` with its line number, like a cell that cannot be read. A
 *   blank line (every field empty) is one too, with detail `blank line`.
 */
function _splitMalformed(
  rows: pl.DataFrame,
  exchange: string,
  dataType: string,
  vendorColumns: readonly string[],
): { rows: pl.DataFrame; malformed: pl.DataFrame } {
  const normalized = pl.col("exchange").str.strip().str.toLowerCase();
  const blank = pl.allHorizontal(vendorColumns.map((name) => pl.col(name).isNull()));
  const differs = pl.col("exchange").isNotNull().and(normalized.neq(pl.lit(exchange))).or(blank);
  const foreign = rows.filter(differs);
  if (foreign.height === 0) return { rows, malformed: _noRecords() };
  const shaped = normalized.str.contains("^[a-z0-9][a-z0-9_.-]*$")
    .and(pl.col("symbol").isNotNull())
    .and(pl.col("local_timestamp").isNotNull());
  const other = foreign.filter(shaped).select(FILE_LINE_NUMBER, "exchange").head(1);
  if (other.height > 0) {
    const found = String(other.getColumn("exchange").get(0));
    const line = Number(other.getColumn(FILE_LINE_NUMBER).get(0));
    throw new ExchangeMismatchError(dataType, exchange, found, line);
  }
  const malformed = foreign.select(
    pl.col(FILE_LINE_NUMBER).cast(pl.Int64),
    pl.lit("parse_error").alias("rule"),
    pl.when(blank).then(pl.lit("blank line")).otherwise(
      pl.concatString(
        [
          // The exchange cell may hold a whole long line: the detail shows its start (raw has it all).
          pl.lit("malformed line: exchange="),
          pl.when(pl.col("exchange").str.lengths().gt(_DETAIL_CHARS))
            .then(
              pl.concatString([pl.col("exchange").str.slice(0, _DETAIL_CHARS), pl.lit("...")], ""),
            )
            .otherwise(pl.col("exchange")),
          pl.lit(" "),
          showValues(["symbol", "local_timestamp"]),
        ],
        "",
      ),
    ).alias("detail"),
    rawFields(vendorColumns),
  );
  return { rows: rows.filter(differs.not()), malformed };
}

/** Characters of a malformed line's text shown in its quarantine detail. */
const _DETAIL_CHARS = 100;

/**
 * `resolveSymbolIds` on the key columns only (the join then carries 4 columns, not the whole
 * vendor row), with the results put back on the full rows.
 */
function _resolve(
  rows: pl.DataFrame,
  dim: pl.DataFrame,
  attach: readonly string[],
  vendorColumns: readonly string[],
): { resolved: pl.DataFrame; unresolved: pl.DataFrame } {
  const whole = _resolveWholeFile(rows, dim, attach);
  if (whole !== undefined) return { resolved: whole, unresolved: _noRecords() };
  const keys = rows.select("local_timestamp", "exchange_id", "symbol").withRowIndex(_ROW);
  const { resolved, unresolved } = resolveSymbolIds(keys, dim, {
    tsColumn: "local_timestamp",
    exchangeIdColumn: "exchange_id",
    symbolColumn: "symbol",
    attach,
  });
  const added = resolved.select(_ROW, "symbol_id", ...attach);
  let full: pl.DataFrame;
  if (resolved.height === rows.height && _isSortedBy(added, [_ROW])) {
    // Every row resolved, in input order (the usual case): no join needed.
    full = rows.hstack(added.drop(_ROW));
  } else {
    full = rows.withRowIndex(_ROW).join(added, { on: _ROW, how: "inner" }).drop(_ROW);
  }
  if (unresolved.height === 0) return { resolved: full, unresolved: _noRecords() };
  const records = rows.withRowIndex(_ROW)
    .join(unresolved.select(_ROW, "reason"), { on: _ROW, how: "inner" })
    .select(
      pl.col(FILE_LINE_NUMBER).cast(pl.Int64),
      pl.lit("symbol_resolved").alias("rule"),
      pl.concatString(
        [pl.col("reason"), pl.lit(": "), showValues(["symbol", "local_timestamp"])],
        "",
      ).alias("detail"),
      rawFields(vendorColumns),
    );
  return { resolved: full, unresolved: records };
}

/**
 * The usual case without a join: one symbol whose rows all lie inside one `dim_symbol` version
 * (`valid_from_ts <= min(ts)`, `max(ts) < valid_until_ts`). As versions of a key do not
 * overlap, the as-of lookup of `resolveSymbolIds` gives every row that version; its columns are
 * repeated from the one matching dim row (keeping the dim's types). Undefined when the file is
 * not in that case.
 */
function _resolveWholeFile(
  rows: pl.DataFrame,
  dim: pl.DataFrame,
  attach: readonly string[],
): pl.DataFrame | undefined {
  // Anything unusual (including a dim lacking columns) is left to `resolveSymbolIds`.
  if (rows.height === 0) return undefined;
  const ts = pl.col("local_timestamp");
  const span = rows.select(
    pl.col("exchange_id").first().alias(_KEY_EXCHANGE),
    pl.col("symbol").first().alias(_KEY_SYMBOL),
    pl.col("exchange_id").eq(pl.col("exchange_id").first())
      .and(pl.col("symbol").eq(pl.col("symbol").first()))
      .and(ts.isNotNull()).fillNull(false).all().alias("__one_key"),
    ts.min().alias("__lo"),
    ts.max().alias("__hi"),
  );
  if (span.getColumn("__one_key").toArray()[0] !== true) return undefined;
  const version = _coveringVersion(dim, span, attach);
  if (version === undefined) return undefined;
  const first = pl.Series("first", new Uint32Array(rows.height) as unknown as number[], pl.UInt32);
  return rows.hstack(version.select(pl.all().gather(first)));
}

const _KEY_EXCHANGE = "__key_exchange_id";
const _KEY_SYMBOL = "__key_symbol";

const _ROW = "__row";

function _noRecords(): pl.DataFrame {
  return pl.DataFrame({
    [FILE_LINE_NUMBER]: pl.Series(FILE_LINE_NUMBER, [], pl.Int64),
    rule: pl.Series("rule", [], pl.String),
    detail: pl.Series("detail", [], pl.String),
    raw: pl.Series("raw", [], pl.String),
  });
}

/**
 * Encode the fixed-point fields; rows with an off-grid value are quarantined under the first
 * such field's `<value>_on_grid` rule. Most files have none: every field is then checked and
 * encoded in one vectorised pass, and the per-row rule evaluation only runs when that check
 * finds a value it cannot vouch for.
 */
function _encodeFixedPoint(
  rows: pl.DataFrame,
  spec: EventTableSpec,
  vendorColumns: readonly string[],
): { encoded: pl.DataFrame; offGrid: pl.DataFrame } {
  const first = _encodeIfOnGrid(rows, spec, true);
  if (first !== undefined) return { encoded: first, offGrid: _noRecords() };
  const onGrid = applyRowRules(
    rows,
    spec.fixedPoint.flatMap((f) => [_gridRule(f), _rangeRule(f)]),
    {
      rawColumns: vendorColumns,
    },
  );
  return { encoded: _encodeIfOnGrid(onGrid.passed, spec, false)!, offGrid: onGrid.failed };
}

/**
 * The rows with their encoded columns and lists; undefined when `check` is set and a value is
 * not surely on the grid (see `_positive` and `_offStats`). Kept values are on the grid, where
 * every rounding mode gives the nearest whole count, so encoding rounds to nearest.
 */
function _encodeIfOnGrid(
  rows: pl.DataFrame,
  spec: EventTableSpec,
  check: boolean,
): pl.DataFrame | undefined {
  const lists = spec.lists ?? [];
  const listed = new Set(lists.flatMap((list) => list.values));
  const single = spec.fixedPoint.filter((field) => !listed.has(field.value));
  let out = rows;
  if (single.length > 0) {
    if (check && !_positive(rows, [...new Set(single.map((field) => field.increment))])) {
      return undefined;
    }
    // Units, then counts, each materialised once (see `_encodeLists`).
    const units = rows.select(
      ...single.map((field, k) =>
        pl.col(field.value).cast(pl.Float64).div(pl.col(field.increment).cast(pl.Float64))
          .alias(`__u${k}`)
      ),
    );
    const counts = units.withColumns(
      ...single.map((_, k) => pl.col(`__u${k}`).round(0).alias(`__c${k}`)),
    );
    if (check) {
      const stats = counts.select(
        ...single.flatMap((_, k) =>
          _offStats(pl.col(`__u${k}`).sub(pl.col(`__c${k}`)), pl.col(`__c${k}`), String(k))
        ),
      );
      if (!_offWithinTolerance(stats)) return undefined;
    }
    // Same as `encodeFixedPoint(value, increment)`: on the grid every rounding is nearest.
    out = pl.concat([
      rows,
      counts.select(...single.map((field, k) => pl.col(`__c${k}`).cast(pl.Int64).alias(field.as))),
    ], { how: "horizontal" });
  }
  if (lists.length === 0) return out;
  const built = _encodeLists(rows, lists, spec.fixedPoint, check);
  return built === undefined ? undefined : pl.concat([out, built], { how: "horizontal" });
}

/**
 * The List(Int64) columns of `lists`: each list's columns are stacked (column-major, with the
 * increment repeated alongside) into one long frame, checked and encoded in one select, then
 * gathered into row-major order and reshaped to one list per row. About 10x cheaper than an
 * expression per field plus `pl.concatList`.
 */
function _encodeLists(
  rows: pl.DataFrame,
  lists: readonly FixedPointList[],
  fields: readonly FixedPointField[],
  check: boolean,
): pl.DataFrame | undefined {
  const byValue = new Map(fields.map((field) => [field.value, field]));
  const n = rows.height;
  if (n === 0) {
    return rows.select(
      ...lists.map((list) =>
        pl.concatList(list.values.map((value) => pl.col(value))).cast(pl.List(pl.Int64))
          .alias(list.as)
      ),
    );
  }
  // Stacked without rechunking: the chunks are the original columns (no copy); the encoded
  // values are contiguous again after the gather.
  const stack = (series: pl.Series[], name: string) =>
    pl.concat(series, { rechunk: false, parallel: true }).alias(name);
  const byWidth = new Map<number, { columns: pl.Series[]; keys: string[]; index: pl.Series }>();
  const increments = new Set<string>();
  lists.forEach((list, k) => {
    const width = list.values.length;
    const group = byWidth.get(width) ?? { columns: [], keys: [], index: _rowMajor(n, width) };
    byWidth.set(width, group);
    const increment = _listIncrement(list, byValue);
    increments.add(increment);
    const inc = `__${increment}`;
    group.columns.push(stack(list.values.map((name) => rows.getColumn(name)), `__v${k}`));
    if (!group.columns.some((c) => c.name === inc)) {
      const incs = rows.getColumn(increment);
      group.columns.push(stack(list.values.map(() => incs), inc));
    }
    group.keys.push(`${k}:${inc}`);
  });
  if (check && !_positive(rows, [...increments])) return undefined;
  const parts: pl.DataFrame[] = [];
  for (const group of byWidth.values()) {
    const keys = group.keys.map((key) => key.split(":"));
    // Stepwise, each intermediate materialised once: Polars would otherwise recompute the
    // units and counts for each of the expressions below.
    const units = pl.DataFrame(group.columns).select(
      ...keys.map(([k, inc]) =>
        pl.col(`__v${k}`).cast(pl.Float64).div(pl.col(inc).cast(pl.Float64)).alias(`__u${k}`)
      ),
    );
    const counts = units.withColumns(
      ...keys.map(([k]) => pl.col(`__u${k}`).round(0).alias(`__c${k}`)),
    );
    // Same as `encodeFixedPoint(value, increment)`: on the grid every rounding is nearest.
    const width = group.index.len() / n;
    const out = counts.select(
      ...keys.map(([k]) =>
        pl.col(`__c${k}`).cast(pl.Int64).gather(group.index).reshape([-1, width])
          .cast(pl.List(pl.Int64)).alias(lists[Number(k)].as)
      ),
    );
    if (check) {
      const offs = counts.select(
        ...keys.flatMap(([k]) => [
          pl.col(`__u${k}`).sub(pl.col(`__c${k}`)).alias(`__o${k}`),
          pl.col(`__c${k}`),
        ]),
      );
      const stats = offs.select(
        ...keys.flatMap(([k]) => _offStats(pl.col(`__o${k}`), pl.col(`__c${k}`), k)),
      );
      if (!_offWithinTolerance(stats)) return undefined;
    }
    parts.push(out);
  }
  const built = parts.length === 1 ? parts[0] : pl.concat(parts, { how: "horizontal" });
  return built.select(...lists.map((list) => pl.col(list.as)));
}

/** Whether every increment is present and positive (one check per row, not per element). */
function _positive(rows: pl.DataFrame, increments: readonly string[]): boolean {
  const ok = rows.select(
    pl.allHorizontal(increments.map((inc) => pl.col(inc).gt(0).fillNull(false))).all()
      .alias("ok"),
  );
  return ok.getColumn("ok").toArray()[0] === true;
}

/**
 * Aggregates of `off = units - round(units)` proving, together with `_positive`, the grid rule
 * for every present value: min and max within the tolerance, and a finite sum (a NaN or
 * infinite value makes `off` NaN, which min and max may skip but the sum keeps; such files take
 * the per-row path). The largest absolute count and a flag for a non-zero value of count 0
 * prove the range rule. Absent values are null and skipped by all of them, as the rules let
 * them pass.
 */
function _offStats(off: pl.Expr, count: pl.Expr, key: string): pl.Expr[] {
  return [
    off.min().alias(`${_OFF}min${key}`),
    off.max().alias(`${_OFF}max${key}`),
    off.sum().alias(`${_OFF}sum${key}`),
    count.abs().max().alias(`${_OFF}abs${key}`),
    // A non-zero value whose count rounds to 0 (e.g. a price of 1e-9): off = units there.
    pl.when(count.eq(0).and(off.neq(0))).then(pl.lit(1)).otherwise(pl.lit(0)).max()
      .alias(`${_OFF}zero${key}`),
  ];
}

const _OFF = "__off_";

function _offWithinTolerance(out: pl.DataFrame): boolean {
  const stats = out.select(...out.columns.filter((c) => c.startsWith(_OFF)).map((c) => pl.col(c)))
    .head(1).toRecords()[0] as Record<string, number | null>;
  const tol = FIXED_POINT_TOLERANCE;
  for (const [name, v] of Object.entries(stats)) {
    if (v === null) continue; // every value absent
    if (!Number.isFinite(v)) return false;
    if (name.startsWith(`${_OFF}min`) && v < -tol) return false;
    if (name.startsWith(`${_OFF}max`) && v > tol) return false;
    if (name.startsWith(`${_OFF}abs`) && v >= _INT64_LIMIT) return false;
    if (name.startsWith(`${_OFF}zero`) && v > 0) return false;
  }
  return true;
}

function _listIncrement(
  list: FixedPointList,
  fields: Map<string, FixedPointField>,
): FixedPointField["increment"] {
  const increments = new Set(list.values.map((value) => {
    const field = fields.get(value);
    if (field === undefined) {
      throw new TypeError(`List "${list.as}": "${value}" is not a fixed-point field`);
    }
    return field.increment;
  }));
  if (increments.size !== 1) {
    throw new TypeError(`List "${list.as}": its fields must count one increment`);
  }
  return [...increments][0];
}

/** Gather indices turning `width` stacked columns of `n` rows into row-major order. */
function _rowMajor(n: number, width: number): pl.Series {
  if (_lastIndex?.n === n && _lastIndex.width === width) return _lastIndex.index;
  const index = new Uint32Array(n * width);
  let k = 0;
  for (let row = 0; row < n; row++) {
    for (let level = 0; level < width; level++) index[k++] = level * n + row;
  }
  const series = pl.Series("index", index as unknown as number[], pl.UInt32);
  _lastIndex = { n, width, index: series };
  return series;
}

/** The last gather index built (consecutive files often have the same height). */
let _lastIndex: { n: number; width: number; index: pl.Series } | undefined;

const _DAY_US = 86_400_000_000;

/**
 * Timestamps (µs) must be below this one, 10000-01-01T00:00:00Z, the first instant whose date
 * no longer fits `YYYY-MM-DD`; far beyond any real market data (`timestamps_in_range`).
 */
const _MAX_TIMESTAMP_US = 253_402_300_800_000_000;

/**
 * The UTC date of a µs timestamp, clamped into `[1970-01-01, 10000-01-01]`. Rule details are
 * evaluated on every row, including rows rejected by an earlier rule, and formatting a date
 * past what Polars can show panics inside Polars (a Rust backtrace on stderr); rows outside
 * the clamp never pass `timestamps_positive` / `timestamps_in_range`, so kept rows are exact.
 */
function _utcDate(ts: pl.Expr): pl.Expr {
  return ts.clip(0, _MAX_TIMESTAMP_US).cast(pl.Datetime("us")).cast(pl.Date);
}

function _commonRules(exchange: string, date: string): RowRule[] {
  // The UTC day of the path as a range of local_timestamp: the same test as comparing the
  // derived `date` column, without deriving it (the fast path never does).
  const dayStart = Date.parse(`${date}T00:00:00Z`) * 1000;
  const ts = pl.col("local_timestamp");
  return [
    rowRule(
      "timestamps_positive",
      "local_timestamp > 0 and timestamp > 0 (timestamp may be empty)",
      pl.col("local_timestamp").gt(0)
        .and(pl.col("timestamp").isNull().or(pl.col("timestamp").gt(0))),
      { detail: showValues(["timestamp", "local_timestamp"]) },
    ),
    rowRule(
      "timestamps_in_range",
      "local_timestamp and timestamp before 10000-01-01 (timestamp may be empty)",
      ts.lt(pl.lit(_MAX_TIMESTAMP_US).cast(pl.Int64))
        .and(
          pl.col("timestamp").isNull()
            .or(pl.col("timestamp").lt(pl.lit(_MAX_TIMESTAMP_US).cast(pl.Int64))),
        ),
      { detail: showValues(["timestamp", "local_timestamp"]) },
    ),
    rowRule(
      "date_matches_path",
      `UTC date of local_timestamp equals the path's date ${date}`,
      ts.gtEq(pl.lit(dayStart).cast(pl.Int64)).and(
        ts.lt(pl.lit(dayStart + _DAY_US).cast(pl.Int64)),
      ),
      {
        detail: pl.concatString([
          pl.lit("date="),
          pl.col("date").cast(pl.String),
          pl.lit(` path date=${date}`),
        ], ""),
      },
    ),
    // Non-null mismatches already failed the file or were split off (`_splitMalformed`).
    rowRule(
      "exchange_matches_path",
      `exchange equals the path's exchange ${exchange}`,
      pl.col("exchange").isNotNull(),
      { detail: showValues(["exchange"]) },
    ),
    rowRule("symbol_present", "symbol is present", pl.col("symbol").isNotNull(), {
      detail: showValues(["symbol"]),
    }),
  ];
}

function _gridRule(field: FixedPointField): RowRule {
  return rowRule(
    `${field.value}_on_grid`,
    `${field.value} is a whole number of ${field.increment} (within 1e-6 of one)`,
    _onGridOrNull(field.value, field.increment),
    { detail: showValues([field.value, field.increment]) },
  );
}

/**
 * The range rule: the count `value / increment` fits in Int64 (beyond it the encoding cast would
 * give null), and a non-zero value is not a count of 0 (a price of 1e-9 would be stored as 0).
 * It runs after the grid rule, so a NaN, an infinite value or a missing increment is reported
 * by that rule; here they pass.
 */
function _rangeRule(field: FixedPointField): RowRule {
  const value = pl.col(field.value);
  const count = value.cast(pl.Float64).div(pl.col(field.increment).cast(pl.Float64)).round(0);
  return rowRule(
    `${field.value}_in_range`,
    `${field.value} / ${field.increment} fits in Int64 (below 2^63 in absolute value) and is ` +
      `not 0 for a non-zero ${field.value}`,
    value.isNull()
      .or(pl.col(field.increment).gt(0).not())
      .or(count.isFinite().not())
      .or(count.abs().lt(pl.lit(_INT64_LIMIT)).and(count.neq(0).or(value.eq(0)))),
    { detail: showValues([field.value, field.increment]) },
  );
}

/**
 * Counts at or above this absolute value do not fit in Int64 (2^63, exact as a float64; every
 * float below it is at most 2^63 - 1024).
 */
const _INT64_LIMIT = 2 ** 63;

/** The grid rule's test: the value is absent, or a whole number of a positive increment. */
function _onGridOrNull(value: string, increment: string): pl.Expr {
  return pl.col(value).isNull().or(pl.col(increment).gt(0).and(isOnGrid(value, increment)));
}
