/**
 * Deterministic `symbol_id` values for `dim_symbol` versions.
 *
 * A `symbol_id` is the 64-bit FNV-1a hash of the UTF-8 bytes of
 * `"{exchange_id}|{exchange_symbol}|{valid_from_ts}"` (integers in plain decimal, `-` for a
 * negative value), read as a **signed** Int64 (two's complement). FNV-1a is specified
 * byte-by-byte, so the value is the same on every run, platform and rebuild. The hash is
 * computed in pure TypeScript on 16-bit limbs (no BigInt in the inner loop), vectorised over a
 * frame's columns.
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

// FNV-1a 64 offset basis 0xcbf29ce484222325 as four 16-bit limbs, lowest first.
const _BASIS = [0x2325, 0x8422, 0x9ce4, 0xcbf2] as const;
const _PRIME_LOW = 0x1b3; // prime = 2^40 + 0x1b3
const _LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const _ENCODER = new TextEncoder();

/** Incremental FNV-1a 64 state over 16-bit limbs. */
class _Fnv64 {
  h0 = 0;
  h1 = 0;
  h2 = 0;
  h3 = 0;

  reset(): void {
    this.h0 = _BASIS[0];
    this.h1 = _BASIS[1];
    this.h2 = _BASIS[2];
    this.h3 = _BASIS[3];
  }

  byte(b: number): void {
    // h ^= b; h *= 2^40 + 0x1b3 (mod 2^64). 2^40 shifts limb i into limb i+2 by 8 bits.
    const h0 = this.h0 ^ b;
    const h1 = this.h1;
    const t0 = h0 * _PRIME_LOW;
    const t1 = h1 * _PRIME_LOW + (t0 >>> 16);
    const t2 = this.h2 * _PRIME_LOW + (h0 << 8) + (t1 >>> 16);
    const t3 = this.h3 * _PRIME_LOW + (h1 << 8) + (t2 >>> 16);
    this.h0 = t0 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h2 = t2 & 0xffff;
    this.h3 = t3 & 0xffff;
  }

  /** Feed a string as UTF-8, with an ASCII fast path. */
  text(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        for (const b of _ENCODER.encode(s.slice(i))) this.byte(b);
        return;
      }
      this.byte(c);
    }
  }

  low(): number {
    return ((this.h1 << 16) | this.h0) >>> 0;
  }

  high(): number {
    return ((this.h3 << 16) | this.h2) >>> 0;
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
  return BigInt.asIntN(64, (BigInt(state.high()) << 32n) | BigInt(state.low()));
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
export function symbolIds(df: pl.DataFrame, options: SymbolIdsOptions = {}): pl.Series {
  const {
    exchangeIdColumn = "exchange_id",
    symbolColumn = "exchange_symbol",
    validFromColumn = "valid_from_ts",
  } = options;
  for (const name of [exchangeIdColumn, symbolColumn, validFromColumn]) {
    if (!df.columns.includes(name)) {
      throw new TypeError(`Cannot compute symbol ids: column "${name}" is missing`);
    }
    if (df.getColumn(name).nullCount() > 0) {
      throw new TypeError(`Cannot compute symbol ids: column "${name}" has null values`);
    }
  }
  const n = df.height;
  const exchangeIds = df.getColumn(exchangeIdColumn).cast(pl.Int32).toArray() as number[];
  const symbols = df.getColumn(symbolColumn).cast(pl.Utf8).toArray() as string[];
  const froms = df.getColumn(validFromColumn).cast(pl.Int64).toTypedArray() as BigInt64Array;
  const out = new BigInt64Array(n);
  const words = new Uint32Array(out.buffer);
  const [lo, hi] = _LITTLE_ENDIAN ? [0, 1] : [1, 0];
  const state = new _Fnv64();
  for (let i = 0; i < n; i++) {
    const from = froms[i];
    // Plain decimal either way; Number() is faster for the values that fit exactly.
    const fromText = from >= -9007199254740991n && from <= 9007199254740991n ? Number(from) : from;
    _hashInto(state, exchangeIds[i], symbols[i], fromText);
    words[2 * i + lo] = state.low();
    words[2 * i + hi] = state.high();
  }
  // nodejs-polars builds an Int64 series from a BigInt64Array; its typings omit that overload.
  return pl.Series("symbol_id", out as unknown as number[]);
}
