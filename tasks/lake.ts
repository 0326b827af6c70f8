/**
 * `deno task lake <history|files|vacuum|optimize|checkpoint> <table>`: Delta table maintenance.
 *
 * `vacuum` only lists what it would delete unless `--apply` is given.
 *
 * @module
 */
import { TABLE_PATHS, type TableName, tablePath } from "../src/config.ts";
import { createCheckpoint } from "../src/io/delta/checkpoint_writer.ts";
import { DeltaTable } from "../src/io/delta/delta_table.ts";
import { TableNotFoundError } from "../src/io/delta/errors.ts";
import { optimize } from "../src/io/delta/optimize.ts";
import { vacuum } from "../src/io/delta/vacuum.ts";
import { storageForUri } from "../src/io/delta/storage_for_uri.ts";
import { type CommandSpec, helpText, parseCliArgs } from "../src/cli/args.ts";
import { LAKE_FLAG_HELP, lakeRootFlag } from "../src/cli/lake_flag.ts";
import { runCli } from "../src/cli/run_cli.ts";
import { formatTable } from "../src/cli/table.ts";
import { UserError } from "../src/cli/user_error.ts";

const COMMANDS = ["history", "files", "vacuum", "optimize", "checkpoint"] as const;

/** The flags each command reads besides `--lake`; any other is an error, never ignored. */
const COMMAND_FLAGS: Record<(typeof COMMANDS)[number], string[]> = {
  history: ["limit"],
  files: [],
  vacuum: ["retention-hours", "apply", "ignore-retention-check"],
  optimize: ["target-size"],
  checkpoint: [],
};

const SPEC: CommandSpec = {
  usage: "deno task lake <history|files|vacuum|optimize|checkpoint> <table> [options]",
  description: `
history     Commits of the table, newest first
files       Live data files with their partition values, size and row count
vacuum      Delete unreferenced files older than the retention (a dry run unless --apply)
optimize    Compact small files (no data change)
checkpoint  Write a checkpoint of the latest version
Tables: ${Object.keys(TABLE_PATHS).join(", ")}.`,
  flags: {
    lake: { type: "string", value: "DIR|URI", help: LAKE_FLAG_HELP },
    limit: { type: "string", value: "N", help: "history: newest N commits (default 20)" },
    "retention-hours": {
      type: "string",
      value: "H",
      help: "vacuum: keep unreferenced files younger than H hours (default 168)",
    },
    apply: { type: "boolean", help: "vacuum: really delete (default: dry run)" },
    "ignore-retention-check": {
      type: "boolean",
      help: "vacuum: allow --retention-hours below the table's retention (unsafe for readers " +
        "and writers of older versions)",
    },
    "target-size": {
      type: "string",
      value: "BYTES",
      help: "optimize: target file size (default 104857600)",
    },
  },
  maxPositionals: 2,
};

/**
 * Run the lake job.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  const { values: v, positionals, help } = parseCliArgs(args, SPEC);
  if (help) {
    console.log(helpText(SPEC));
    return 0;
  }
  const [command, table] = positionals;
  if (!command) throw new UserError(`Missing command: one of ${COMMANDS.join(", ")}`);
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UserError(`Unknown command "${command}": expected one of ${COMMANDS.join(", ")}`);
  }
  const allowed = COMMAND_FLAGS[command as (typeof COMMANDS)[number]];
  for (const [flag, value] of Object.entries(v)) {
    if (value === undefined || flag === "lake" || flag === "help" || allowed.includes(flag)) {
      continue;
    }
    throw new UserError(
      `Option --${flag} does not apply to "${command}"` +
        (allowed.length > 0
          ? `: it takes ${allowed.map((f) => `--${f}`).join(", ")}`
          : ": it takes only --lake"),
    );
  }
  if (!table) throw new UserError(`Missing table: one of ${Object.keys(TABLE_PATHS).join(", ")}`);
  if (!(table in TABLE_PATHS)) {
    throw new UserError(
      `Unknown table "${table}": expected one of ${Object.keys(TABLE_PATHS).join(", ")}`,
    );
  }
  const uri = tablePath(table as TableName, await lakeRootFlag(v.lake as string | undefined));
  try {
    return await _run(command, uri, v);
  } catch (err) {
    if (err instanceof TableNotFoundError) {
      throw new UserError(`No Delta table at "${uri}": ingest something first`, { cause: err });
    }
    throw err;
  }
}

async function _run(
  command: string,
  uri: string,
  v: Record<string, string | boolean | undefined>,
): Promise<number> {
  switch (command) {
    case "history": {
      const limit = _int("limit", v.limit, 20, 1);
      const table = await DeltaTable.open(uri);
      const rows = (await table.history(limit)).map((h) => ({
        version: h.version,
        time: new Date(h.timestamp).toISOString(),
        operation: h.operation ?? "",
        parameters: JSON.stringify(h.operationParameters ?? {}).slice(0, 80),
      }));
      console.log(formatTable(rows));
      return 0;
    }
    case "files": {
      const table = await DeltaTable.open(uri);
      const rows = table.files().map((f) => ({
        path: f.path,
        partition: Object.entries(f.partitionValues ?? {}).map(([k, x]) => `${k}=${x}`).join("/"),
        size: f.size,
        rows: _numRecords(f.stats ?? undefined),
      }));
      console.log(formatTable(rows));
      console.log(`${rows.length} file(s) at version ${table.version}`);
      return 0;
    }
    case "vacuum": {
      const retentionHours = _int("retention-hours", v["retention-hours"], 168);
      const enforceRetention = !v["ignore-retention-check"];
      const res = await vacuum(uri, { retentionHours, dryRun: !v.apply, enforceRetention })
        .catch((err) => {
          if (!(err instanceof RangeError) || !enforceRetention) throw err;
          // The API's override is the enforceRetention option; the CLI's is a flag.
          throw new UserError(
            `${
              err.message.replace(/; pass enforceRetention: false to override$/, "")
                .replace("with retentionHours ", "with --retention-hours ")
            }; ` +
              "add --ignore-retention-check to override",
            { cause: err },
          );
        });
      const verb = res.dryRun ? "Would delete" : "Deleted";
      console.log(
        `${verb} ${res.files.length} file(s)${res.dryRun ? " (dry run; --apply to delete)" : ""}`,
      );
      for (const f of res.files.slice(0, 50)) console.log(`  ${f}`);
      if (res.uploads.length > 0) {
        console.log(
          `${res.dryRun ? "Would abort" : "Aborted"} ${res.uploads.length} unfinished upload(s)`,
        );
        for (const u of res.uploads.slice(0, 50)) console.log(`  ${u}`);
      }
      return 0;
    }
    case "optimize": {
      const targetSize = _int("target-size", v["target-size"], 104_857_600, 1);
      const res = await optimize(uri, { targetSize });
      console.log(
        res.committed
          ? `Optimized: ${res.filesRemoved} file(s) compacted into ${res.filesAdded} (version ${res.version})`
          : "Already compact: nothing to do",
      );
      return 0;
    }
    case "checkpoint": {
      const last = await createCheckpoint(storageForUri(uri));
      console.log(`Checkpoint written at version ${last.version}`);
      return 0;
    }
  }
  return 2;
}

function _int(
  flag: string,
  value: string | boolean | undefined,
  fallback: number,
  min: 0 | 1 = 0,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    const expected = min > 0 ? "a positive integer" : "a non-negative integer";
    throw new UserError(`Invalid --${flag} "${value}": expected ${expected}`);
  }
  return n;
}

function _numRecords(stats: string | undefined): number | string {
  if (!stats) return "";
  try {
    return (JSON.parse(stats) as { numRecords?: number }).numRecords ?? "";
  } catch {
    return "";
  }
}

if (import.meta.main) await runCli(main);
