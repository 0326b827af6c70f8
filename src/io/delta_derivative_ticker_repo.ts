/**
 * The `derivative_ticker` event table on Delta (Tardis `derivative_ticker` files), partitioned by exchange and
 * date. A thin binding of {@linkcode DeltaTableRepo} to the table's path and schema.
 *
 * @module
 */
import { lakeRoot, tablePath } from "../config.ts";
import { EVENT_TABLES } from "../domain/event_tables.ts";
import { DeltaTableRepo, type DeltaTableRepoOptions } from "./delta_table_repo.ts";

/** The `derivative_ticker` table of a lake. */
export class DeltaDerivativeTickerRepo extends DeltaTableRepo {
  /**
   * @param root The lake root. @default {lakeRoot()}
   * @param options Repository options.
   * @example
   * ```ts
   * import { DeltaDerivativeTickerRepo } from "./delta_derivative_ticker_repo.ts";
   * const repo = new DeltaDerivativeTickerRepo("/tmp/lake");
   * if (repo.uri !== "/tmp/lake/silver/derivative_ticker") throw new Error(repo.uri);
   * ```
   */
  constructor(root: string = lakeRoot(), options: DeltaTableRepoOptions = {}) {
    super(tablePath("derivative_ticker", root), EVENT_TABLES["derivative_ticker"].schema, options);
  }
}
