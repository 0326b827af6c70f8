/**
 * `deno task ingest`: ingest the lake's bronze files into the silver tables.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { BRONZE_DIR } from "../src/config.ts";
import { isRemoteUri, joinUri } from "../src/io/delta/storage_for_uri.ts";
import { EVENT_TABLES } from "../src/domain/event_tables.ts";
import { exchangeId, UnknownExchangeError } from "../src/domain/exchanges.ts";
import { openDeltaLake } from "../src/io/delta_lake.ts";
import { type CommandSpec, helpText, parseCliArgs, parseDateFlag } from "../src/cli/args.ts";
import { checkBronzeExchanges } from "../src/cli/bronze_exchanges.ts";
import { formatIngestReport } from "../src/cli/ingest_report.ts";
import { ProgressBar } from "../src/cli/progress_bar.ts";
import { checkedLocation, LAKE_FLAG_HELP, lakeRootFlag } from "../src/cli/lake_flag.ts";
import { runCli } from "../src/cli/run_cli.ts";
import { UserError } from "../src/cli/user_error.ts";
import { buildIngestion } from "../src/services/build_ingestion.ts";
import { MIN_JOB_BRONZE_BYTES, MIN_JOB_MEMORY_BYTES } from "../src/services/ingest_jobs.ts";
import { WorkerFileRunner } from "../src/services/worker_file_runner.ts";
import {
  DEFAULT_DATA_FILE_BYTES,
  DEFAULT_FILE_MEMORY_BYTES,
} from "../src/services/event_table_service.ts";

/** Default `--memory`: the service's default budget (1024 MiB, safe on a 16 GB laptop). */
const DEFAULT_MEMORY_MIB = DEFAULT_FILE_MEMORY_BYTES / 2 ** 20;
/** Default `--file-mib`: the service's data file size of a streamed file (256 MiB). */
const DEFAULT_FILE_MIB = DEFAULT_DATA_FILE_BYTES / 2 ** 20;

const SPEC: CommandSpec = {
  usage: "deno task ingest [options]",
  description: `
Ingest vendor files from <lake>/bronze (or --bronze) into the silver Delta tables (exactly once
per file). A lake or bronze root may be an s3://bucket/prefix URI: credentials, region and
endpoint come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION and
AWS_ENDPOINT_URL (path-style addressing for a custom endpoint).
Files already ingested are skipped; failed files are retried. Exit code 1 if any file failed or could not be read.
Data types: ${Object.keys(EVENT_TABLES).join(", ")}.`,
  flags: {
    lake: { type: "string", value: "DIR|URI", help: LAKE_FLAG_HELP },
    bronze: {
      type: "string",
      value: "DIR|URI",
      help: "Bronze root: a folder or s3://bucket/prefix (default: <lake>/bronze)",
    },
    "data-type": { type: "string", value: "T", help: "Only this Tardis data type (comma list ok)" },
    exchange: { type: "string", value: "E", help: "Only this exchange (comma list ok)" },
    since: { type: "string", value: "D", help: "First day, YYYY-MM-DD (inclusive)" },
    until: { type: "string", value: "D", help: "Last day, YYYY-MM-DD (inclusive)" },
    force: { type: "boolean", help: "Re-ingest files already ingested (replaces their rows)" },
    "retry-quarantined": { type: "boolean", help: "Re-ingest files whose status is quarantined" },
    "dry-run": { type: "boolean", help: "List the pending files; write nothing" },
    memory: {
      type: "string",
      value: "MiB",
      help: `Working-set budget of the run (default ${DEFAULT_MEMORY_MIB}); larger files stream`,
    },
    "file-mib": {
      type: "string",
      value: "MiB",
      help: `Data file size of a streamed file (default ${DEFAULT_FILE_MIB}); files stay sorted`,
    },
    jobs: {
      type: "string",
      value: "N",
      help: `Files at once, on worker threads sharing --memory (default: the cores, ` +
        `${navigator.hardwareConcurrency ?? 1} here, at most one per ` +
        `${MIN_JOB_MEMORY_BYTES / 2 ** 20} MiB of --memory and per ` +
        `${MIN_JOB_BRONZE_BYTES / 2 ** 20} MiB of pending files; 2 jobs measured 1.3-1.7x as ` +
        `fast as 1 on 2 idle cores)`,
    },
    shard: {
      type: "string",
      value: "I/N",
      help: "Only shard I of N (0-based, split by path hash): one slice per process or machine",
    },
  },
};

/**
 * Run the ingest job.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  const { values: v, help } = parseCliArgs(args, SPEC);
  if (help) {
    console.log(helpText(SPEC));
    return 0;
  }
  const root = await lakeRootFlag(v.lake as string | undefined);
  const dataTypes = _list(v["data-type"] as string | undefined);
  for (const t of dataTypes ?? []) {
    if (!EVENT_TABLES[t]) {
      throw new UserError(
        `Unknown --data-type "${t}": expected one of ${Object.keys(EVENT_TABLES).join(", ")}`,
      );
    }
  }
  const exchanges = _list(v.exchange as string | undefined);
  for (const e of exchanges ?? []) {
    try {
      exchangeId(e);
    } catch (err) {
      if (err instanceof UnknownExchangeError) throw new UserError(`Unknown --exchange "${e}"`);
      throw err;
    }
  }
  const since = v.since ? parseDateFlag("since", v.since as string) : undefined;
  const until = v.until ? parseDateFlag("until", v.until as string) : undefined;
  if (since && until && since > until) {
    throw new UserError(`Invalid range: --since "${since}" is after --until "${until}"`);
  }
  const memoryMiB = _positiveInt("memory", v.memory, DEFAULT_MEMORY_MIB);
  const fileMiB = _positiveInt("file-mib", v["file-mib"], DEFAULT_FILE_MIB);
  // By default the run picks the jobs from the budget, the cores and the pending files' size.
  const jobs = v.jobs === undefined ? "auto" : _positiveInt("jobs", v.jobs, 1);
  const shard = v.shard === undefined ? undefined : _shard(String(v.shard));
  const bronze = v.bronze !== undefined
    ? checkedLocation("bronze", v.bronze as string)
    : joinUri(root, BRONZE_DIR);
  if (!isRemoteUri(bronze)) {
    // a remote prefix has no folder to check: an empty one simply holds no files
    const st = await stat(bronze).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new UserError(
        `No bronze folder at "${bronze}": put vendor files there, or run "deno task demo"`,
      );
    }
  }
  const lake = openDeltaLake(root, { bronzeDir: bronze });
  if (exchanges) await checkBronzeExchanges(lake.source, exchanges);
  // With more than one job, files run on Deno Workers, each opening this same lake.
  const workers = new WorkerFileRunner({
    lake: { root, bronzeDir: bronze },
    manifest: lake.manifest,
  });
  const services = buildIngestion(lake, { parallelRunner: workers });
  const dryRun = Boolean(v["dry-run"]);
  if (!dryRun && (await lake.dim.readAll()).height === 0) {
    console.error(
      'warning: dim_symbol is empty, every row will be quarantined; run "deno task dim-symbol sync --file <instruments.json>" first',
    );
  }
  let bar: ProgressBar | undefined;
  const result = await services.ingestion.run({
    dataTypes,
    exchanges,
    since,
    until,
    force: Boolean(v.force),
    retryQuarantined: Boolean(v["retry-quarantined"]),
    dryRun,
    jobs,
    memoryBytes: memoryMiB * 2 ** 20,
    fileTargetBytes: fileMiB * 2 ** 20,
    shard,
    onPlan: (pending) => {
      if (!dryRun && pending.length > 0) bar = new ProgressBar({ label: "ingest" });
    },
    onStart: (_file, running) => bar?.running(running),
    onProgress: (p) => bar?.update(p),
  });
  bar?.finish();
  if (dryRun) {
    console.log(`Dry run: ${result.pending} of ${result.discovered} file(s) would be ingested.`);
    for (const f of result.files) {
      console.log(`  ${f.meta.bronze_path}${f.status === "failed" ? `: ${f.message}` : ""}`);
    }
    if (result.unmatched.length > 0) {
      console.log(`Not in a bronze layout (${result.unmatched.length}):`);
      for (const u of result.unmatched) console.log(`  ${u.bronze_path}: ${u.reason}`);
    }
    return 0;
  }
  console.log(formatIngestReport(result));
  return result.byStatus.failed > 0 || result.unreadable.length > 0 ? 1 : 0;
}

function _positiveInt(flag: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new UserError(`Invalid --${flag} "${value}": expected a positive integer`);
  }
  return n;
}

function _shard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count) {
    throw new UserError(`Invalid --shard "${value}": expected I/N with 0 <= I < N, e.g. 0/4`);
  }
  return { index, count };
}

function _list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length === 0) throw new UserError("Empty list value");
  return items;
}

if (import.meta.main) await runCli(main);
