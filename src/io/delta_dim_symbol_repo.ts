/**
 * The `dim_symbol` table on Delta: one unpartitioned table, rewritten deterministically
 * (`writeFull`) or merged. Every write carries a fixed-app-id `txn`, so two concurrent
 * rewrites conflict (`CommitConflictError`) rather than both landing; `DimSymbolService`
 * re-reads and retries.
 *
 * @module
 */
import { lakeRoot, tablePath } from "../config.ts";
import { DIM_SYMBOL_SCHEMA } from "../domain/dim_symbol.ts";
import { DeltaTableRepo, type DeltaTableRepoOptions } from "./delta_table_repo.ts";

/** The `dim_symbol` table of a lake. */
export class DeltaDimSymbolRepo extends DeltaTableRepo {
  /**
   * Create a `DeltaDimSymbolRepo`.
   *
   * @param root The lake root. @default {lakeRoot()}
   * @param options Storage options of a remote lake (`s3://`).
   * @example
   * ```ts
   * import { DeltaDimSymbolRepo } from "./delta_dim_symbol_repo.ts";
   * const repo = new DeltaDimSymbolRepo("/tmp/lake");
   * if (repo.uri !== "/tmp/lake/silver/dim_symbol") throw new Error(repo.uri);
   * ```
   */
  constructor(
    root: string = lakeRoot(),
    options: Pick<DeltaTableRepoOptions, "storageOptions"> = {},
  ) {
    super(tablePath("dim_symbol", root), DIM_SYMBOL_SCHEMA, { ...options, serializeWrites: true });
  }
}
