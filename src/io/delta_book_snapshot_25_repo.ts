/**
 * The `book_snapshot_25` event table on Delta (Tardis `book_snapshot_25` files), partitioned by exchange and
 * date. A thin binding of {@linkcode DeltaTableRepo} to the table's path and schema.
 *
 * @module
 */
import { lakeRoot, tablePath } from "../config.ts";
import { EVENT_TABLES } from "../domain/event_tables.ts";
import { DeltaTableRepo, type DeltaTableRepoOptions } from "./delta_table_repo.ts";

/** The `book_snapshot_25` table of a lake. */
export class DeltaBookSnapshot25Repo extends DeltaTableRepo {
  /**
   * @param root The lake root. @default {lakeRoot()}
   * @param options Repository options.
   * @example
   * ```ts
   * import { DeltaBookSnapshot25Repo } from "./delta_book_snapshot_25_repo.ts";
   * const repo = new DeltaBookSnapshot25Repo("/tmp/lake");
   * if (repo.uri !== "/tmp/lake/silver/book_snapshot_25") throw new Error(repo.uri);
   * ```
   */
  constructor(root: string = lakeRoot(), options: DeltaTableRepoOptions = {}) {
    super(tablePath("book_snapshot_25", root), EVENT_TABLES["book_snapshot_25"].schema, options);
  }
}
