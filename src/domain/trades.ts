/**
 * The `trades` event table, from Tardis `trades` files.
 *
 * Columns after the common ones: `trade_id` Utf8 (vendor `id`, nullable), `side` Int8 (taker
 * side: 0 buy, 1 sell, 2 unknown), `px_int` and `qty_int` (Int64 counts of the row's
 * point-in-time `price_increment` / `amount_increment`, rounded to nearest).
 *
 * Row rules: `price_positive` (price > 0), `amount_positive` (amount > 0), `side_known`
 * (side is `buy`, `sell` or `unknown`), plus the common rules of `event_table.ts`.
 *
 * @example
 * ```ts
 * import { TRADES } from "./trades.ts";
 * if (TRADES.dataType !== "trades") throw new Error("data type");
 * if (!TRADES.rules.some((r) => r.name === "side_known")) throw new Error("side rule");
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import type { Expr } from "../polars_types.ts";
import { eventTableSchema, type EventTableSpec, TARDIS_COMMON_COLUMNS } from "./event_table.ts";
import { oneOf, positive } from "./row_rules.ts";
import type { TableSchema } from "./table_schema.ts";

/** Taker side codes stored in `side` (Int8). */
export const TRADE_SIDE_CODES: Readonly<Record<"buy" | "sell" | "unknown", number>> = Object
  .freeze({ buy: 0, sell: 1, unknown: 2 });

/**
 * The Int8 side code of a Tardis side column (`buy` 0, `sell` 1, `unknown` 2, else null).
 *
 * @param column The vendor side column.
 * @returns An Int8 expression.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { tradeSideCode } from "./trades.ts";
 * const df = pl.DataFrame({ side: ["buy", "sell", "unknown", "x"] });
 * const codes = df.select(tradeSideCode("side").alias("s")).getColumn("s").toArray();
 * if (codes.join() !== "0,1,2,") throw new Error(codes.join());
 * ```
 */
export function tradeSideCode(column: string): Expr {
  return pl.when(pl.col(column).eq(pl.lit("buy"))).then(pl.lit(TRADE_SIDE_CODES.buy))
    .when(pl.col(column).eq(pl.lit("sell"))).then(pl.lit(TRADE_SIDE_CODES.sell))
    .when(pl.col(column).eq(pl.lit("unknown"))).then(pl.lit(TRADE_SIDE_CODES.unknown))
    .otherwise(pl.lit(null))
    .cast(pl.Int8);
}

/** Schema of `trades`. */
export const TRADES_SCHEMA: TableSchema = eventTableSchema("trades", [
  { name: "trade_id", type: "utf8", nullable: true, doc: "Vendor trade id" },
  { name: "side", type: "int8", nullable: false, doc: "Taker side: 0 buy, 1 sell, 2 unknown" },
  { name: "px_int", type: "int64", nullable: false, doc: "Price in price_increment units" },
  { name: "qty_int", type: "int64", nullable: false, doc: "Amount in amount_increment units" },
]);

/** The `trades` table built from Tardis `trades` files. */
export const TRADES: EventTableSpec = Object.freeze({
  name: "trades",
  dataType: "trades",
  schema: TRADES_SCHEMA,
  csvColumns: Object.freeze({
    ...TARDIS_COMMON_COLUMNS,
    id: "utf8",
    side: "utf8",
    price: "float64",
    amount: "float64",
  }),
  rules: Object.freeze([
    positive("price"),
    positive("amount"),
    oneOf("side", ["buy", "sell", "unknown"], "side_known"),
  ]),
  fixedPoint: Object.freeze(
    [
      { value: "price", as: "px_int", increment: "price_increment" },
      { value: "amount", as: "qty_int", increment: "amount_increment" },
    ] as const,
  ),
  outputs: Object.freeze([
    pl.col("id").alias("trade_id"),
    tradeSideCode("side").alias("side"),
    pl.col("px_int"),
    pl.col("qty_int"),
  ]),
});
