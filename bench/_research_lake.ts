/**
 * A synthetic lake for the research read benchmarks: `dim_symbol` with binance BTCUSDT (one
 * version) and `trades` generated in Polars (no CSV, no ingest: the reader is what is
 * measured), written with the Delta writer partitioned by exchange and date like the real
 * tables, rows sorted by `(symbol_id, ts_local_us)` as ingest writes them.
 *
 * @module
 */
import pl from "nodejs-polars";
import { tablePath } from "../src/config.ts";
import { DIM_SYMBOL_SCHEMA, OPEN_END_TS } from "../src/domain/dim_symbol.ts";
import { int64Series } from "../src/domain/int64.ts";
import { symbolId } from "../src/domain/symbol_id.ts";
import { conformToSchema } from "../src/domain/table_schema.ts";
import { TRADES_SCHEMA } from "../src/domain/trades.ts";
import { writeDelta } from "../src/io/delta/write_delta.ts";

/** The first day of the generated data (UTC midnight, µs). */
export const FIRST_DAY_US = Date.parse("2024-05-01T00:00:00Z") * 1000;
const _DAY_US = 86_400_000_000;
const _LISTED = BigInt(Date.parse("2024-01-01T00:00:00Z")) * 1000n;

/** The generated symbol. */
export const SYMBOL = { exchange: "binance", symbol: "BTCUSDT" } as const;

/** The ISO date of day `i` after {@linkcode FIRST_DAY_US}. */
export function dayIso(i: number): string {
  return new Date((FIRST_DAY_US + i * _DAY_US) / 1000).toISOString().slice(0, 10);
}

function _dim(id: bigint): pl.DataFrame {
  return conformToSchema(
    pl.DataFrame({
      symbol_id: int64Series("symbol_id", [id]),
      exchange_id: [1],
      exchange: ["binance"],
      exchange_symbol: ["BTCUSDT"],
      base_asset: ["BTC"],
      quote_asset: ["USDT"],
      asset_type: [0],
      tick_size: [0.01],
      lot_size: [0.001],
      price_increment: [0.01],
      amount_increment: [0.001],
      contract_size: [1],
      expiry_ts: pl.Series("expiry_ts", [null], pl.Int64),
      valid_from_ts: int64Series("valid_from_ts", [_LISTED]),
      valid_until_ts: int64Series("valid_until_ts", [OPEN_END_TS]),
      is_current: [true],
    }),
    DIM_SYMBOL_SCHEMA,
  );
}

/** One day of trades: `rows` trades spread over the day, a random walk of prices. */
function _day(id: bigint, day: number, rows: number, fileId: number): pl.DataFrame {
  const start = FIRST_DAY_US + day * _DAY_US;
  const step = Math.floor(_DAY_US / rows);
  const i = pl.col("i");
  return pl.DataFrame({ i: pl.intRange(0, rows, 1, pl.Int64, true) })
    .lazy()
    .select(
      pl.lit(dayIso(day)).str.strptime(pl.Date, "%Y-%m-%d").alias("date"),
      pl.lit("binance").alias("exchange"),
      pl.lit(1).cast(pl.Int16).alias("exchange_id"),
      pl.lit(String(id)).cast(pl.Int64).alias("symbol_id"),
      i.mul(step).add(pl.lit(start)).alias("ts_local_us"),
      i.mul(step).add(pl.lit(start - 1500)).alias("ts_exch_us"),
      pl.lit(fileId).cast(pl.Int64).alias("file_id"),
      i.add(2).alias("file_line_number"),
      pl.format("{}", i.add(pl.lit(day * 100_000_000))).alias("trade_id"),
      i.modulo(2).cast(pl.Int8).alias("side"),
      // about 64,000.00 with a slow wave, in 0.01 units; sizes 0.001 .. 0.999
      pl.lit(6_400_000).add(i.modulo(20_000).sub(10_000)).alias("px_int"),
      i.mul(7919).modulo(999).add(1).alias("qty_int"),
    )
    .collectSync();
}

/**
 * Write the lake: `days` days of `rowsPerDay` trades each.
 *
 * @param root The lake root (created).
 * @param days Days of trades, from {@linkcode FIRST_DAY_US}.
 * @param rowsPerDay Trades per day.
 * @returns The lake root.
 */
export async function writeResearchLake(
  root: string,
  days: number,
  rowsPerDay: number,
): Promise<string> {
  const id = symbolId(1, "BTCUSDT", _LISTED);
  await writeDelta(tablePath("dim_symbol", root), _dim(id), { mode: "error" });
  for (let d = 0; d < days; d++) {
    const frame = conformToSchema(_day(id, d, rowsPerDay, d + 1), TRADES_SCHEMA);
    await writeDelta(tablePath("trades", root), frame, {
      mode: "append",
      partitionBy: ["exchange", "date"],
    });
  }
  return root;
}
