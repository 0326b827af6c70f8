/**
 * The `l2_updates` event table on Delta (Tardis `incremental_book_L2` files), partitioned by exchange and
 * date. A thin binding of {@linkcode DeltaTableRepo} to the table's path and schema.
 *
 * @module
 */
import { lakeRoot, tablePath } from "../config.ts";
import { EVENT_TABLES } from "../domain/event_tables.ts";
import { DeltaTableRepo, type DeltaTableRepoOptions } from "./delta_table_repo.ts";

/** The `l2_updates` table of a lake. */
export class DeltaL2UpdatesRepo extends DeltaTableRepo {
  /**
   * @param root The lake root. @default {lakeRoot()}
   * @param options Repository options.
   * @example
   * ```ts
   * import { DeltaL2UpdatesRepo } from "./delta_l2_updates_repo.ts";
   * const repo = new DeltaL2UpdatesRepo("/tmp/lake");
   * if (repo.uri !== "/tmp/lake/silver/l2_updates") throw new Error(repo.uri);
   * ```
   */
  constructor(root: string = lakeRoot(), options: DeltaTableRepoOptions = {}) {
    super(tablePath("l2_updates", root), EVENT_TABLES["incremental_book_L2"].schema, options);
  }
}
