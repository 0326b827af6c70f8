/**
 * Test helpers for the event-table tests: a hand-built `dim_symbol` frame and a one-call
 * transform of an inline CSV.
 *
 * @module
 */
import pl from "nodejs-polars";
import {
  type EventTableSpec,
  type TransformContext,
  type TransformResult,
  transformTardisFile,
} from "../../src/domain/event_table.ts";

/** One `dim_symbol` version for tests. */
export interface TestVersion {
  symbolId: number;
  exchangeId: number;
  symbol: string;
  from: number;
  until?: number;
  priceIncrement: number;
  amountIncrement: number;
}

/** A minimal `dim_symbol` frame (the columns `resolveSymbolIds` needs). */
export function testDim(versions: TestVersion[]): pl.DataFrame {
  return pl.DataFrame({
    symbol_id: pl.Series("symbol_id", versions.map((v) => v.symbolId), pl.Int64),
    exchange_id: pl.Series("exchange_id", versions.map((v) => v.exchangeId), pl.Int16),
    exchange_symbol: pl.Series("exchange_symbol", versions.map((v) => v.symbol), pl.String),
    valid_from_ts: pl.Series("valid_from_ts", versions.map((v) => v.from), pl.Int64),
    valid_until_ts: pl.Series(
      "valid_until_ts",
      versions.map((v) => v.until ?? 2 ** 53),
      pl.Int64,
    ),
    price_increment: pl.Series("price_increment", versions.map((v) => v.priceIncrement)),
    amount_increment: pl.Series("amount_increment", versions.map((v) => v.amountIncrement)),
  });
}

/** binance-futures BTCUSDT (id 7) with 0.01 / 0.001 increments, valid forever. */
export const BINANCE_FUTURES_DIM: pl.DataFrame = testDim([
  {
    symbolId: 7,
    exchangeId: 2,
    symbol: "BTCUSDT",
    from: 0,
    priceIncrement: 0.01,
    amountIncrement: 0.001,
  },
]);

/** 2020-02-22T00:00:00Z in µs. */
export const DAY_US = 1_582_329_600_000_000;

/** Transform an inline CSV (lines joined by LF) for binance-futures on 2020-02-22. */
export function transformLines(
  spec: EventTableSpec,
  lines: string[],
  ctx: Partial<TransformContext> = {},
): TransformResult {
  return transformTardisFile(spec, new TextEncoder().encode(lines.join("\n") + "\n"), {
    fileId: 11,
    exchange: "binance-futures",
    date: "2020-02-22",
    dim: BINANCE_FUTURES_DIM,
    ...ctx,
  });
}

/** A CSV line prefix `binance-futures,BTCUSDT,ts,ts+100` at `offsetUs` into 2020-02-22. */
export function prefix(offsetUs: number, symbol = "BTCUSDT"): string {
  return `binance-futures,${symbol},${DAY_US + offsetUs},${DAY_US + offsetUs + 100}`;
}

/** The quarantined rules by line number, e.g. `{ 3: "price_positive" }`. */
export function rulesByLine(result: TransformResult): Record<number, string> {
  const lines = result.quarantined.getColumn("file_line_number").toArray() as number[];
  const rules = result.quarantined.getColumn("rule").toArray() as string[];
  return Object.fromEntries(lines.map((line, i) => [Number(line), rules[i]]));
}
