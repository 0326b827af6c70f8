/**
 * Parse a Tardis.dev CSV export (already decompressed) into a typed Polars frame.
 *
 * Columns are selected by header name, never by position, and read with explicit types:
 * timestamps `Int64` (microseconds), prices and amounts `Float64`, ids and labels `Utf8`,
 * `true`/`false` flags `Boolean`. Empty cells are nulls. Every row keeps its physical line
 * number in the vendor file as `file_line_number` (header = line 1, first data row = 2); a
 * blank line inside the file still counts as a line (it becomes an all-null row, which
 * `transformTardisFile` quarantines as `parse_error`, detail `blank line`).
 *
 * Tolerated: a UTF-8 byte-order mark, CRLF line endings, a missing trailing newline, an
 * empty buffer or a header with no rows (zero rows). Rejected with {@linkcode TardisCsvError}:
 * a header that lacks a required column or names one twice (the message shows the header, cut
 * to 200 characters and JSON-escaped), a UTF-16 file (by its byte-order mark) and bare-CR line endings (both
 * would need the whole file re-encoded; the message says so). A cell that cannot be read as
 * its type does not fail the file: its row is returned in `rejected` with rule `parse_error`;
 * so does a row with bytes that are not UTF-8 (e.g. Latin-1) in a column the table reads
 * (detail `"<column>" is not valid UTF-8`; such bytes in a column it ignores are harmless), and,
 * when a `"` would make the reader fail or pair up with another across lines (a quoted field
 * spanning lines, which would shift the line numbers of every row after it), a row with a `"`
 * in a column the table reads (the file is then read without quote handling, so every row
 * keeps its physical line number). Fields quoted within their line are read as their values.
 *
 * Limits (documented choices): extra fields on a line are ignored and missing trailing fields
 * are nulls.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame } from "../polars_types.ts";
import { Buffer } from "node:buffer";
import { countLines } from "./csv_lines.ts";

/** How a Tardis column is read. */
export type TardisFieldType = "int64" | "float64" | "utf8" | "boolean";

/** Required Tardis columns (header name to type), in the order they are returned. */
export type TardisColumns = Readonly<Record<string, TardisFieldType>>;

/** The name of the physical line number column added by {@linkcode parseTardisCsv}. */
export const FILE_LINE_NUMBER = "file_line_number";

/** A Tardis CSV file whose header does not fit the expected data type. */
export class TardisCsvError extends Error {
  /** The Tardis data type being parsed, for example `"trades"`. */
  readonly dataType: string;
  /** The header columns that are missing or duplicated. */
  readonly columns: string[];
  /**
   * Create the error.
   *
   * @param message What is wrong.
   * @param dataType The Tardis data type being parsed.
   * @param columns The offending header columns.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, dataType: string, columns: string[], options?: ErrorOptions) {
    super(message, options);
    this.name = "TardisCsvError";
    this.dataType = dataType;
    this.columns = columns;
  }
}

/** Options of {@linkcode parseTardisCsv}. */
export interface ParseTardisCsvOptions {
  /**
   * The Tardis data type, used in error messages.
   * @default "tardis"
   */
  dataType?: string;
  /**
   * Physical line number of the first data row: 2 for a whole file; for a part of a file
   * (its header line followed by lines cut from the middle) the line the part starts at, so
   * line numbers stay those of the whole file.
   * @default 2
   */
  firstLine?: number;
}

/** The result of {@linkcode parseTardisCsv}. */
export interface ParsedTardisCsv {
  /** `file_line_number` (Int64) then the required columns, typed. */
  rows: DataFrame;
  /**
   * Rows with a cell that could not be read as its type: `file_line_number` Int64, `rule`
   * (`"parse_error"`), `detail` (the offending columns) and `raw` (the required fields as
   * text, comma-joined in header order).
   */
  rejected: DataFrame;
  /** The header columns as found (BOM and CR stripped). */
  header: string[];
}

const _UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * The header columns of a Tardis CSV buffer.
 *
 * @param bytes The decompressed file.
 * @returns The header names (BOM and CR stripped); empty for an empty file.
 * @example
 * ```ts
 * import { readTardisHeader } from "./tardis_csv.ts";
 * const bytes = new TextEncoder().encode("\uFEFFexchange,symbol\r\nbinance,BTCUSDT\r\n");
 * if (readTardisHeader(bytes).join("|") !== "exchange|symbol") throw new Error("bad header");
 * ```
 */
export function readTardisHeader(bytes: Uint8Array): string[] {
  const body = _stripBom(bytes);
  let end = body.indexOf(0x0a);
  if (end < 0) end = body.length;
  const line = new TextDecoder().decode(body.subarray(0, end)).replace(/\r$/, "");
  if (line.trim() === "") return [];
  return line.split(",");
}

/**
 * Parse a decompressed Tardis CSV buffer by header name with explicit column types.
 *
 * @param bytes The decompressed file (UTF-8, optionally with a BOM, LF or CRLF line endings).
 * @param columns The required columns and their types; other header columns are ignored.
 * @param options Options; see {@linkcode ParseTardisCsvOptions}.
 * @returns The typed rows with `file_line_number`, the rows that failed to parse, the header.
 * @throws {TardisCsvError} When the header lacks a required column or repeats one, or the
 * file cannot be read as CSV at all (for example invalid UTF-8).
 * @example
 * ```ts
 * import { parseTardisCsv } from "./tardis_csv.ts";
 * const csv = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n" +
 *   "binance,BTCUSDT,1582329602111000,1582329602418379,,buy,9682,0.132\n";
 * const { rows } = parseTardisCsv(new TextEncoder().encode(csv), {
 *   local_timestamp: "int64",
 *   price: "float64",
 *   id: "utf8",
 * });
 * if (rows.getColumn("file_line_number").get(0) !== 2) throw new Error("line 2 expected");
 * if (rows.getColumn("id").get(0) !== null) throw new Error("empty cell should be null");
 * ```
 */
export function parseTardisCsv(
  bytes: Uint8Array,
  columns: TardisColumns,
  options: ParseTardisCsvOptions = {},
): ParsedTardisCsv {
  const dataType = options.dataType ?? "tardis";
  const first = options.firstLine ?? 2;
  _checkEncoding(bytes, dataType);
  const body = _stripBom(bytes);
  const header = readTardisHeader(body);
  const wanted = Object.keys(columns);
  if (header.length === 0) {
    return { rows: _emptyRows(columns), rejected: _emptyRejected(), header };
  }
  _checkHeader(header, wanted, dataType);

  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const dtypes: Record<string, pl.DataType> = {};
  for (const name of wanted) dtypes[name] = _polarsFieldType(columns[name]);
  let typed: pl.DataFrame;
  try {
    // No `columns` projection or `rowIndexName`: both make nodejs-polars' reader several
    // times slower. Polars keeps one row per physical line (a blank line is an all-null
    // row), so the line number is the row position + 2.
    typed = pl.readCSV(buffer, { hasHeader: true, inferSchemaLength: 0, dtypes });
  } catch {
    // A cell that is not of its column's type: re-read as text and reject only those rows.
    return _parseLeniently(buffer, columns, header, dataType, first);
  }
  if (_quotesJoinedLines(buffer, typed.height)) {
    return _parseLeniently(buffer, columns, header, dataType, first);
  }
  const rows = typed.select(
    _lineNumbers(typed.height, first),
    ...wanted.map((name) => pl.col(name)),
  );
  return { rows, rejected: _emptyRejected(), header };
}

/** Fail early, with the reason, on encodings the byte-level reader cannot take. */
function _checkEncoding(bytes: Uint8Array, dataType: string): void {
  const fail = (why: string) => {
    throw new TardisCsvError(`Cannot parse "${dataType}" file: ${why}`, dataType, []);
  };
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    fail("it is UTF-16 (byte-order mark FF FE); expected UTF-8");
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    fail("it is UTF-16 (byte-order mark FE FF); expected UTF-8");
  }
  const lf = bytes.indexOf(0x0a);
  const firstLine = bytes.subarray(0, lf < 0 ? bytes.length : lf);
  const cr = firstLine.indexOf(0x0d);
  if (cr >= 0 && cr < firstLine.length - 1) {
    fail("its lines end with a bare CR (classic Mac line endings); expected LF or CRLF");
  }
}

/** Text cut to `max` characters, for messages that quote file content. */
function _clip(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

function _stripBom(bytes: Uint8Array): Uint8Array {
  const hasBom = bytes.length >= 3 && _UTF8_BOM.every((b, i) => bytes[i] === b);
  return hasBom ? bytes.subarray(3) : bytes;
}

function _checkHeader(header: string[], wanted: string[], dataType: string): void {
  const seen = new Set<string>();
  const duplicated = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) duplicated.add(name);
    seen.add(name);
  }
  const missing = wanted.filter((name) => !seen.has(name));
  if (missing.length > 0) {
    const list = missing.map((name) => `"${name}"`).join(", ");
    throw new TardisCsvError(
      `Cannot parse "${dataType}" file: header lacks ${list} (header is ${
        JSON.stringify(_clip(header.join(",")))
      })`,
      dataType,
      missing,
    );
  }
  const repeated = [...duplicated].filter((name) => wanted.includes(name));
  if (repeated.length > 0) {
    const list = repeated.map((name) => `"${name}"`).join(", ");
    throw new TardisCsvError(
      `Cannot parse "${dataType}" file: header repeats ${list}`,
      dataType,
      repeated,
    );
  }
}

function _polarsFieldType(type: TardisFieldType): pl.DataType {
  switch (type) {
    case "int64":
      return pl.Int64;
    case "float64":
      return pl.Float64;
    case "utf8":
      return pl.String;
    case "boolean":
      return pl.Bool;
  }
}

/** Text to a typed value; null where the text is not a value of the type. */
function _castText(name: string, type: TardisFieldType): pl.Expr {
  const text = pl.col(name);
  if (type === "utf8") return text;
  if (type === "boolean") {
    const lower = text.str.strip().str.toLowerCase();
    return pl.when(lower.eq(pl.lit("true"))).then(pl.lit(true))
      .when(lower.eq(pl.lit("false"))).then(pl.lit(false))
      .otherwise(pl.lit(null).cast(pl.Bool));
  }
  return text.str.strip().cast(_polarsFieldType(type), false);
}

function _parseLeniently(
  buffer: Buffer,
  columns: TardisColumns,
  header: string[],
  dataType: string,
  first: number,
): ParsedTardisCsv {
  const wanted = Object.keys(columns);
  // Ever more lenient reads: as is; bytes that are not UTF-8 (e.g. Latin-1) as U+FFFD; and,
  // when a stray quote still breaks the reader or joins lines, without quote handling. The rows holding what
  // the leniency let through are rejected below.
  let all: pl.DataFrame | undefined;
  let mode: _TextMode | undefined;
  let firstError: unknown;
  for (const candidate of _TEXT_MODES) {
    try {
      const read = _readText(buffer, candidate);
      if (candidate.quotes && _quotesJoinedLines(buffer, read.height)) continue;
      all = read;
      mode = candidate;
      break;
    } catch (err) {
      firstError ??= err;
    }
  }
  if (all === undefined || mode === undefined) {
    const reason = _clip(String((firstError as Error)?.message ?? firstError).split("\n")[0]);
    throw new TardisCsvError(`Cannot parse "${dataType}" file: ${reason}`, dataType, [], {
      cause: firstError,
    });
  }
  const text = all.select(_lineNumbers(all.height, first), ...wanted.map((name) => pl.col(name)));
  const casts = wanted.map((name) => _castText(name, columns[name]).alias(name));
  const holds = (name: string, what: string, when: boolean) =>
    when ? pl.col(name).str.contains(what, true).fillNull(false) : pl.lit(false);
  const notUtf8 = (name: string) => holds(name, _REPLACEMENT, mode.lossy);
  const quote = (name: string) => holds(name, '"', !mode.quotes);
  const bad = wanted.map((name) =>
    notUtf8(name).or(quote(name)).or(
      pl.col(name).isNotNull().and(_castText(name, columns[name]).isNull()),
    )
  );
  const detailParts = wanted.map((name, i) =>
    pl.when(notUtf8(name)).then(pl.lit(`"${name}" is not valid UTF-8`))
      .when(quote(name)).then(pl.lit(`"${name}" holds a stray quote`))
      .when(bad[i]).then(pl.lit(`"${name}" is not ${columns[name]}`))
      .otherwise(pl.lit(null))
  );
  const flagged = text.withColumns(
    pl.anyHorizontal(bad).alias("_bad"),
    pl.concatString(detailParts.map((part) => part.fillNull(pl.lit(""))), "; ").alias("_detail"),
  );
  const rejected = flagged.filter(pl.col("_bad")).select(
    pl.col(FILE_LINE_NUMBER).cast(pl.Int64),
    pl.lit("parse_error").alias("rule"),
    pl.col("_detail").str.replaceAll("(; )+", "; ").str.stripChars("; ").alias("detail"),
    pl.concatString(wanted.map((name) => pl.col(name).fillNull(pl.lit(""))), ",").alias("raw"),
  );
  const rows = flagged.filter(pl.col("_bad").not()).select(
    pl.col(FILE_LINE_NUMBER).cast(pl.Int64),
    ...casts,
  );
  return { rows, rejected, header };
}

/**
 * Whether quote handling joined physical lines into one row (a quoted field spanning lines):
 * the reader returned fewer rows than the buffer has lines after the header. Only a buffer
 * holding a `"` is counted.
 */
function _quotesJoinedLines(buffer: Buffer, rows: number): boolean {
  if (buffer.indexOf(0x22) < 0) return false;
  const header = buffer.indexOf(0x0a);
  return header >= 0 && rows < countLines(buffer, header + 1);
}

/** U+FFFD, what a lossy read puts in place of bytes that are not UTF-8. */
const _REPLACEMENT = "\uFFFD";

/** How `_readText` reads: `lossy` reads bytes that are not UTF-8 as U+FFFD; `quotes` off
 * takes `"` as a plain character. */
interface _TextMode {
  lossy: boolean;
  quotes: boolean;
}

const _TEXT_MODES: readonly _TextMode[] = [
  { lossy: false, quotes: true },
  { lossy: true, quotes: true },
  { lossy: true, quotes: false },
];

/** Every column as text. */
function _readText(buffer: Buffer, mode: _TextMode): pl.DataFrame {
  return pl.readCSV(buffer, {
    hasHeader: true,
    inferSchemaLength: 0,
    ...(mode.lossy ? { encoding: "utf8-lossy" as const } : {}),
    ...(mode.quotes ? {} : { quoteChar: "" }),
  });
}

function _lineNumbers(height: number, first: number): pl.Expr {
  return pl.intRange(first, height + first, 1, pl.Int64).alias(FILE_LINE_NUMBER);
}

function _emptyRows(columns: TardisColumns): pl.DataFrame {
  return pl.DataFrame({ _seed: [null] }).select(
    pl.lit(null).cast(pl.Int64).alias(FILE_LINE_NUMBER),
    ...Object.entries(columns).map(([name, type]) =>
      pl.lit(null).cast(_polarsFieldType(type)).alias(name)
    ),
  ).head(0);
}

function _emptyRejected(): pl.DataFrame {
  return pl.DataFrame({ _seed: [null] }).select(
    pl.lit(null).cast(pl.Int64).alias(FILE_LINE_NUMBER),
    pl.lit(null).cast(pl.String).alias("rule"),
    pl.lit(null).cast(pl.String).alias("detail"),
    pl.lit(null).cast(pl.String).alias("raw"),
  ).head(0);
}
