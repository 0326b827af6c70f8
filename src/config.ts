/**
 * Lake layout: where the bronze files and the silver Delta tables live.
 *
 * The lake root is resolved the same way everywhere: an explicit root, else `LAKE_ROOT`
 * (environment variable), else the repository's `./lake` found from this module's location. A
 * URI root (`s3://bucket/prefix`) passes through untouched. Table paths are relative to the
 * lake root.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

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

/** How to point pointline at a lake, for error messages. */
const _HOW_TO_SET = "pass a root (`root` option, `--lake DIR`) or set LAKE_ROOT to a folder or " +
  "an s3://bucket/prefix URI";

/** No lake root was given and none can be derived: the message says how to set one. */
export class LakeRootError extends Error {
  /**
   * Create a `LakeRootError`.
   *
   * @param message What is missing; the constructor appends how to set a root.
   * @param options Standard error options (`cause`).
   * @example
   * ```ts
   * import { LakeRootError } from "./config.ts";
   * const e = new LakeRootError("No lake root");
   * if (!e.message.includes("LAKE_ROOT")) throw new Error("no hint");
   * ```
   */
  constructor(message: string, options?: ErrorOptions) {
    super(`${message}: ${_HOW_TO_SET}`, options);
    this.name = "LakeRootError";
  }
}

function _trimRoot(root: string): string {
  const trimmed = root.trim().replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

/**
 * The repository's own demo lake (`<repo>/lake`), found from a module's location, so it is the
 * same folder from any working directory (a notebook's folder, the repository, a test).
 *
 * @param moduleUrl The URL of a module at `<repo>/src/`.
 * @returns The absolute path of `<repo>/lake`.
 * @throws {LakeRootError} When the module is not a local file (e.g. imported from a registry),
 * so there is no repository to find a lake in.
 * @example
 * ```ts
 * import { repoLakeRoot } from "./config.ts";
 * if (repoLakeRoot("file:///home/me/pointline/src/config.ts") !== "/home/me/pointline/lake") {
 *   throw new Error("bad repository lake");
 * }
 * ```
 */
export function repoLakeRoot(moduleUrl: string): string {
  const url = new URL("../lake", moduleUrl);
  if (url.protocol !== "file:") {
    throw new LakeRootError(
      `No lake root: pointline was loaded from "${moduleUrl}", not from a repository checkout`,
    );
  }
  return fileURLToPath(url).replace(/[\\/]+$/, "");
}

/**
 * The lake root, resolved the same way by every job, repository and research function:
 * the explicit `root` when given, else `LAKE_ROOT`, else the repository's `./lake` (found from
 * this module's location, not from the working directory). A URI such as `s3://bucket/prefix`
 * is returned as given; a relative folder stays relative to the working directory.
 *
 * @param root An explicit root (`root` option, `--lake`); empty or `undefined` when not given.
 * @returns The lake root, without a trailing slash.
 * @throws {LakeRootError} When nothing is given and pointline runs outside a repository checkout.
 * @example
 * ```ts
 * import { lakeRoot } from "./config.ts";
 * if (lakeRoot("/data/lake/") !== "/data/lake") throw new Error("explicit root first");
 * if (lakeRoot("s3://bucket/lake/") !== "s3://bucket/lake") throw new Error("URIs pass through");
 * if (!lakeRoot().endsWith("lake")) throw new Error("LAKE_ROOT or the repository lake");
 * ```
 */
export function lakeRoot(root?: string): string {
  if (root !== undefined && root.trim() !== "") return _trimRoot(root);
  let env: string | undefined;
  try {
    env = Deno.env.get("LAKE_ROOT");
  } catch {
    env = undefined; // no env permission: fall back to the default
  }
  if (env !== undefined && env.trim() !== "") return _trimRoot(env);
  return repoLakeRoot(import.meta.url);
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
