/**
 * The `liquidations` event table on Delta (Tardis `liquidations` files), partitioned by exchange and
 * date. A thin binding of {@linkcode DeltaTableRepo} to the table's path and schema.
 *
 * @module
 */
import { lakeRoot, tablePath } from "../config.ts";
import { EVENT_TABLES } from "../domain/event_tables.ts";
import { DeltaTableRepo, type DeltaTableRepoOptions } from "./delta_table_repo.ts";

/** The `liquidations` table of a lake. */
export class DeltaLiquidationsRepo extends DeltaTableRepo {
  /**
   * @param root The lake root. @default {lakeRoot()}
   * @param options Repository options.
   * @example
   * ```ts
   * import { DeltaLiquidationsRepo } from "./delta_liquidations_repo.ts";
   * const repo = new DeltaLiquidationsRepo("/tmp/lake");
   * if (repo.uri !== "/tmp/lake/silver/liquidations") throw new Error(repo.uri);
   * ```
   */
  constructor(root: string = lakeRoot(), options: DeltaTableRepoOptions = {}) {
    super(tablePath("liquidations", root), EVENT_TABLES["liquidations"].schema, options);
  }
}
