/**
 * The error `Lake.sql` throws when Polars rejects a query: Polars' own message (parse
 * error, unknown column, unknown table, type mismatch) with the query it was about, never the
 * unrelated `TypeError` nodejs-polars produces when it collects a failed plan.
 *
 * @module
 */

/** A SQL query over the lake that Polars could not plan or run. */
export class LakeSqlError extends Error {
  /** The query, as given. */
  readonly query: string;
  /**
   * Create a `LakeSqlError`.
   *
   * @param query The query.
   * @param message Polars' message (and, for an unknown table, the tables that exist).
   * @param options Standard error options (`cause`: the Polars error).
   * @example
   * ```ts
   * import { LakeSqlError } from "./lake_sql_error.ts";
   * const e = new LakeSqlError("SELEC 1", "sql parser error: Expected: an SQL statement");
   * if (!e.message.includes('"SELEC 1"') || e.name !== "LakeSqlError") throw new Error(e.message);
   * ```
   */
  constructor(query: string, message: string, options?: ErrorOptions) {
    const oneLine = query.trim().replace(/\s+/g, " ");
    const shown = oneLine.length > 200 ? `${oneLine.slice(0, 197)}...` : oneLine;
    super(`SQL query failed: ${message}; query: "${shown}"`, options);
    this.name = "LakeSqlError";
    this.query = query;
  }
}
