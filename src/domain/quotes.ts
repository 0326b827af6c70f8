/**
 * The `quotes` event table (top of book), from Tardis `quotes` files.
 *
 * Columns after the common ones: `bid_px_int`, `bid_qty_int`, `ask_px_int`, `ask_qty_int`
 * (Int64 counts of the row's point-in-time increments; null for an empty side). Off-grid bid
 * prices would round down and ask prices up (never better than quoted), but off-grid values
 * are quarantined anyway.
 *
 * A side is *present* when its price or its amount is given. Row rules:
 * `quote_has_side` (at least one side present), `bid_side_valid` / `ask_side_valid` (a
 * present side has price > 0 and amount > 0), `bid_below_ask` (bid price < ask price when
 * both are present), plus the common rules.
 *
 * @example
 * ```ts
 * import { QUOTES } from "./quotes.ts";
 * if (QUOTES.rules[0].name !== "quote_has_side") throw new Error("first rule");
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import { eventTableSchema, type EventTableSpec, TARDIS_COMMON_COLUMNS } from "./event_table.ts";
import { lessThanWhenBoth, type RowRule, rowRule, showValues } from "./row_rules.ts";
import type { TableSchema } from "./table_schema.ts";

/** Schema of `quotes`. */
export const QUOTES_SCHEMA: TableSchema = eventTableSchema("quotes", [
  { name: "bid_px_int", type: "int64", nullable: true, doc: "Best bid price, increment units" },
  { name: "bid_qty_int", type: "int64", nullable: true, doc: "Best bid amount, increment units" },
  { name: "ask_px_int", type: "int64", nullable: true, doc: "Best ask price, increment units" },
  { name: "ask_qty_int", type: "int64", nullable: true, doc: "Best ask amount, increment units" },
]);

function _sidePresent(side: "bid" | "ask"): pl.Expr {
  return pl.col(`${side}_price`).isNotNull().or(pl.col(`${side}_amount`).isNotNull());
}

function _sideValid(side: "bid" | "ask"): RowRule {
  const price = `${side}_price`;
  const amount = `${side}_amount`;
  return rowRule(
    `${side}_side_valid`,
    `a present ${side} side has ${price} > 0 and ${amount} > 0`,
    _sidePresent(side).not().or(pl.col(price).gt(0).and(pl.col(amount).gt(0))),
    { detail: showValues([price, amount]) },
  );
}

/** The `quotes` table built from Tardis `quotes` files. */
export const QUOTES: EventTableSpec = Object.freeze({
  name: "quotes",
  dataType: "quotes",
  schema: QUOTES_SCHEMA,
  csvColumns: Object.freeze({
    ...TARDIS_COMMON_COLUMNS,
    ask_amount: "float64",
    ask_price: "float64",
    bid_price: "float64",
    bid_amount: "float64",
  }),
  rules: Object.freeze([
    rowRule(
      "quote_has_side",
      "at least one side is present",
      _sidePresent("bid").or(_sidePresent("ask")),
      { detail: showValues(["bid_price", "bid_amount", "ask_price", "ask_amount"]) },
    ),
    _sideValid("bid"),
    _sideValid("ask"),
    lessThanWhenBoth("bid_price", "ask_price", "bid_below_ask"),
  ]),
  fixedPoint: Object.freeze(
    [
      { value: "bid_price", as: "bid_px_int", increment: "price_increment", rounding: "down" },
      { value: "bid_amount", as: "bid_qty_int", increment: "amount_increment" },
      { value: "ask_price", as: "ask_px_int", increment: "price_increment", rounding: "up" },
      { value: "ask_amount", as: "ask_qty_int", increment: "amount_increment" },
    ] as const,
  ),
  outputs: Object.freeze([
    pl.col("bid_px_int"),
    pl.col("bid_qty_int"),
    pl.col("ask_px_int"),
    pl.col("ask_qty_int"),
  ]),
});
