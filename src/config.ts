/**
 * Lake layout: where the bronze files and the silver Delta tables live.
 *
 * `LAKE_ROOT` (environment variable) selects the lake; it defaults to `./lake` under the
 * working directory. Table paths are relative to the lake root.
 *
 * @module
 */

/** Silver table paths, relative to the lake root. */
export const TABLE_PATHS = {
  dim_symbol: "silver/dim_symbol",
  ingest_manifest: "silver/ingest_manifest",
  trades: "silver/trades",
  quotes: "silver/quotes",
  book_snapshot_25: "silver/book_snapshot_25",
  derivative_ticker: "silver/derivative_ticker",
  liquidations: "silver/liquidations",
  l2_updates: "silver/l2_updates",
  quarantine: "silver/quarantine",
} as const;

/** Name of a registered silver table. */
export type TableName = keyof typeof TABLE_PATHS;

/** Folder of the raw vendor files, relative to the lake root. */
export const BRONZE_DIR = "bronze";

/**
 * The lake root: `LAKE_ROOT` when set, else `./lake`.
 *
 * @returns The lake root path, without a trailing slash.
 * @example
 * ```ts
 * import { lakeRoot } from "./config.ts";
 * const root = lakeRoot();
 * if (root.endsWith("/")) throw new Error("trailing slash");
 * ```
 */
export function lakeRoot(): string {
  let root: string | undefined;
  try {
    root = Deno.env.get("LAKE_ROOT");
  } catch {
    root = undefined; // no env permission: fall back to the default
  }
  return (root && root.trim() !== "" ? root.trim() : "./lake").replace(/\/+$/, "");
}

/**
 * The path of a registered table under a lake root.
 *
 * @param table A name from {@linkcode TABLE_PATHS}.
 * @param root The lake root; defaults to {@linkcode lakeRoot}.
 * @returns `root/relative-path`.
 * @example
 * ```ts
 * import { tablePath } from "./config.ts";
 * if (tablePath("trades", "/lake") !== "/lake/silver/trades") throw new Error("bad path");
 * ```
 */
export function tablePath(table: TableName, root: string = lakeRoot()): string {
  return `${root.replace(/\/+$/, "")}/${TABLE_PATHS[table]}`;
}
