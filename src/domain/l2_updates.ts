/**
 * The `l2_updates` event table, from Tardis `incremental_book_L2` files.
 *
 * Columns after the common ones: `side` Int8 (0 bid, 1 ask), `px_int` (Int64 count of the
 * row's point-in-time `price_increment`; off-grid bids would round down and asks up),
 * `qty_int` (the level's new absolute amount in `amount_increment` units; 0 deletes the
 * level), `is_snapshot` Boolean (the row belongs to a snapshot; a snapshot that arrives
 * after updates resets the book: consumers rebuild from it).
 *
 * Row rules: `side_known` (`bid` or `ask`), `price_positive` (price > 0),
 * `amount_non_negative` (amount >= 0), `is_snapshot_present`, plus the common rules.
 *
 * @example
 * ```ts
 * import { L2_UPDATES } from "./l2_updates.ts";
 * if (L2_UPDATES.dataType !== "incremental_book_L2") throw new Error("data type");
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import { eventTableSchema, type EventTableSpec, TARDIS_COMMON_COLUMNS } from "./event_table.ts";
import { nonNegative, oneOf, positive, present } from "./row_rules.ts";
import type { TableSchema } from "./table_schema.ts";

/** Book side codes stored in `side` (Int8). */
export const BOOK_SIDE_CODES: Readonly<Record<"bid" | "ask", number>> = Object.freeze({
  bid: 0,
  ask: 1,
});

/** Schema of `l2_updates`. */
export const L2_UPDATES_SCHEMA: TableSchema = eventTableSchema("l2_updates", [
  { name: "side", type: "int8", nullable: false, doc: "0 bid, 1 ask" },
  { name: "px_int", type: "int64", nullable: false, doc: "Level price, price_increment units" },
  {
    name: "qty_int",
    type: "int64",
    nullable: false,
    doc: "New absolute level amount, amount_increment units; 0 deletes the level",
  },
  {
    name: "is_snapshot",
    type: "boolean",
    nullable: false,
    doc: "Part of a snapshot (a snapshot after updates resets the book)",
  },
]);

/** The `l2_updates` table built from Tardis `incremental_book_L2` files. */
export const L2_UPDATES: EventTableSpec = Object.freeze({
  name: "l2_updates",
  dataType: "incremental_book_L2",
  schema: L2_UPDATES_SCHEMA,
  csvColumns: Object.freeze({
    ...TARDIS_COMMON_COLUMNS,
    is_snapshot: "boolean",
    side: "utf8",
    price: "float64",
    amount: "float64",
  }),
  rules: Object.freeze([
    oneOf("side", ["bid", "ask"], "side_known"),
    positive("price"),
    nonNegative("amount"),
    present("is_snapshot", "is_snapshot_present"),
  ]),
  fixedPoint: Object.freeze(
    [
      {
        value: "price",
        as: "px_int",
        increment: "price_increment",
        rounding: { downWhen: pl.col("side").eq(pl.lit("bid")) },
      },
      { value: "amount", as: "qty_int", increment: "amount_increment" },
    ] as const,
  ),
  outputs: Object.freeze([
    pl.when(pl.col("side").eq(pl.lit("bid"))).then(pl.lit(BOOK_SIDE_CODES.bid))
      .otherwise(pl.lit(BOOK_SIDE_CODES.ask)).cast(pl.Int8).alias("side"),
    pl.col("px_int"),
    pl.col("qty_int"),
    pl.col("is_snapshot"),
  ]),
});
