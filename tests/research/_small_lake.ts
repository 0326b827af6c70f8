/**
 * A small lake written with the Delta writer, for the research API tests.
 *
 * - `dim_symbol`: binance BTCUSDT with a tick-size change at 2024-05-01T12:00Z (price
 *   increment 0.1 then 0.01, amount increment 0.001 then 0.0001), binance ETHUSDT, and
 *   coinbase BTC-USD.
 * - `trades`: three commits: v0 = binance 2024-05-01, v1 = binance 2024-05-02,
 *   v2 = coinbase 2024-05-01 (one file per partition).
 * - `quotes`: binance BTCUSDT on 2024-05-01, one commit.
 *
 * Vendor prices are written as the decimal literals a Tardis file would hold; the stored
 * `px_int` values are computed here by hand from the row's own increment.
 */
import pl from "nodejs-polars";
import { DIM_SYMBOL_SCHEMA, OPEN_END_TS } from "../../src/domain/dim_symbol.ts";
import { QUOTES_SCHEMA } from "../../src/domain/quotes.ts";
import { symbolId } from "../../src/domain/symbol_id.ts";
import { conformToSchema } from "../../src/domain/table_schema.ts";
import { TRADES_SCHEMA } from "../../src/domain/trades.ts";
import { writeDelta } from "../../src/io/delta/write_delta.ts";
import { tablePath } from "../../src/config.ts";

/** Microseconds of an ISO time (UTC). */
export function us(iso: string): bigint {
  const [whole, frac = ""] = iso.replace("Z", "").split(".");
  return BigInt(Date.parse(`${whole}Z`)) * 1000n + BigInt((frac + "000000").slice(0, 6));
}

export const CHANGE = us("2024-05-01T12:00:00Z");
const LISTED = us("2024-04-01T00:00:00Z");

export const IDS = {
  btcV1: symbolId(1, "BTCUSDT", LISTED),
  btcV2: symbolId(1, "BTCUSDT", CHANGE),
  eth: symbolId(1, "ETHUSDT", LISTED),
  cbBtc: symbolId(3, "BTC-USD", LISTED),
};

interface Version {
  id: bigint;
  exchangeId: number;
  exchange: string;
  symbol: string;
  base: string;
  quote: string;
  pxInc: number;
  qtyInc: number;
  from: bigint;
  until: bigint;
}

const VERSIONS: Version[] = [
  {
    id: IDS.btcV1,
    exchangeId: 1,
    exchange: "binance",
    symbol: "BTCUSDT",
    base: "BTC",
    quote: "USDT",
    pxInc: 0.1,
    qtyInc: 0.001,
    from: LISTED,
    until: CHANGE,
  },
  {
    id: IDS.btcV2,
    exchangeId: 1,
    exchange: "binance",
    symbol: "BTCUSDT",
    base: "BTC",
    quote: "USDT",
    pxInc: 0.01,
    qtyInc: 0.0001,
    from: CHANGE,
    until: OPEN_END_TS,
  },
  {
    id: IDS.eth,
    exchangeId: 1,
    exchange: "binance",
    symbol: "ETHUSDT",
    base: "ETH",
    quote: "USDT",
    pxInc: 0.01,
    qtyInc: 0.001,
    from: LISTED,
    until: OPEN_END_TS,
  },
  {
    id: IDS.cbBtc,
    exchangeId: 3,
    exchange: "coinbase",
    symbol: "BTC-USD",
    base: "BTC",
    quote: "USD",
    pxInc: 0.01,
    qtyInc: 0.00000001,
    from: LISTED,
    until: OPEN_END_TS,
  },
];

/** One vendor trade: which version, when, price and amount as the vendor wrote them. */
export interface VendorTrade {
  v: Version;
  ts: string;
  px: number;
  qty: number;
  side: number;
}

const [BTC1, BTC2, ETH, CB] = VERSIONS;

/** Every trade of the lake, in the order written. */
export const TRADES: VendorTrade[] = [
  { v: BTC1, ts: "2024-05-01T01:00:00Z", px: 100.1, qty: 0.5, side: 0 },
  { v: BTC1, ts: "2024-05-01T11:59:59.999999Z", px: 100.3, qty: 0.25, side: 1 },
  { v: BTC2, ts: "2024-05-01T12:00:00Z", px: 100.01, qty: 0.1234, side: 0 },
  { v: BTC2, ts: "2024-05-01T12:00:30Z", px: 100.07, qty: 1.5, side: 1 },
  { v: ETH, ts: "2024-05-01T12:00:10Z", px: 3000.55, qty: 2, side: 0 },
  { v: BTC2, ts: "2024-05-02T00:00:10Z", px: 101.05, qty: 0.3, side: 0 },
  { v: BTC2, ts: "2024-05-02T00:00:50Z", px: 101.15, qty: 0.2, side: 1 },
  { v: BTC2, ts: "2024-05-02T00:01:20Z", px: 101.1, qty: 0.7, side: 0 },
  { v: ETH, ts: "2024-05-02T00:00:20Z", px: 3001.01, qty: 1, side: 1 },
  { v: CB, ts: "2024-05-01T12:00:05Z", px: 100.02, qty: 0.00012345, side: 0 },
];

/** One vendor quote of binance BTCUSDT. */
export interface VendorQuote {
  v: Version;
  ts: string;
  bid: number;
  ask: number;
}

export const QUOTES: VendorQuote[] = [
  { v: BTC1, ts: "2024-05-01T00:59:59Z", bid: 100.0, ask: 100.2 },
  { v: BTC1, ts: "2024-05-01T11:59:59.999999Z", bid: 100.2, ask: 100.4 },
  { v: BTC2, ts: "2024-05-01T12:00:20Z", bid: 100.05, ask: 100.06 },
];

function _int64(name: string, values: bigint[]): pl.Series {
  return pl.Series(name, values.map(String)).cast(pl.Int64);
}

function _dim(): pl.DataFrame {
  return conformToSchema(
    pl.DataFrame({
      symbol_id: _int64("symbol_id", VERSIONS.map((v) => v.id)),
      exchange_id: VERSIONS.map((v) => v.exchangeId),
      exchange: VERSIONS.map((v) => v.exchange),
      exchange_symbol: VERSIONS.map((v) => v.symbol),
      base_asset: VERSIONS.map((v) => v.base),
      quote_asset: VERSIONS.map((v) => v.quote),
      asset_type: VERSIONS.map(() => 0),
      tick_size: VERSIONS.map((v) => v.pxInc),
      lot_size: VERSIONS.map((v) => v.qtyInc),
      price_increment: VERSIONS.map((v) => v.pxInc),
      amount_increment: VERSIONS.map((v) => v.qtyInc),
      contract_size: VERSIONS.map(() => 1),
      expiry_ts: pl.Series("expiry_ts", VERSIONS.map(() => null), pl.Int64),
      valid_from_ts: _int64("valid_from_ts", VERSIONS.map((v) => v.from)),
      valid_until_ts: _int64("valid_until_ts", VERSIONS.map((v) => v.until)),
      is_current: VERSIONS.map((v) => v.until === OPEN_END_TS),
    }),
    DIM_SYMBOL_SCHEMA,
  );
}

function _common(rows: { v: Version; ts: string }[], fileId: number): Record<string, pl.Series> {
  const ts = _int64("ts_local_us", rows.map((r) => us(r.ts)));
  return {
    date: ts.cast(pl.Datetime("us")).cast(pl.Date).alias("date"),
    exchange: pl.Series("exchange", rows.map((r) => r.v.exchange)),
    exchange_id: pl.Series("exchange_id", rows.map((r) => r.v.exchangeId), pl.Int16),
    symbol_id: _int64("symbol_id", rows.map((r) => r.v.id)),
    ts_local_us: ts,
    ts_exch_us: ts.alias("ts_exch_us"),
    file_id: pl.Series("file_id", rows.map(() => fileId), pl.Int64),
    file_line_number: pl.Series("file_line_number", rows.map((_, i) => i + 2), pl.Int64),
  };
}

function _trades(rows: VendorTrade[], fileId: number): pl.DataFrame {
  return conformToSchema(
    pl.DataFrame({
      ..._common(rows, fileId),
      trade_id: rows.map((_, i) => `t${fileId}-${i}`),
      side: pl.Series("side", rows.map((r) => r.side), pl.Int8),
      px_int: pl.Series("px_int", rows.map((r) => Math.round(r.px / r.v.pxInc)), pl.Int64),
      qty_int: pl.Series("qty_int", rows.map((r) => Math.round(r.qty / r.v.qtyInc)), pl.Int64),
    }),
    TRADES_SCHEMA,
  );
}

function _quotes(rows: VendorQuote[], fileId: number): pl.DataFrame {
  const ints = (f: (r: VendorQuote) => number) => rows.map((r) => Math.round(f(r)));
  return conformToSchema(
    pl.DataFrame({
      ..._common(rows, fileId),
      bid_px_int: pl.Series("bid_px_int", ints((r) => r.bid / r.v.pxInc), pl.Int64),
      bid_qty_int: pl.Series("bid_qty_int", rows.map(() => 1000), pl.Int64),
      ask_px_int: pl.Series("ask_px_int", ints((r) => r.ask / r.v.pxInc), pl.Int64),
      ask_qty_int: pl.Series("ask_qty_int", rows.map(() => 2000), pl.Int64),
    }),
    QUOTES_SCHEMA,
  );
}

/** What the tests need to know about the lake they got. */
export interface SmallLake {
  root: string;
  /** A time after trades v0 committed and before v1 did. */
  betweenV0AndV1: Date;
}

/**
 * Write the small lake under a new temporary folder.
 *
 * @returns The root and a time between the first two trades commits.
 */
export async function writeSmallLake(): Promise<SmallLake> {
  const root = await Deno.makeTempDir({ prefix: "pointline-research-" });
  const partitionBy = ["exchange", "date"];
  await writeDelta(tablePath("dim_symbol", root), _dim(), { mode: "error" });
  const day1 = TRADES.filter((t) => t.v.exchange === "binance" && t.ts.startsWith("2024-05-01"));
  const day2 = TRADES.filter((t) => t.v.exchange === "binance" && t.ts.startsWith("2024-05-02"));
  const coinbase = TRADES.filter((t) => t.v.exchange === "coinbase");
  const trades = tablePath("trades", root);
  await writeDelta(trades, _trades(day1, 1), { mode: "append", partitionBy });
  await new Promise((r) => setTimeout(r, 30));
  const betweenV0AndV1 = new Date();
  await new Promise((r) => setTimeout(r, 30));
  await writeDelta(trades, _trades(day2, 2), { mode: "append", partitionBy });
  await writeDelta(trades, _trades(coinbase, 3), { mode: "append", partitionBy });
  await writeDelta(tablePath("quotes", root), _quotes(QUOTES, 4), { mode: "append", partitionBy });
  return { root, betweenV0AndV1 };
}
