/**
 * The `derivative_ticker` event table, from Tardis `derivative_ticker` files.
 *
 * Columns after the common ones, all nullable and kept as Float64 on purpose (they are
 * exchange-computed statistics, not tradeable prices on the instrument's grid): `mark_px`,
 * `index_px`, `last_px`, `funding_rate`, `predicted_funding_rate`, `open_interest`; and
 * `funding_ts_us` Int64 (vendor `funding_timestamp`, µs).
 *
 * Row rules: `mark_price_positive`, `index_price_positive`, `last_price_positive` (> 0 when
 * present), `open_interest_non_negative` (>= 0 when present), plus the common rules.
 *
 * @example
 * ```ts
 * import { DERIVATIVE_TICKER } from "./derivative_ticker.ts";
 * if (DERIVATIVE_TICKER.fixedPoint.length !== 0) throw new Error("floats are kept");
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import { eventTableSchema, type EventTableSpec, TARDIS_COMMON_COLUMNS } from "./event_table.ts";
import { nonNegative, positive } from "./row_rules.ts";
import type { TableSchema } from "./table_schema.ts";

/** Schema of `derivative_ticker`. */
export const DERIVATIVE_TICKER_SCHEMA: TableSchema = eventTableSchema("derivative_ticker", [
  { name: "mark_px", type: "float64", nullable: true, doc: "Mark price" },
  { name: "index_px", type: "float64", nullable: true, doc: "Index price" },
  { name: "last_px", type: "float64", nullable: true, doc: "Last traded price" },
  { name: "funding_rate", type: "float64", nullable: true, doc: "Current funding rate" },
  {
    name: "predicted_funding_rate",
    type: "float64",
    nullable: true,
    doc: "Predicted next funding rate",
  },
  { name: "open_interest", type: "float64", nullable: true, doc: "Open interest" },
  {
    name: "funding_ts_us",
    type: "int64",
    nullable: true,
    doc: "Next funding time, µs since epoch UTC",
  },
]);

/** The `derivative_ticker` table built from Tardis `derivative_ticker` files. */
export const DERIVATIVE_TICKER: EventTableSpec = Object.freeze({
  name: "derivative_ticker",
  dataType: "derivative_ticker",
  schema: DERIVATIVE_TICKER_SCHEMA,
  csvColumns: Object.freeze({
    ...TARDIS_COMMON_COLUMNS,
    funding_timestamp: "int64",
    funding_rate: "float64",
    predicted_funding_rate: "float64",
    open_interest: "float64",
    last_price: "float64",
    index_price: "float64",
    mark_price: "float64",
  }),
  rules: Object.freeze([
    positive("mark_price", { allowNull: true }),
    positive("index_price", { allowNull: true }),
    positive("last_price", { allowNull: true }),
    nonNegative("open_interest", { allowNull: true }),
  ]),
  fixedPoint: Object.freeze([]),
  outputs: Object.freeze([
    pl.col("mark_price").alias("mark_px"),
    pl.col("index_price").alias("index_px"),
    pl.col("last_price").alias("last_px"),
    pl.col("funding_rate"),
    pl.col("predicted_funding_rate"),
    pl.col("open_interest"),
    pl.col("funding_timestamp").alias("funding_ts_us"),
  ]),
});
