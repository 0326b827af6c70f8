/**
 * The registry of event tables, keyed by the Tardis data type of their source files.
 *
 * @example
 * ```ts
 * import { EVENT_TABLES, eventTableFor } from "./event_tables.ts";
 * if (EVENT_TABLES.incremental_book_L2.name !== "l2_updates") throw new Error("l2 table");
 * if (eventTableFor("trades").name !== "trades") throw new Error("trades table");
 * ```
 *
 * @module
 */
import { BOOK_SNAPSHOT_25 } from "./book_snapshot_25.ts";
import { DERIVATIVE_TICKER } from "./derivative_ticker.ts";
import type { EventTableSpec } from "./event_table.ts";
import { L2_UPDATES } from "./l2_updates.ts";
import { LIQUIDATIONS } from "./liquidations.ts";
import { QUOTES } from "./quotes.ts";
import { TRADES } from "./trades.ts";

/** Event tables by Tardis data type (`trades`, `quotes`, `incremental_book_L2`, ...). */
export const EVENT_TABLES: Readonly<Record<string, EventTableSpec>> = Object.freeze({
  [TRADES.dataType]: TRADES,
  [QUOTES.dataType]: QUOTES,
  [BOOK_SNAPSHOT_25.dataType]: BOOK_SNAPSHOT_25,
  [DERIVATIVE_TICKER.dataType]: DERIVATIVE_TICKER,
  [LIQUIDATIONS.dataType]: LIQUIDATIONS,
  [L2_UPDATES.dataType]: L2_UPDATES,
});

/**
 * The event table of a Tardis data type.
 *
 * @param dataType A Tardis data type, e.g. `"incremental_book_L2"`.
 * @returns Its table spec.
 * @throws {RangeError} When no event table is registered for it.
 * @example
 * ```ts
 * import { eventTableFor } from "./event_tables.ts";
 * let threw = false;
 * try { eventTableFor("book_ticker"); } catch { threw = true; }
 * if (!threw) throw new Error("unregistered data types are an error");
 * ```
 */
export function eventTableFor(dataType: string): EventTableSpec {
  const spec = Object.hasOwn(EVENT_TABLES, dataType) ? EVENT_TABLES[dataType] : undefined;
  if (!spec) {
    const known = Object.keys(EVENT_TABLES).map((k) => `"${k}"`).join(", ");
    throw new RangeError(`No event table for Tardis data type "${dataType}": known are ${known}`);
  }
  return spec;
}
