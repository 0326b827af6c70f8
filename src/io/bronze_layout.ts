/**
 * Pure parsing of bronze file paths (no file-system access).
 *
 * Two layouts are recognised, both relative to the bronze root (see `domain.md`):
 *
 * - **hive**: `tardis/exchange={exchange}/type={data_type}/date={YYYY-MM-DD}/symbol={symbol}/
 *   {exchange}_{data_type}_{YYYY-MM-DD}_{symbol}.csv.gz`. The file name must agree with the
 *   partition values (the symbol part may use the flat client's `-` substitution).
 * - **flat** (the Tardis client's default name), in any folder:
 *   `{exchange}_{data_type}_{YYYY-MM-DD}_{symbol}.csv.gz`. Exchanges never contain `_`, so
 *   the exchange ends at the first `_`, the data type runs up to the `_YYYY-MM-DD_` date,
 *   and the rest is the symbol. The client writes the characters `:\/?*<>|"` of a symbol as
 *   `-`; that is not reversible, so the symbol is kept as written (the CSV rows carry the
 *   real symbol).
 *
 * Plain `.csv` files are accepted too (same names without `.gz`). A path with a `..`
 * segment, an absolute path, a control character (a newline in a name would break every
 * line-oriented listing and log; the reason shows the path JSON-escaped), an invalid date or a
 * name in neither layout is rejected with a reason. Instrument metadata (`tardis/instruments/*.json`) is a known non-event file: see
 * {@linkcode isInstrumentsPath}.
 *
 * @module
 */

/** The fields a bronze path encodes. */
export interface BronzePathInfo {
  /** Which layout matched. */
  layout: "hive" | "flat";
  /** Data vendor (always `tardis` for now). */
  vendor: string;
  /** Exchange, lower-case. */
  exchange: string;
  /** Vendor data type, e.g. `trades`. */
  data_type: string;
  /** Symbol as written in the path. */
  symbol: string;
  /** `YYYY-MM-DD`. */
  date: string;
  /** Whether the file is gzip-compressed (by its extension). */
  gzip: boolean;
}

/** The outcome of {@linkcode parseBronzePath}: the fields, or why the path is not recognised. */
export type BronzePathParse =
  | { ok: true; info: BronzePathInfo }
  | { ok: false; reason: string };

const _DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const _FLAT_RE = /^([a-z0-9-]+)_([A-Za-z0-9_]+?)_(\d{4}-\d{2}-\d{2})_(.+)$/;
const _PARTITION_RE = /^([a-z_]+)=(.*)$/;

/** Whether `date` is a real calendar day written `YYYY-MM-DD`. */
function _isCalendarDate(date: string): boolean {
  if (!_DATE_RE.test(date)) return false;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

/** Split `name` into stem and gzip flag, or undefined when the extension is not CSV. */
function _stripExtension(name: string): { stem: string; gzip: boolean } | undefined {
  if (name.endsWith(".csv.gz")) return { stem: name.slice(0, -7), gzip: true };
  if (name.endsWith(".csv")) return { stem: name.slice(0, -4), gzip: false };
  return undefined;
}

/** The flat client's substitution of characters that file names cannot hold. */
function _sanitizeSymbol(symbol: string): string {
  return symbol.replace(/[:\\/?*<>|"]/g, "-");
}

function _parseFlatName(name: string): BronzePathParse {
  const ext = _stripExtension(name);
  if (!ext) return { ok: false, reason: `"${name}" is not a .csv.gz or .csv file` };
  const m = _FLAT_RE.exec(ext.stem);
  if (!m) {
    return {
      ok: false,
      reason: `"${name}" does not match {exchange}_{data_type}_{YYYY-MM-DD}_{symbol}.csv.gz`,
    };
  }
  const [, exchange, dataType, date, symbol] = m;
  if (!_isCalendarDate(date)) return { ok: false, reason: `"${date}" is not a calendar date` };
  if (symbol === "") return { ok: false, reason: `"${name}" has an empty symbol` };
  return {
    ok: true,
    info: {
      layout: "flat",
      vendor: "tardis",
      exchange,
      data_type: dataType,
      symbol,
      date,
      gzip: ext.gzip,
    },
  };
}

/**
 * The code of the first control character (U+0000 to U+001F, U+007F) in a path, if any: such
 * a path is not in a bronze layout, and is shown JSON-escaped so it stays on one line.
 *
 * @param path Any path.
 * @returns The character code, or undefined when the path has none.
 * @example
 * ```ts
 * import { firstControlCharacter } from "./bronze_layout.ts";
 * if (firstControlCharacter("a\nb") !== 10) throw new Error("newline");
 * if (firstControlCharacter("a b/c.csv.gz") !== undefined) throw new Error("none");
 * ```
 */
export function firstControlCharacter(path: string): number | undefined {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return c;
  }
  return undefined;
}

/**
 * Recognise a bronze file path in one of the two layouts.
 *
 * @param relPath Path relative to the bronze root, `/`-separated (a leading `./` is ignored).
 * @returns `{ ok: true, info }` with the encoded fields, or `{ ok: false, reason }`.
 * @example
 * ```ts
 * import { parseBronzePath } from "./bronze_layout.ts";
 * const hive = parseBronzePath(
 *   "tardis/exchange=deribit/type=trades/date=2024-07-30/symbol=BTC-PERPETUAL/" +
 *     "deribit_trades_2024-07-30_BTC-PERPETUAL.csv.gz",
 * );
 * if (!hive.ok || hive.info.symbol !== "BTC-PERPETUAL") throw new Error("hive not parsed");
 * const flat = parseBronzePath("binance-futures_book_snapshot_25_2024-07-30_BTCUSDT.csv.gz");
 * if (!flat.ok || flat.info.data_type !== "book_snapshot_25") throw new Error("flat not parsed");
 * if (parseBronzePath("tardis/exchange=../x/a.csv.gz").ok) throw new Error("escape accepted");
 * ```
 */
export function parseBronzePath(relPath: string): BronzePathParse {
  const path = relPath.replace(/^(\.\/)+/, "");
  if (path === "") return { ok: false, reason: "empty path" };
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path)) {
    return { ok: false, reason: `"${relPath}" is absolute, expected a path under the bronze root` };
  }
  if (path.includes("\\")) return { ok: false, reason: `"${relPath}" contains a backslash` };
  if (path.includes("\0")) return { ok: false, reason: `"${relPath}" contains a NUL byte` };
  const control = firstControlCharacter(path);
  if (control !== undefined) {
    const code = control.toString(16).toUpperCase().padStart(4, "0");
    return {
      ok: false,
      reason: `${JSON.stringify(relPath)} contains a control character (U+${code}): rename it`,
    };
  }
  const segments = path.split("/");
  for (const seg of segments) {
    const value = _PARTITION_RE.exec(seg)?.[2] ?? seg;
    if (seg === ".." || value === ".." || value.startsWith("../") || seg === ".") {
      return { ok: false, reason: `"${relPath}" has a ".." or "." segment: paths may not escape` };
    }
    if (seg === "") return { ok: false, reason: `"${relPath}" has an empty segment` };
  }
  const name = segments[segments.length - 1];
  const dirs = segments.slice(0, -1);
  const partitions = dirs.filter((d) => _PARTITION_RE.test(d));
  if (partitions.length === 0) return _parseFlatName(name);
  return _parseHive(relPath, dirs, name);
}

function _parseHive(relPath: string, dirs: string[], name: string): BronzePathParse {
  const tail = dirs.slice(-4);
  const keys = tail.map((d) => _PARTITION_RE.exec(d)?.[1]);
  const expected = ["exchange", "type", "date", "symbol"];
  if (tail.length !== 4 || keys.some((k, i) => k !== expected[i])) {
    return {
      ok: false,
      reason: `"${relPath}" has partition folders but not ` +
        `exchange=/type=/date=/symbol= in that order`,
    };
  }
  const prefix = dirs.slice(0, -4);
  if (prefix.some((d) => _PARTITION_RE.test(d))) {
    return { ok: false, reason: `"${relPath}" has unexpected partition folders before exchange=` };
  }
  const vendor = prefix.length > 0 ? prefix[prefix.length - 1] : "tardis";
  if (vendor !== "tardis") {
    return { ok: false, reason: `"${relPath}" is under "${vendor}/", expected "tardis/"` };
  }
  const [exchange, dataType, date, symbol] = tail.map((d) => _PARTITION_RE.exec(d)![2]);
  for (
    const [k, v] of [["exchange", exchange], ["type", dataType], ["date", date], ["symbol", symbol]]
  ) {
    if (v === "") return { ok: false, reason: `"${relPath}" has an empty ${k}= value` };
  }
  if (!/^[a-z0-9-]+$/.test(exchange)) {
    return {
      ok: false,
      reason: `exchange "${exchange}" must be lower-case letters, digits and "-"`,
    };
  }
  if (!/^[A-Za-z0-9_]+$/.test(dataType)) {
    return { ok: false, reason: `type "${dataType}" must be letters, digits and "_"` };
  }
  if (!_isCalendarDate(date)) return { ok: false, reason: `"${date}" is not a calendar date` };
  const flat = _parseFlatName(name);
  if (!flat.ok) return { ok: false, reason: `file name: ${flat.reason}` };
  const f = flat.info;
  const sameSymbol = f.symbol === symbol || f.symbol === _sanitizeSymbol(symbol);
  if (f.exchange !== exchange || f.data_type !== dataType || f.date !== date || !sameSymbol) {
    return {
      ok: false,
      reason: `file name "${name}" disagrees with its folders ` +
        `(exchange=${exchange}, type=${dataType}, date=${date}, symbol=${symbol})`,
    };
  }
  return {
    ok: true,
    info: { layout: "hive", vendor, exchange, data_type: dataType, symbol, date, gzip: f.gzip },
  };
}

/**
 * The hive path of a file, relative to the bronze root (the inverse of
 * {@linkcode parseBronzePath} for the hive layout).
 *
 * @param info Exchange, data type, date and symbol.
 * @returns `tardis/exchange=.../type=.../date=.../symbol=.../{e}_{t}_{d}_{s}.csv.gz`.
 * @example
 * ```ts
 * import { hiveBronzePath, parseBronzePath } from "./bronze_layout.ts";
 * const p = hiveBronzePath({ exchange: "deribit", data_type: "quotes", date: "2024-07-30", symbol: "BTC-PERPETUAL" });
 * const back = parseBronzePath(p);
 * if (!back.ok || back.info.layout !== "hive") throw new Error("not round-tripped");
 * ```
 */
export function hiveBronzePath(
  info: Pick<BronzePathInfo, "exchange" | "data_type" | "date" | "symbol">,
): string {
  const { exchange, data_type, date, symbol } = info;
  const safe = _sanitizeSymbol(symbol);
  return `tardis/exchange=${exchange}/type=${data_type}/date=${date}/symbol=${safe}/` +
    `${flatBronzeName(info)}`;
}

/**
 * The Tardis client's flat file name of a file.
 *
 * @param info Exchange, data type, date and symbol.
 * @returns `{exchange}_{data_type}_{date}_{symbol}.csv.gz` with `:\/?*<>|"` written as `-`.
 * @example
 * ```ts
 * import { flatBronzeName } from "./bronze_layout.ts";
 * const name = flatBronzeName({ exchange: "okx", data_type: "trades", date: "2024-01-02", symbol: "BTC/USDT" });
 * if (name !== "okx_trades_2024-01-02_BTC-USDT.csv.gz") throw new Error(name);
 * ```
 */
export function flatBronzeName(
  info: Pick<BronzePathInfo, "exchange" | "data_type" | "date" | "symbol">,
): string {
  return `${info.exchange}_${info.data_type}_${info.date}_${_sanitizeSymbol(info.symbol)}.csv.gz`;
}

/** Folder (relative to the bronze root) that holds Tardis instrument metadata files. */
export const INSTRUMENTS_DIR = "tardis/instruments";

/**
 * Whether a bronze path is an instrument-metadata file (`tardis/instruments/**.json`), which
 * feeds `dim_symbol` rather than an event table.
 *
 * @param relPath Path relative to the bronze root.
 * @returns True for JSON files under {@linkcode INSTRUMENTS_DIR}.
 * @example
 * ```ts
 * import { isInstrumentsPath } from "./bronze_layout.ts";
 * if (!isInstrumentsPath("tardis/instruments/2024-07-30.json")) throw new Error("missed");
 * ```
 */
export function isInstrumentsPath(relPath: string): boolean {
  return relPath.startsWith(`${INSTRUMENTS_DIR}/`) && relPath.endsWith(".json") &&
    !relPath.split("/").includes("..");
}
