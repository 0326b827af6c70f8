/**
 * Deterministic `symbol_id` values for `dim_symbol` versions.
 *
 * A `symbol_id` is the 64-bit FNV-1a hash of the UTF-8 bytes of
 * `"{exchange_id}|{exchange_symbol}|{valid_from_ts}"` (integers in plain decimal, `-` for a
 * negative value), read as a **signed** Int64 (two's complement). FNV-1a is specified
 * byte-by-byte, so the value is the same on every run, platform and rebuild. The hash is
 * computed in pure TypeScript on two 32-bit words (no BigInt in the inner loop); for a frame,
 * Polars formats the inputs and hands them over as one string.
 *
 * Uniqueness: distinct versions give distinct inputs; a 64-bit collision among a million
 * versions has a probability of about 3e-8, and `validateDimSymbol` reports any duplicate id.
 *
 * @example
 * ```ts
 * import { symbolId } from "./symbol_id.ts";
 * const id = symbolId(2, "BTCUSDT", 1582329600000000n);
 * if (id !== symbolId(2, "BTCUSDT", 1582329600000000n)) throw new Error("not deterministic");
 * if (id === symbolId(2, "BTCUSDT", 1582329600000001n)) throw new Error("ignores valid_from_ts");
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import { int64Series } from "./int64.ts";
import type { DataFrame, Series } from "../polars_types.ts";

// FNV-1a 64 offset basis 0xcbf29ce484222325 as two 32-bit words.
const _BASIS_LOW = 0x84222325;
const _BASIS_HIGH = 0xcbf29ce4;
const _PRIME_LOW = 0x1b3; // prime = 2^40 + 0x1b3
const _LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// Rows hashed per Polars round trip: bounds the one JS string that carries their text.
const _CHUNK_ROWS = 1 << 20;

/** One FNV-1a 64 step on unsigned 32-bit words: the same arithmetic as `codePoints`. */
function _step(low: number, high: number, b: number): [number, number] {
  const x = low ^ b;
  const p0 = (x & 0xffff) * _PRIME_LOW;
  const p1 = (x >>> 16) * _PRIME_LOW + (p0 >>> 16);
  return [
    ((p1 << 16) | (p0 & 0xffff)) >>> 0,
    (Math.imul(high, _PRIME_LOW) + (p1 >>> 16) + (x << 8)) >>> 0,
  ];
}

/** Incremental FNV-1a 64 state over two 32-bit words (unsigned). */
class _Fnv64 {
  low = 0;
  high = 0;

  reset(): void {
    this.low = _BASIS_LOW;
    this.high = _BASIS_HIGH;
  }

  byte(b: number): void {
    const [low, high] = _step(this.low, this.high, b);
    this.low = low;
    this.high = high;
  }

  /** Feed the UTF-8 bytes of `count` code points of `s` from UTF-16 index `at`; returns the
   * index after them. */
  codePoints(s: string, at: number, count: number): number {
    // The ASCII loop works on int32 locals, inlined (the hot path: symbols and decimals).
    let low = this.low | 0;
    let high = this.high | 0;
    let i = at;
    const end = at + count;
    for (; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      // h ^= c; h *= 2^40 + 0x1b3 (mod 2^64), on 16-bit halves of the low word so every
      // product stays exact; 2^40 moves the low word into the high one shifted by 8 bits.
      const x = low ^ c;
      const p0 = (x & 0xffff) * _PRIME_LOW;
      const p1 = (x >>> 16) * _PRIME_LOW + (p0 >>> 16);
      low = (p1 << 16) | (p0 & 0xffff);
      high = (Math.imul(high, _PRIME_LOW) + (p1 >>> 16) + (x << 8)) | 0;
    }
    this.low = low >>> 0;
    this.high = high >>> 0;
    return i === end ? i : this._multiByte(s, i, end - i);
  }

  /** `codePoints` from the first non-ASCII character on. */
  _multiByte(s: string, at: number, count: number): number {
    let i = at;
    for (let k = 0; k < count; k++) {
      // Polars strings are valid UTF-8, so a high surrogate is always followed by a low one.
      const cp = s.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      if (cp < 0x80) {
        this.byte(cp);
        continue;
      }
      if (cp < 0x800) {
        this.byte(0xc0 | (cp >> 6));
      } else {
        if (cp < 0x10000) {
          this.byte(0xe0 | (cp >> 12));
        } else {
          this.byte(0xf0 | (cp >> 18));
          this.byte(0x80 | ((cp >> 12) & 0x3f));
        }
        this.byte(0x80 | ((cp >> 6) & 0x3f));
      }
      this.byte(0x80 | (cp & 0x3f));
    }
    return i;
  }

  /** Feed a whole string as UTF-8. */
  text(s: string): void {
    // Code points <= UTF-16 units: stops at the end of `s` (charCodeAt past it is NaN).
    let i = 0;
    while (i < s.length) i = this.codePoints(s, i, 1);
  }
}

function _hashInto(
  state: _Fnv64,
  exchangeId: number | bigint,
  exchangeSymbol: string,
  validFromTs: number | bigint,
): void {
  state.reset();
  state.text(String(exchangeId));
  state.byte(0x7c); // "|"
  state.text(exchangeSymbol);
  state.byte(0x7c);
  state.text(String(validFromTs));
}

/**
 * The `symbol_id` of one version.
 *
 * @param exchangeId Registry id of the exchange.
 * @param exchangeSymbol Vendor symbol.
 * @param validFromTs Start of the version, µs since epoch.
 * @returns The signed 64-bit id.
 * @example
 * ```ts
 * import { symbolId } from "./symbol_id.ts";
 * if (typeof symbolId(1, "BTCUSDT", 0n) !== "bigint") throw new Error("ids are bigints");
 * ```
 */
export function symbolId(exchangeId: number, exchangeSymbol: string, validFromTs: bigint): bigint {
  const state = new _Fnv64();
  _hashInto(state, exchangeId, exchangeSymbol, validFromTs);
  return BigInt.asIntN(64, (BigInt(state.high) << 32n) | BigInt(state.low));
}

/** Column names read by {@linkcode symbolIds}. */
export interface SymbolIdsOptions {
  /** Exchange id column. @default {"exchange_id"} */
  exchangeIdColumn?: string;
  /** Exchange symbol column. @default {"exchange_symbol"} */
  symbolColumn?: string;
  /** Version start column (Int64 µs). @default {"valid_from_ts"} */
  validFromColumn?: string;
}

/**
 * The `symbol_id` of every row of a frame, as an Int64 series named `symbol_id`.
 *
 * @param df Rows with the exchange id, exchange symbol and version start columns.
 * @param options Column names.
 * @returns An Int64 series aligned with `df`.
 * @throws {TypeError} When a column is missing or holds nulls.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { symbolId, symbolIds } from "./symbol_id.ts";
 * const df = pl.DataFrame({
 *   exchange_id: pl.Series("exchange_id", [2], pl.Int16),
 *   exchange_symbol: ["BTCUSDT"],
 *   valid_from_ts: pl.Series("valid_from_ts", [5], pl.Int64),
 * });
 * const ids = symbolIds(df).toTypedArray() as BigInt64Array;
 * if (ids[0] !== symbolId(2, "BTCUSDT", 5n)) throw new Error("vectorised id differs");
 * ```
 */
export function symbolIds(df: DataFrame, options: SymbolIdsOptions = {}): Series {
  const {
    exchangeIdColumn = "exchange_id",
    symbolColumn = "exchange_symbol",
    validFromColumn = "valid_from_ts",
  } = options;
  const [exchangeIdSeries, symbolSeries, validFromSeries] = [
    exchangeIdColumn,
    symbolColumn,
    validFromColumn,
  ].map((name) => {
    if (!df.columns.includes(name)) {
      throw new TypeError(`Cannot compute symbol ids: column "${name}" is missing`);
    }
    const series = df.getColumn(name);
    if (series.nullCount() > 0) {
      throw new TypeError(`Cannot compute symbol ids: column "${name}" has null values`);
    }
    return series;
  });
  const out = new BigInt64Array(df.height);
  const words = new Uint32Array(out.buffer);
  const [lo, hi] = _LITTLE_ENDIAN ? [0, 1] : [1, 0];
  const state = new _Fnv64();
  // Numbers come over as typed arrays, symbols as one concatenated string plus per-row
  // lengths: a few conversions, not one per row. The state after "{exchange_id}|" and the
  // text of the last valid_from_ts are reused (both repeat a lot).
  const prefixes = new Map<number, [number, number]>();
  let lastFrom = 0n;
  let lastFromText = "0";
  // Each nodejs-polars call costs tens of µs: no slice or cast that changes nothing.
  const part = (series: pl.Series, offset: number, dtype: pl.DataType) =>
    _as(df.height <= _CHUNK_ROWS ? series : series.slice(offset, _CHUNK_ROWS), dtype);
  for (let offset = 0; offset < df.height; offset += _CHUNK_ROWS) {
    const exchangeIds = part(exchangeIdSeries, offset, pl.Int32).toTypedArray();
    const froms = part(validFromSeries, offset, pl.Int64).toTypedArray() as BigInt64Array;
    const symbols = part(symbolSeries, offset, pl.String);
    // `str.lengths` counts code points, which `codePoints` consumes.
    const lengths = symbols.str.lengths().toTypedArray() as Uint32Array;
    const joined = symbols.str.concat("").get(0) as string;
    let at = 0;
    for (let i = 0; i < lengths.length; i++) {
      const exchangeId = exchangeIds[i];
      let prefix = prefixes.get(exchangeId);
      if (prefix === undefined) {
        state.reset();
        state.text(String(exchangeId));
        state.byte(0x7c); // "|"
        prefix = [state.low, state.high];
        prefixes.set(exchangeId, prefix);
      }
      state.low = prefix[0];
      state.high = prefix[1];
      at = state.codePoints(joined, at, lengths[i]);
      state.byte(0x7c);
      if (froms[i] !== lastFrom) {
        lastFrom = froms[i];
        lastFromText = String(lastFrom);
      }
      state.codePoints(lastFromText, 0, lastFromText.length);
      words[2 * (offset + i) + lo] = state.low;
      words[2 * (offset + i) + hi] = state.high;
    }
  }
  return int64Series("symbol_id", out);
}

/** `series` cast to `dtype` unless it has that type already. */
function _as(series: pl.Series, dtype: pl.DataType): pl.Series {
  return series.dtype.equals(dtype) ? series : series.cast(dtype);
}
