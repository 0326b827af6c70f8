/**
 * A read-only handle on a pointline lake: list its silver tables, open one (optionally at an
 * earlier version or time), show its history, and query several at once with Polars SQL.
 *
 * Nothing here writes: the handle only opens tables and builds lazy scans.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataFrame, LazyDataFrame } from "../polars_types.ts";
import { lakeRoot, TABLE_PATHS, type TableName, tablePath } from "../config.ts";
import { DeltaTable } from "../io/delta/delta_table.ts";
import { TableNotFoundError } from "../io/delta/errors.ts";
import { isRemoteUri, storageForUri, type StorageOptions } from "../io/delta/storage_for_uri.ts";
import type { Filter } from "../io/delta/predicate.ts";
import { LakeSqlError } from "./lake_sql_error.ts";
import { type TimeLike, toMicros } from "./time_like.ts";
import { _checkArgument, _checkOptions, _LAKE_READ_OPTIONS } from "./_check_options.ts";

/** Time travel: read a table as it was at a version, or at a point in time. */
export interface TimeTravelOptions {
  /**
   * Table version to read (a Delta commit number). Exclusive with `asOf`.
   *
   * @default {undefined} the latest version
   */
  version?: number;
  /**
   * Read the latest version committed at or before this time. Exclusive with `version`.
   *
   * @default {undefined} the latest version
   */
  asOf?: TimeLike;
}

/** Which lake to read, and at which version: the common options of the research loaders. */
export interface LakeReadOptions extends TimeTravelOptions {
  /**
   * The lake root.
   *
   * @default {lakeRoot()} `LAKE_ROOT`, else the repository's `./lake`
   */
  root?: string;
  /**
   * Storage options of an `s3://` lake, keyed as in delta-rs / Python polars
   * (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, ...); missing keys come from the AWS
   * environment variables.
   *
   * @default {undefined}
   */
  storageOptions?: StorageOptions;
}

/** Options of {@linkcode openLake}. */
export interface OpenLakeOptions {
  /**
   * Storage options of an `s3://` lake, keyed as in delta-rs / Python polars; missing keys
   * come from the AWS environment variables.
   *
   * @default {undefined}
   */
  storageOptions?: StorageOptions;
}

/** Options of {@linkcode Lake.scan}.*/
export interface LakeScanOptions extends TimeTravelOptions {
  /**
   * Columns to read.
   *
   * @default {undefined} every column
   */
  columns?: string[];
  /**
   * Rows to keep (AND of predicates); partition columns prune files.
   *
   * @default {undefined} every row
   */
  filter?: Filter;
}

/** Options of {@linkcode Lake.sql}. */
export interface LakeSqlOptions {
  /**
   * Time travel per table name, for example `{ trades: { version: 3 } }`.
   *
   * @default {{}} every table at its latest version
   */
  tables?: Partial<Record<TableName, TimeTravelOptions>>;
}

/** A registered table name is expected; anything else is a caller mistake. */
function _checkName(name: string): TableName {
  if (!Object.hasOwn(TABLE_PATHS, name)) {
    throw new RangeError(
      `Unknown table "${name}": expected one of ${Object.keys(TABLE_PATHS).join(", ")}`,
    );
  }
  return name as TableName;
}

/** The reader's open options for a time-travel request. */
function _openOptions(options: TimeTravelOptions): { version?: number; timestamp?: Date } {
  if (options.version !== undefined && options.asOf !== undefined) {
    throw new TypeError('Cannot use both "version" and "asOf": choose one');
  }
  if (options.version !== undefined) return { version: options.version };
  if (options.asOf !== undefined) return { timestamp: new Date(toMicros(options.asOf) / 1000) };
  return {};
}

/** A read-only view of the silver tables under one lake root. */
export class Lake {
  /** The lake root (the folder or `s3://` prefix holding `bronze/` and `silver/`). */
  readonly root: string;
  /** Where the tables live, passed to every open. */
  #io: { storageOptions?: StorageOptions };

  /**
   * Create a `Lake`.
   *
   * @param root The lake root: a folder or an `s3://bucket/prefix` URI.
   * @param options Storage options of an `s3://` lake.
   */
  constructor(root: string, options: OpenLakeOptions = {}) {
    this.root = root.replace(/\/+$/, "");
    this.#io = options.storageOptions ? { storageOptions: options.storageOptions } : {};
  }

  /**
   * The path (or URI) of a registered table in this lake.
   *
   * @param name A registered table name.
   * @returns The table's folder.
   * @throws {RangeError} When `name` is not a registered table.
   */
  path(name: string): string {
    return tablePath(_checkName(name), this.root);
  }

  /**
   * The registered tables that exist in this lake (have a `_delta_log`), in registry order.
   *
   * @returns Table names.
   * @example
   * ```ts
   * import { openLake } from "./open_lake.ts";
   * const empty = await Deno.makeTempDir();
   * if ((await openLake(empty).tables()).length !== 0) throw new Error("no tables expected");
   * await Deno.remove(empty);
   * ```
   */
  async tables(): Promise<TableName[]> {
    const found: TableName[] = [];
    for (const name of Object.keys(TABLE_PATHS) as TableName[]) {
      const path = tablePath(name, this.root);
      if (isRemoteUri(path)) {
        const log = await storageForUri(path, this.#io).list("_delta_log/");
        if (log.length > 0) found.push(name);
        continue;
      }
      try {
        const info = await Deno.stat(`${path}/_delta_log`);
        if (info.isDirectory) found.push(name);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return found;
  }

  /**
   * Open a registered table, optionally at an earlier version or time. A missing table's error
   * names the lake read, the tables it has, and how to point at another lake.
   *
   * @param name A registered table name, e.g. `"trades"`.
   * @param options `version` or `asOf` for time travel.
   * @returns The opened Delta table (a snapshot).
   * @throws {RangeError} When `name` is not a registered table.
   * @throws {TableNotFoundError} When the table does not exist in this lake.
   * @throws {VersionNotFoundError} When the version or time is outside the table's history.
   */
  table(name: string, options: TimeTravelOptions = {}): Promise<DeltaTable> {
    const { root: _root, storageOptions: _storage, ...travel } = _LAKE_READ_OPTIONS;
    _checkOptions("Lake.table", options, { optional: travel });
    return DeltaTable.open(this.path(name), { ..._openOptions(options), ...this.#io }).catch(
      async (error) => {
        if (!(error instanceof TableNotFoundError)) throw error;
        // Usually the wrong lake: say which lake was read, what it has, and how to choose another.
        const existing = await this.tables();
        throw new TableNotFoundError(
          `${error.message}; the lake at "${this.root}" has ${
            existing.length > 0 ? `tables ${existing.join(", ")}` : "no tables"
          }: pass \`root\` or set LAKE_ROOT to your lake, or run "deno task demo" to build the ` +
            "demo lake",
          { cause: error },
        );
      },
    );
  }

  /**
   * A lazy scan of a registered table, with column selection, filter and time travel.
   *
   * @param name A registered table name.
   * @param options Columns, filter, `version` / `asOf`.
   * @returns A lazy frame; nothing is read until it is collected.
   * @throws {RangeError} When `name` is not a registered table.
   * @throws {TableNotFoundError} When the table does not exist in this lake.
   */
  async scan(name: string, options: LakeScanOptions = {}): Promise<LazyDataFrame> {
    const { root: _root, storageOptions: _storage, ...travel } = _LAKE_READ_OPTIONS;
    _checkOptions("Lake.scan", options, {
      optional: { columns: ["array"], filter: ["array"], ...travel },
    });
    const { columns: _columns, filter: _filter, ...at } = options;
    const table = await this.table(name, at);
    return table.scan({ columns: options.columns, filter: options.filter });
  }

  /**
   * The commit history of a table as a DataFrame, newest first.
   *
   * @param name A registered table name.
   * @param limit At most this many commits.
   * @returns Columns `version` (Int64), `timestamp` (Datetime ms), `operation`, `parameters`
   * (JSON text), `engine`.
   * @throws {TableNotFoundError} When the table does not exist in this lake.
   */
  async history(name: string, limit?: number): Promise<DataFrame> {
    const table = await this.table(name);
    const entries = (await table.history(limit)) as unknown as Record<string, unknown>[];
    const rows = entries.map((e) => ({
      version: Number(e.version ?? -1),
      timestamp: typeof e.timestamp === "number" ? e.timestamp : Number(e.timestamp ?? 0),
      operation: String(e.operation ?? ""),
      parameters: JSON.stringify(e.operationParameters ?? {}),
      engine: String(e.engineInfo ?? e.clientVersion ?? ""),
    }));
    return pl.DataFrame({
      version: pl.Series("version", rows.map((r) => r.version), pl.Int64),
      timestamp: pl.Series("timestamp", rows.map((r) => r.timestamp), pl.Int64)
        .cast(pl.Datetime("ms")),
      operation: pl.Series("operation", rows.map((r) => r.operation), pl.Utf8),
      parameters: pl.Series("parameters", rows.map((r) => r.parameters), pl.Utf8),
      engine: pl.Series("engine", rows.map((r) => r.engine), pl.Utf8),
    }).sort("version", true);
  }

  /**
   * Run a Polars SQL query over the lake's tables, each registered under its name
   * (`trades`, `quotes`, `dim_symbol`, ...). Only tables the query names are opened, and
   * each is scanned lazily, so filters and projections are pushed down.
   *
   * @param query A SQL query, e.g. `SELECT exchange, count(*) AS n FROM trades GROUP BY 1`.
   * @param options Time travel per table.
   * @returns The result, collected.
   * @throws {LakeSqlError} When Polars rejects the query (syntax, unknown column or table, types):
   * Polars' message and the query; for an unknown table, also the tables the lake has.
   * @example
   * ```ts ignore
   * import { openLake } from "./open_lake.ts";
   * const lake = openLake("./lake");
   * const df = await lake.sql("SELECT count(*) AS n FROM dim_symbol");
   * if (df.height !== 1) throw new Error("one row expected");
   * ```
   */
  async sql(query: string, options: LakeSqlOptions = {}): Promise<DataFrame> {
    _checkOptions("Lake.sql", options, { optional: { tables: ["object"] } });
    const existing = await this.tables();
    const named = existing.filter((name) => new RegExp(`\\b${name}\\b`, "i").test(query));
    const frames: Record<string, LazyDataFrame> = {};
    for (const name of named) {
      frames[name] = await this.scan(name, options.tables?.[name] ?? {});
    }
    const fail = (error: unknown): never => {
      let message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
      if (/relation '.*' was not found/.test(message)) {
        message += `; the lake at "${this.root}" has ${
          existing.length > 0 ? `tables ${existing.join(", ")}` : "no tables"
        }`;
      }
      throw new LakeSqlError(query, message, { cause: error });
    };
    // nodejs-polars returns a failed plan as a lazy frame wrapping the error (its collect then
    // throws an unrelated TypeError), so the error is taken from the plan before collecting.
    let planned: pl.LazyDataFrame;
    try {
      planned = pl.SQLContext(frames).execute(query);
    } catch (error) {
      return fail(error);
    }
    const inner = (planned as unknown as { _ldf?: unknown })._ldf;
    if (inner instanceof Error) return fail(inner);
    try {
      return await planned.collect();
    } catch (error) {
      return fail(error);
    }
  }
}

/**
 * Open the lake at `root` for reading.
 *
 * @param root The lake root, a folder or an `s3://bucket/prefix` URI; defaults to
 * `LAKE_ROOT`, else the repository's `./lake` (see {@linkcode lakeRoot}).
 * @param options Storage options of an `s3://` lake.
 * @returns A read-only {@linkcode Lake} handle (no IO happens until a method is called).
 * @example
 * ```ts
 * import { openLake } from "./open_lake.ts";
 * const lake = openLake("/data/lake/");
 * if (lake.path("trades") !== "/data/lake/silver/trades") throw new Error("bad path");
 * const remote = openLake("s3://research/pointline", { storageOptions: { AWS_REGION: "eu-west-1" } });
 * if (remote.path("trades") !== "s3://research/pointline/silver/trades") throw new Error("uri");
 * ```
 */
export function openLake(root?: string, options: OpenLakeOptions = {}): Lake {
  if (root !== undefined) _checkArgument("openLake", "root", root, ["string"]);
  _checkOptions("openLake", options, { optional: { storageOptions: ["object"] } });
  return new Lake(lakeRoot(root), options);
}
