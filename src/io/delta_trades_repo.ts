/**
 * The `trades` event table on Delta (Tardis `trades` files), partitioned by exchange and
 * date. A thin binding of {@linkcode DeltaTableRepo} to the table's path and schema.
 *
 * @module
 */
import { lakeRoot, tablePath } from "../config.ts";
import { EVENT_TABLES } from "../domain/event_tables.ts";
import { DeltaTableRepo, type DeltaTableRepoOptions } from "./delta_table_repo.ts";

/** The `trades` table of a lake. */
export class DeltaTradesRepo extends DeltaTableRepo {
  /**
   * @param root The lake root. @default {lakeRoot()}
   * @param options Repository options.
   * @example
   * ```ts
   * import { DeltaTradesRepo } from "./delta_trades_repo.ts";
   * const repo = new DeltaTradesRepo("/tmp/lake");
   * if (repo.uri !== "/tmp/lake/silver/trades") throw new Error(repo.uri);
   * ```
   */
  constructor(root: string = lakeRoot(), options: DeltaTableRepoOptions = {}) {
    super(tablePath("trades", root), EVENT_TABLES["trades"].schema, options);
  }
}
