/**
 * The `book_snapshot_25` event table, from Tardis `book_snapshot_25` files.
 *
 * Columns after the common ones: `bids_px_int`, `bids_qty_int`, `asks_px_int`,
 * `asks_qty_int`, each a List(Int64) of exactly 25 levels (level 0 = best), with nulls for
 * missing levels. Prices are counts of the row's point-in-time `price_increment` (off-grid
 * bids would round down and asks up, but off-grid values are quarantined anyway), amounts
 * counts of `amount_increment`. The 100 vendor columns `bids[i].price`, ... become the four
 * lists through the spec's `lists` (encoded and grid-checked on a long form of all levels at
 * once, not as 100 expressions).
 *
 * Row rules, plus the common ones:
 * - `levels_paired`: each level has both price and amount, or neither;
 * - `book_prices_positive`: every present price > 0;
 * - `book_amounts_non_negative`: every present amount >= 0;
 * - `bids_descending`: present bid prices strictly decrease from level 0, with no gap
 *   (a missing level is followed only by missing levels);
 * - `asks_ascending`: the same for asks, strictly increasing;
 * - `best_bid_below_best_ask`: `bids[0].price < asks[0].price` when both are present.
 *
 * @example
 * ```ts
 * import { BOOK_SNAPSHOT_25, BOOK_LEVELS } from "./book_snapshot_25.ts";
 * if (BOOK_LEVELS !== 25) throw new Error("25 levels");
 * if (Object.keys(BOOK_SNAPSHOT_25.csvColumns).length !== 4 + 100) throw new Error("columns");
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import {
  eventTableSchema,
  type EventTableSpec,
  type FixedPointField,
  TARDIS_COMMON_COLUMNS,
} from "./event_table.ts";
import { lessThanWhenBoth, type RowRule, rowRule, showValues } from "./row_rules.ts";
import type { TableSchema } from "./table_schema.ts";
import type { TardisFieldType } from "./tardis_csv.ts";

/** Number of levels per side. */
export const BOOK_LEVELS = 25;

const _LEVELS = Array.from({ length: BOOK_LEVELS }, (_, i) => i);
type _Side = "bids" | "asks";
const _price = (side: _Side, i: number) => `${side}[${i}].price`;
const _amount = (side: _Side, i: number) => `${side}[${i}].amount`;

/** Schema of `book_snapshot_25`. */
export const BOOK_SNAPSHOT_25_SCHEMA: TableSchema = eventTableSchema("book_snapshot_25", [
  {
    name: "bids_px_int",
    type: { list: "int64" },
    nullable: false,
    doc: "25 bid prices, best first (descending), price_increment units; null = no level",
  },
  {
    name: "bids_qty_int",
    type: { list: "int64" },
    nullable: false,
    doc: "25 bid amounts, amount_increment units; null = no level",
  },
  {
    name: "asks_px_int",
    type: { list: "int64" },
    nullable: false,
    doc: "25 ask prices, best first (ascending), price_increment units; null = no level",
  },
  {
    name: "asks_qty_int",
    type: { list: "int64" },
    nullable: false,
    doc: "25 ask amounts, amount_increment units; null = no level",
  },
]);

function _csvColumns(): Record<string, TardisFieldType> {
  const columns: Record<string, TardisFieldType> = { ...TARDIS_COMMON_COLUMNS };
  for (const i of _LEVELS) {
    for (const side of ["asks", "bids"] as const) {
      columns[_price(side, i)] = "float64";
      columns[_amount(side, i)] = "float64";
    }
  }
  return columns;
}

function _allPrices(): string[] {
  return (["bids", "asks"] as const).flatMap((side) => _LEVELS.map((i) => _price(side, i)));
}

function _allAmounts(): string[] {
  return (["bids", "asks"] as const).flatMap((side) => _LEVELS.map((i) => _amount(side, i)));
}

function _monotonic(side: _Side): RowRule {
  const checks = _LEVELS.slice(0, -1).map((i) => {
    const here = pl.col(_price(side, i));
    const next = pl.col(_price(side, i + 1));
    const ordered = side === "bids" ? here.gt(next) : here.lt(next);
    return next.isNull().or(here.isNotNull().and(ordered));
  });
  const name = side === "bids" ? "bids_descending" : "asks_ascending";
  const order = side === "bids" ? "strictly decrease" : "strictly increase";
  return rowRule(
    name,
    `${side} prices ${order} from level 0, with no gaps`,
    pl.allHorizontal(checks),
    {
      detail: showValues(_LEVELS.map((i) => _price(side, i))),
    },
  );
}

function _rules(): RowRule[] {
  const paired = (["bids", "asks"] as const).flatMap((side) =>
    _LEVELS.map((i) => pl.col(_price(side, i)).isNull().eq(pl.col(_amount(side, i)).isNull()))
  );
  return [
    rowRule(
      "levels_paired",
      "each level has both price and amount, or neither",
      pl.allHorizontal(paired),
      {
        detail: showValues([..._allPrices(), ..._allAmounts()]),
      },
    ),
    rowRule(
      "book_prices_positive",
      "every present price > 0",
      pl.allHorizontal(_allPrices().map((c) => pl.col(c).isNull().or(pl.col(c).gt(0)))),
      { detail: showValues(_allPrices()) },
    ),
    rowRule(
      "book_amounts_non_negative",
      "every present amount >= 0",
      pl.allHorizontal(_allAmounts().map((c) => pl.col(c).isNull().or(pl.col(c).gtEq(0)))),
      { detail: showValues(_allAmounts()) },
    ),
    _monotonic("bids"),
    _monotonic("asks"),
    lessThanWhenBoth(_price("bids", 0), _price("asks", 0), "best_bid_below_best_ask"),
  ];
}

function _fixedPoint(): FixedPointField[] {
  return (["bids", "asks"] as const).flatMap((side) =>
    _LEVELS.flatMap((i): FixedPointField[] => [
      {
        value: _price(side, i),
        as: `_${side}_px_${i}`,
        increment: "price_increment",
        rounding: side === "bids" ? "down" : "up",
      },
      { value: _amount(side, i), as: `_${side}_qty_${i}`, increment: "amount_increment" },
    ])
  );
}

const _LISTS = [
  ["bids", "px"],
  ["bids", "qty"],
  ["asks", "px"],
  ["asks", "qty"],
] as const;

/** The `book_snapshot_25` table built from Tardis `book_snapshot_25` files. */
export const BOOK_SNAPSHOT_25: EventTableSpec = Object.freeze({
  name: "book_snapshot_25",
  dataType: "book_snapshot_25",
  schema: BOOK_SNAPSHOT_25_SCHEMA,
  csvColumns: Object.freeze(_csvColumns()),
  rules: Object.freeze(_rules()),
  fixedPoint: Object.freeze(_fixedPoint()),
  lists: Object.freeze(_LISTS.map(([side, what]) =>
    Object.freeze({
      as: `${side}_${what}_int`,
      values: Object.freeze(_LEVELS.map((i) => what === "px" ? _price(side, i) : _amount(side, i))),
    })
  )),
  outputs: Object.freeze(_LISTS.map(([side, what]) => pl.col(`${side}_${what}_int`))),
});
