/**
 * Wire the services of a lake from its repositories (any implementation of the interfaces in
 * `src/io/protocols.ts`).
 *
 * @module
 */
import { EVENT_TABLES } from "../domain/event_tables.ts";
import type {
  BronzeSource,
  EventTableRepository,
  IngestionManifestRepository,
  TableRepository,
} from "../io/protocols.ts";
import { DimSymbolService } from "./dim_symbol_service.ts";
import { EventTableService } from "./event_table_service.ts";
import type { FileRunner } from "./file_runner.ts";
import { IngestionService } from "./ingestion_service.ts";

/** The repositories the services need. */
export interface LakeRepositories {
  /** Bronze files. */
  source: BronzeSource;
  /** `dim_symbol`. */
  dim: TableRepository;
  /** The ingest manifest. */
  manifest: IngestionManifestRepository;
  /** The quarantine table. */
  quarantine: EventTableRepository;
  /** Event tables by Tardis data type (a type without a repository is not ingested). */
  events: Readonly<Record<string, EventTableRepository>>;
}

/** The services of a lake. */
export interface LakeServices {
  /** dim_symbol updates, syncs and rebuilds. */
  dimSymbol: DimSymbolService;
  /** One service per event table, by Tardis data type. */
  eventTables: Record<string, EventTableService>;
  /** The ingestion loop. */
  ingestion: IngestionService;
}

/** Options of {@linkcode buildIngestion}. */
export interface BuildIngestionOptions {
  /**
   * Runs the files of a run with more than one job, e.g. a `WorkerFileRunner` over the same
   * lake. @default {async concurrency in the calling thread}
   */
  parallelRunner?: FileRunner;
}

/**
 * Build the services over a lake's repositories.
 *
 * @param repos The repositories.
 * @param options How runs with several jobs run their files.
 * @returns The dim_symbol service, the event-table services and the ingestion loop.
 * @example
 * ```ts
 * import { buildIngestion } from "./build_ingestion.ts";
 * import { openDeltaLake } from "../io/delta_lake.ts";
 * const services = buildIngestion(openDeltaLake("/tmp/nowhere"));
 * if (!services.eventTables.trades) throw new Error("no trades service");
 * ```
 */
export function buildIngestion(
  repos: LakeRepositories,
  options: BuildIngestionOptions = {},
): LakeServices {
  const dimSymbol = new DimSymbolService(repos.dim);
  const eventTables: Record<string, EventTableService> = {};
  for (const [dataType, spec] of Object.entries(EVENT_TABLES)) {
    const repo = repos.events[dataType];
    if (!repo) continue;
    eventTables[dataType] = new EventTableService({
      spec,
      repo,
      quarantine: repos.quarantine,
      source: repos.source,
    });
  }
  const ingestion = new IngestionService({
    source: repos.source,
    manifest: repos.manifest,
    services: eventTables,
    loadDim: () => dimSymbol.current(),
    parallelRunner: options.parallelRunner,
  });
  return { dimSymbol, eventTables, ingestion };
}
