/**
 * The quarantine table on Delta: rejected vendor rows with their file, line, rule and detail,
 * partitioned by data type. A thin binding of {@linkcode DeltaTableRepo}.
 *
 * @module
 */
import { lakeRoot, tablePath } from "../config.ts";
import { QUARANTINE_SCHEMA } from "../domain/quarantine.ts";
import { DeltaTableRepo, type DeltaTableRepoOptions } from "./delta_table_repo.ts";

/** The `quarantine` table of a lake. */
export class DeltaQuarantineRepo extends DeltaTableRepo {
  /**
   * Create a `DeltaQuarantineRepo`.
   *
   * @param root The lake root. @default {lakeRoot()}
   * @param options Repository options.
   * @example
   * ```ts
   * import { DeltaQuarantineRepo } from "./delta_quarantine_repo.ts";
   * const repo = new DeltaQuarantineRepo("/tmp/lake");
   * if (repo.uri !== "/tmp/lake/silver/quarantine") throw new Error(repo.uri);
   * ```
   */
  constructor(root: string = lakeRoot(), options: DeltaTableRepoOptions = {}) {
    super(tablePath("quarantine", root), QUARANTINE_SCHEMA, options);
  }
}
