/**
 * Every repository of one lake, on Delta and the local file system: the composition root the
 * jobs, tests and notebooks hand to the services.
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

/** The repositories of a lake. */
export interface DeltaLake {
  /** The lake root. */
  root: string;
  /** Bronze files (`<root>/bronze`). */
  source: LocalBronzeSource;
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
  /** The bronze folder. @default {`<root>/bronze`} */
  bronzeDir?: string;
}

/**
 * The repositories of the lake at `root` (nothing is read or created yet).
 *
 * @param root The lake root. @default {lakeRoot()}
 * @param options Bronze folder override.
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
  const events: Record<string, DeltaTableRepo> = {};
  for (const [dataType, spec] of Object.entries(EVENT_TABLES)) {
    events[dataType] = new DeltaTableRepo(tablePath(spec.name, root), spec.schema);
  }
  return {
    root,
    source: new LocalBronzeSource(options.bronzeDir ?? `${root}/${BRONZE_DIR}`),
    dim: new DeltaDimSymbolRepo(root),
    manifest: new DeltaManifestRepo(tablePath("ingest_manifest", root)),
    quarantine: new DeltaQuarantineRepo(root),
    events,
  };
}
