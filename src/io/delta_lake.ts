/**
 * Every repository of one lake, on Delta and a bronze source: the composition root the jobs,
 * tests and notebooks hand to the services.
 *
 * The lake root is a local folder or an `s3://bucket/prefix` URI, passed through untouched
 * (never resolved or created as a folder). The bronze root defaults to `<root>/bronze` and
 * may live elsewhere (another bucket): a local folder is read by `LocalBronzeSource`, an
 * `s3://` prefix by `ObjectStorageBronzeSource`.
 *
 * @module
 */
import { BRONZE_DIR, lakeRoot, tablePath } from "../config.ts";
import { EVENT_TABLES } from "../domain/event_tables.ts";
import { DeltaDimSymbolRepo } from "./delta_dim_symbol_repo.ts";
import { DeltaManifestRepo } from "./delta_manifest_repo.ts";
import { DeltaQuarantineRepo } from "./delta_quarantine_repo.ts";
import { DeltaTableRepo } from "./delta_table_repo.ts";
import { LocalBronzeSource } from "./local_bronze_source.ts";
import {
  isRemoteUri,
  joinUri,
  storageForUri,
  type StorageOptions,
} from "./delta/storage_for_uri.ts";
import { ObjectStorageBronzeSource } from "./object_storage_bronze_source.ts";
import type { BronzeSource } from "./protocols.ts";

/** The repositories of a lake. */
export interface DeltaLake {
  /** The lake root. */
  root: string;
  /** Bronze files (`<root>/bronze` unless another bronze root was given). */
  source: BronzeSource;
  /** `silver/dim_symbol`. */
  dim: DeltaDimSymbolRepo;
  /** `silver/ingest_manifest`. */
  manifest: DeltaManifestRepo;
  /** `silver/quarantine`. */
  quarantine: DeltaQuarantineRepo;
  /** Event tables by Tardis data type. */
  events: Record<string, DeltaTableRepo>;
}

/** Options of {@linkcode openDeltaLake}. */
export interface OpenDeltaLakeOptions {
  /**
   * The bronze root: a folder or an `s3://` prefix (may be another bucket).
   * @default {`<root>/bronze`}
   */
  bronzeDir?: string;
  /**
   * Storage options of a remote lake (`s3://`), keyed as in delta-rs / Python polars; missing
   * keys come from the AWS environment variables. @default {undefined}
   */
  storageOptions?: StorageOptions;
  /**
   * Storage options of a remote bronze root, when they differ from the lake's.
   * @default {options.storageOptions}
   */
  bronzeStorageOptions?: StorageOptions;
}

/**
 * The bronze source of a bronze root: a local folder, or any URI storage can open.
 *
 * @param bronzeRoot A folder or an `s3://` prefix.
 * @param storageOptions Storage options of a remote root.
 * @returns The source.
 * @example
 * ```ts
 * import { bronzeSourceFor } from "./delta_lake.ts";
 * if (!bronzeSourceFor("/tmp/l/bronze").root.endsWith("/tmp/l/bronze")) throw new Error("local");
 * const s3 = bronzeSourceFor("s3://bucket/lake/bronze", { AWS_REGION: "us-east-1" });
 * if (s3.root !== "s3://bucket/lake/bronze") throw new Error(s3.root);
 * ```
 */
export function bronzeSourceFor(bronzeRoot: string, storageOptions?: StorageOptions): BronzeSource {
  return isRemoteUri(bronzeRoot)
    ? new ObjectStorageBronzeSource(storageForUri(bronzeRoot, { storageOptions }))
    : new LocalBronzeSource(bronzeRoot);
}

/**
 * The repositories of the lake at `root` (nothing is read or created yet).
 *
 * @param root The lake root. @default {lakeRoot()}
 * @param options Bronze root override, storage options of a remote lake.
 * @returns Source, dim, manifest, quarantine and event-table repositories.
 * @example
 * ```ts
 * import { openDeltaLake } from "./delta_lake.ts";
 * const lake = openDeltaLake("/tmp/l");
 * if (lake.events.trades.uri !== "/tmp/l/silver/trades") throw new Error(lake.events.trades.uri);
 * if (!lake.source.root.endsWith("/tmp/l/bronze")) throw new Error(lake.source.root);
 * ```
 */
export function openDeltaLake(
  root: string = lakeRoot(),
  options: OpenDeltaLakeOptions = {},
): DeltaLake {
  const io = options.storageOptions ? { storageOptions: options.storageOptions } : {};
  const events: Record<string, DeltaTableRepo> = {};
  for (const [dataType, spec] of Object.entries(EVENT_TABLES)) {
    events[dataType] = new DeltaTableRepo(tablePath(spec.name, root), spec.schema, io);
  }
  return {
    root,
    source: bronzeSourceFor(
      options.bronzeDir ?? joinUri(root, BRONZE_DIR),
      options.bronzeStorageOptions ?? options.storageOptions,
    ),
    dim: new DeltaDimSymbolRepo(root, io),
    manifest: new DeltaManifestRepo(tablePath("ingest_manifest", root), io),
    quarantine: new DeltaQuarantineRepo(root, io),
    events,
  };
}
