/**
 * The `liquidations` event table, from Tardis `liquidations` files.
 *
 * Columns after the common ones: `liq_id` Utf8 (vendor `id`, nullable), `side` Int8 (the
 * liquidation order's side as Tardis gives it: 0 buy = a short position liquidated, 1 sell =
 * a long position liquidated, 2 unknown), `px_int` and `qty_int` (Int64 counts of the row's
 * point-in-time increments, rounded to nearest).
 *
 * Row rules: `price_positive`, `amount_positive`, `side_known`, plus the common rules.
 *
 * @example
 * ```ts
 * import { LIQUIDATIONS } from "./liquidations.ts";
 * if (LIQUIDATIONS.schema.columns.at(-1)?.name !== "qty_int") throw new Error("layout");
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import { eventTableSchema, type EventTableSpec, TARDIS_COMMON_COLUMNS } from "./event_table.ts";
import { oneOf, positive } from "./row_rules.ts";
import type { TableSchema } from "./table_schema.ts";
import { tradeSideCode } from "./trades.ts";

/** Schema of `liquidations`. */
export const LIQUIDATIONS_SCHEMA: TableSchema = eventTableSchema("liquidations", [
  { name: "liq_id", type: "utf8", nullable: true, doc: "Vendor liquidation id" },
  {
    name: "side",
    type: "int8",
    nullable: false,
    doc: "Liquidation order side: 0 buy (short liquidated), 1 sell (long liquidated), 2 unknown",
  },
  { name: "px_int", type: "int64", nullable: false, doc: "Price in price_increment units" },
  { name: "qty_int", type: "int64", nullable: false, doc: "Amount in amount_increment units" },
]);

/** The `liquidations` table built from Tardis `liquidations` files. */
export const LIQUIDATIONS: EventTableSpec = Object.freeze({
  name: "liquidations",
  dataType: "liquidations",
  schema: LIQUIDATIONS_SCHEMA,
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
    pl.col("id").alias("liq_id"),
    tradeSideCode("side").alias("side"),
    pl.col("px_int"),
    pl.col("qty_int"),
  ]),
});
