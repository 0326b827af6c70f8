/**
 * The `quotes` event table on Delta (Tardis `quotes` files), partitioned by exchange and
 * date. A thin binding of {@linkcode DeltaTableRepo} to the table's path and schema.
 *
 * @module
 */
import { lakeRoot, tablePath } from "../config.ts";
import { EVENT_TABLES } from "../domain/event_tables.ts";
import { DeltaTableRepo, type DeltaTableRepoOptions } from "./delta_table_repo.ts";

/** The `quotes` table of a lake. */
export class DeltaQuotesRepo extends DeltaTableRepo {
  /**
   * @param root The lake root. @default {lakeRoot()}
   * @param options Repository options.
   * @example
   * ```ts
   * import { DeltaQuotesRepo } from "./delta_quotes_repo.ts";
   * const repo = new DeltaQuotesRepo("/tmp/lake");
   * if (repo.uri !== "/tmp/lake/silver/quotes") throw new Error(repo.uri);
   * ```
   */
  constructor(root: string = lakeRoot(), options: DeltaTableRepoOptions = {}) {
    super(tablePath("quotes", root), EVENT_TABLES["quotes"].schema, options);
  }
}
