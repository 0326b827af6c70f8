/**
 * A deterministic sample bronze folder in real Tardis formats, for the demo, tests and
 * benchmarks.
 *
 * {@linkcode writeSampleBronze} writes, for a few exchanges, symbols and days, one gzip CSV per
 * data type (trades, quotes, incremental_book_L2, book_snapshot_25, derivative_ticker,
 * liquidations) with the exact Tardis headers, plus an instruments JSON
 * (`tardis/instruments/<effective µs>.json`, a `/v1/instruments` array) in which binance-futures
 * BTCUSDT changes its tick size in the middle of the second day (`changes[]` entry). Binance
 * files use the hive layout, deribit files the Tardis client's flat names under `datasets/`.
 *
 * Every price is a whole number of the tick size in force at its time (prices are multiples of
 * the coarser 0.5 tick), every amount a whole number of the amount increment, and every row's
 * `local_timestamp` lies inside the day of its path. The same options always give the same
 * bytes.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { flatBronzeName, hiveBronzePath, INSTRUMENTS_DIR } from "../io/bronze_layout.ts";
import type { ObjectStorage } from "../io/delta/storage.ts";
import { storageForUri, type StorageOptions } from "../io/delta/storage_for_uri.ts";
import { seededRandom } from "./seeded_random.ts";

/** Tardis data types the sample covers, with their exact CSV headers (first four columns shared). */
export const SAMPLE_DATA_TYPES = [
  "trades",
  "quotes",
  "incremental_book_L2",
  "book_snapshot_25",
  "derivative_ticker",
  "liquidations",
] as const;

/** A Tardis data type the sample generator can write. */
export type SampleDataType = typeof SAMPLE_DATA_TYPES[number];

/** One instrument of the sample. */
export interface SampleInstrument {
  /** Exchange name. */
  exchange: string;
  /** Exchange symbol (Tardis `datasetId`). */
  symbol: string;
  /** Base asset. */
  base: string;
  /** Quote asset. */
  quote: string;
  /** Current price increment. */
  tick: number;
  /** Amount increment. */
  lot: number;
  /** Contract multiplier. */
  contractSize: number;
  /** Typical price. */
  price: number;
  /** Bronze layout of its files. */
  layout: "hive" | "flat";
}

/** The instruments of the sample. */
export const SAMPLE_INSTRUMENTS: readonly SampleInstrument[] = [
  {
    exchange: "binance-futures",
    symbol: "BTCUSDT",
    base: "BTC",
    quote: "USDT",
    tick: 0.1,
    lot: 0.001,
    contractSize: 1,
    price: 66000,
    layout: "hive",
  },
  {
    exchange: "binance-futures",
    symbol: "ETHUSDT",
    base: "ETH",
    quote: "USDT",
    tick: 0.01,
    lot: 0.001,
    contractSize: 1,
    price: 3300,
    layout: "hive",
  },
  {
    exchange: "deribit",
    symbol: "BTC-PERPETUAL",
    base: "BTC",
    quote: "USD",
    tick: 0.5,
    lot: 10,
    contractSize: 10,
    price: 66000,
    layout: "flat",
  },
];

/** Days of the sample. */
export const SAMPLE_DAYS: readonly string[] = ["2024-07-30", "2024-07-31"];

/** When BTCUSDT's tick size changes from 0.5 to 0.1 (inside the second sample day), µs. */
export const SAMPLE_TICK_CHANGE_US: number = Date.UTC(2024, 6, 31, 12, 0, 0) * 1000;

/** When the sample's instrument list was fetched (after the sample days), µs. */
export const SAMPLE_INSTRUMENTS_EFFECTIVE_US: number = Date.UTC(2024, 7, 1) * 1000;

/** The coarser tick of BTCUSDT before {@linkcode SAMPLE_TICK_CHANGE_US}. */
const _OLD_BTCUSDT_TICK = 0.5;

/** Options of {@linkcode sampleTardisCsv}. */
export interface SampleCsvOptions {
  /** Exchange name written in every row. */
  exchange: string;
  /** Symbol written in every row. */
  symbol: string;
  /** Day `YYYY-MM-DD`; every `local_timestamp` falls inside it. */
  date: string;
  /** Number of data rows. @default {400} */
  rows?: number;
  /** PRNG seed. @default {1} */
  seed?: number;
  /** Price grid: every price is a whole multiple of it. @default {0.5} */
  priceStep?: number;
  /** Amount increment: every amount is a whole multiple of it. @default {0.001} */
  lot?: number;
  /** Starting price. @default {66000} */
  price?: number;
  /**
   * Only rows `from` (inclusive) to `to` (exclusive) of the `rows`-row file, without the header
   * unless `from` is 0: a large file written block by block (each block restarts its price walk
   * from `price`, with seed `seed + from`). @default {the whole file}
   */
  range?: { from: number; to: number };
}

/** Exact Tardis CSV headers. */
export const TARDIS_HEADERS: Readonly<Record<SampleDataType, string>> = {
  trades: "exchange,symbol,timestamp,local_timestamp,id,side,price,amount",
  quotes: "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount",
  incremental_book_L2: "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount",
  book_snapshot_25: "exchange,symbol,timestamp,local_timestamp," +
    Array.from(
      { length: 25 },
      (_, i) => `asks[${i}].price,asks[${i}].amount,bids[${i}].price,bids[${i}].amount`,
    ).join(","),
  derivative_ticker: "exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate," +
    "predicted_funding_rate,open_interest,last_price,index_price,mark_price",
  liquidations: "exchange,symbol,timestamp,local_timestamp,id,side,price,amount",
};

/** Format `units * step` without binary noise and without trailing zeros. */
function _fmt(units: number, step: number): string {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  const scale = 10 ** decimals;
  const k = Math.round(step * scale);
  const scaled = units * k;
  if (Math.abs(k - step * scale) > 1e-9 || !Number.isSafeInteger(scaled) || scaled < 0) {
    return Number((units * step).toFixed(decimals)).toString();
  }
  // Integer arithmetic (same text as toFixed, several times faster for large files).
  const whole = Math.floor(scaled / scale);
  let frac = scaled - whole * scale;
  if (frac === 0) return String(whole);
  let digits = decimals;
  while (frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  return `${whole}.${String(frac).padStart(digits, "0")}`;
}

/** The string hash of a text (FNV-1a), for per-file seeds. */
function _hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * One deterministic Tardis CSV file (header and LF-terminated rows) as text.
 *
 * @param dataType Which Tardis data type.
 * @param options Exchange, symbol, day, row count and value grids.
 * @returns The CSV text, ending with a newline.
 * @example
 * ```ts
 * import { sampleTardisCsv } from "./sample_bronze.ts";
 * const csv = sampleTardisCsv("trades", { exchange: "deribit", symbol: "BTC-PERPETUAL", date: "2024-07-30", rows: 3 });
 * const lines = csv.trimEnd().split("\n");
 * if (lines.length !== 4 || !lines[1].startsWith("deribit,BTC-PERPETUAL,")) throw new Error(csv);
 * ```
 */
export function sampleTardisCsv(dataType: SampleDataType, options: SampleCsvOptions): string {
  const { exchange, symbol, date } = options;
  const n = options.rows ?? 400;
  const from = options.range?.from ?? 0;
  const to = Math.min(n, options.range?.to ?? n);
  const rand = seededRandom((options.seed ?? 1) + from);
  const step = options.priceStep ?? 0.5;
  const lot = options.lot ?? 0.001;
  let mid = Math.round((options.price ?? 66000) / step);
  const dayStartUs = Date.parse(`${date}T00:00:00Z`) * 1000;
  const spanUs = 86_400_000_000 - 2_000_000;
  const out: string[] = from === 0 ? [TARDIS_HEADERS[dataType]] : [];
  const px = (units: number) => _fmt(units, step);
  const qty = (units: number) => _fmt(units, lot);
  const times = (i: number) => {
    const local = dayStartUs + 1_000_000 + Math.floor(((i + rand()) * spanUs) / n);
    return [local - 1000 - Math.floor(rand() * 4000), local];
  };
  const walk = () => {
    const r = rand();
    mid += r < 0.45 ? -1 : r > 0.55 ? 1 : 0;
    if (mid < 10) mid = 10;
  };
  const prefix = `${exchange},${symbol}`;
  if (dataType === "incremental_book_L2" && from === 0) {
    const [e0, l0] = times(0);
    for (let k = 1; k <= 25 && out.length <= n; k++) {
      out.push(
        `${prefix},${e0},${l0},true,bid,${px(mid - k)},${qty(1 + Math.floor(rand() * 900))}`,
      );
    }
    for (let k = 1; k <= 25 && out.length <= n; k++) {
      out.push(
        `${prefix},${e0},${l0},true,ask,${px(mid + k)},${qty(1 + Math.floor(rand() * 900))}`,
      );
    }
  }
  for (let i = from === 0 ? out.length - 1 : from; i < to; i++) {
    walk();
    const [exch, local] = times(i);
    const head = `${prefix},${exch},${local}`;
    switch (dataType) {
      case "trades":
      case "liquidations": {
        const side = rand() < 0.5 ? "buy" : "sell";
        const id = dataType === "trades" ? String(1_000_000 + i) : `liq-${date}-${i}`;
        out.push(`${head},${id},${side},${px(mid)},${qty(1 + Math.floor(rand() * 500))}`);
        break;
      }
      case "quotes": {
        const askQty = qty(1 + Math.floor(rand() * 900));
        const bidQty = qty(1 + Math.floor(rand() * 900));
        out.push(`${head},${askQty},${px(mid + 1)},${px(mid)},${bidQty}`);
        break;
      }
      case "incremental_book_L2": {
        const bid = rand() < 0.5;
        const level = 1 + Math.floor(rand() * 25);
        const amount = rand() < 0.15 ? "0" : qty(1 + Math.floor(rand() * 900));
        const price = bid ? px(mid - level) : px(mid + level);
        out.push(`${head},false,${bid ? "bid" : "ask"},${price},${amount}`);
        break;
      }
      case "book_snapshot_25": {
        const cells: string[] = [];
        for (let k = 0; k < 25; k++) {
          cells.push(px(mid + 1 + k), qty(1 + Math.floor(rand() * 900)));
          cells.push(px(mid - k), qty(1 + Math.floor(rand() * 900)));
        }
        out.push(`${head},${cells.join(",")}`);
        break;
      }
      case "derivative_ticker": {
        const fundingUs = Math.ceil((local + 1) / 28_800_000_000) * 28_800_000_000;
        const rate = (rand() * 2e-4 - 5e-5).toFixed(8);
        const predicted = (rand() * 2e-4 - 5e-5).toFixed(8);
        const oi = (50_000 + Math.floor(rand() * 10_000)).toString();
        const mark = (mid * step + rand() - 0.5).toFixed(2);
        const index = (mid * step + rand() - 0.5).toFixed(2);
        out.push(`${head},${fundingUs},${rate},${predicted},${oi},${px(mid)},${index},${mark}`);
        break;
      }
    }
  }
  return out.length === 0 ? "" : out.join("\n") + "\n";
}

/** Options of {@linkcode writeSampleBronze}. */
export interface WriteSampleBronzeOptions {
  /** Data rows per trades/quotes/L2 file (other types get fewer). @default {400} */
  rows?: number;
  /** Base PRNG seed. @default {7} */
  seed?: number;
  /**
   * Storage options of a remote bronze URI (`s3://`), keyed as in delta-rs; missing keys come
   * from the AWS environment variables. @default {undefined}
   */
  storageOptions?: StorageOptions;
}

/** What {@linkcode writeSampleBronze} wrote. */
export interface SampleBronzeResult {
  /** Data files, relative to the bronze root, sorted. */
  files: string[];
  /** The instruments JSON, relative to the bronze root. */
  instrumentsPath: string;
  /** The instruments JSON (an array of `/v1/instruments` objects). */
  instruments: unknown[];
}

/** The rows of a data type for a base row count. */
function _rowsFor(dataType: SampleDataType, rows: number): number {
  switch (dataType) {
    case "book_snapshot_25":
    case "derivative_ticker":
      return Math.max(1, Math.floor(rows / 4));
    case "liquidations":
      return Math.max(1, Math.floor(rows / 20));
    default:
      return rows;
  }
}

/**
 * The sample's `/v1/instruments` objects; BTCUSDT carries a `changes[]` entry (tick 0.5 until
 * {@linkcode SAMPLE_TICK_CHANGE_US}).
 *
 * @returns An array of instrument objects.
 * @example
 * ```ts
 * import { sampleInstruments } from "./sample_bronze.ts";
 * const btc = sampleInstruments().find((i) => (i as { id: string }).id === "BTCUSDT") as { changes: unknown[] };
 * if (btc.changes.length !== 1) throw new Error("no tick change");
 * ```
 */
export function sampleInstruments(): unknown[] {
  return SAMPLE_INSTRUMENTS.map((s) => ({
    id: s.symbol,
    datasetId: s.symbol,
    exchange: s.exchange,
    baseCurrency: s.base,
    quoteCurrency: s.quote,
    type: "perpetual",
    active: true,
    availableSince: "2019-09-08T00:00:00.000Z",
    priceIncrement: s.tick,
    amountIncrement: s.lot,
    minTradeAmount: s.lot,
    contractMultiplier: s.contractSize,
    changes: s.symbol === "BTCUSDT"
      ? [{
        until: new Date(SAMPLE_TICK_CHANGE_US / 1000).toISOString(),
        priceIncrement: _OLD_BTCUSDT_TICK,
      }]
      : [],
  }));
}

/**
 * Write the deterministic sample bronze folder.
 *
 * @param bronze The bronze root to write into: a folder (created if missing), an `s3://`
 * prefix, or a storage rooted there. Existing sample files are overwritten with identical
 * bytes.
 * @param options Row count, seed, storage options.
 * @returns The written paths, relative to the bronze root.
 * @example
 * ```ts
 * import { writeSampleBronze } from "./sample_bronze.ts";
 * const dir = await Deno.makeTempDir();
 * const res = await writeSampleBronze(dir, { rows: 20 });
 * await Deno.remove(dir, { recursive: true });
 * if (res.files.length !== 36) throw new Error(`${res.files.length} files`);
 * ```
 */
export async function writeSampleBronze(
  bronze: string | ObjectStorage,
  options: WriteSampleBronzeOptions = {},
): Promise<SampleBronzeResult> {
  const storage = typeof bronze === "string"
    ? storageForUri(bronze, { storageOptions: options.storageOptions })
    : bronze;
  const rows = options.rows ?? 400;
  const seed = options.seed ?? 7;
  const files: string[] = [];
  for (const inst of SAMPLE_INSTRUMENTS) {
    // BTCUSDT prices stay on the coarser pre-change grid so they are valid on both sides.
    const priceStep = inst.symbol === "BTCUSDT" ? _OLD_BTCUSDT_TICK : inst.tick;
    for (const date of SAMPLE_DAYS) {
      for (const dataType of SAMPLE_DATA_TYPES) {
        const info = { exchange: inst.exchange, data_type: dataType, date, symbol: inst.symbol };
        const rel = inst.layout === "hive"
          ? hiveBronzePath(info)
          : `datasets/${flatBronzeName(info)}`;
        const csv = sampleTardisCsv(dataType, {
          exchange: inst.exchange,
          symbol: inst.symbol,
          date,
          rows: _rowsFor(dataType, rows),
          seed: (seed ^ _hash(rel)) >>> 0,
          priceStep,
          lot: inst.lot,
          price: inst.price,
        });
        // mtime 0 in the gzip header keeps the bytes (and the sha256) deterministic.
        const gz = gzipSync(new TextEncoder().encode(csv), { level: 6 });
        await storage.put(rel, new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength), {
          overwrite: true,
        });
        files.push(rel);
      }
    }
  }
  const instruments = sampleInstruments();
  const instrumentsPath = `${INSTRUMENTS_DIR}/${SAMPLE_INSTRUMENTS_EFFECTIVE_US}.json`;
  await storage.put(
    instrumentsPath,
    new TextEncoder().encode(JSON.stringify(instruments, null, 2) + "\n"),
    { overwrite: true },
  );
  files.sort();
  return { files, instrumentsPath, instruments };
}
