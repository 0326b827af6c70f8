/**
 * `deno task dim-symbol`: maintain the `dim_symbol` table.
 *
 * - `sync --file instruments.json [--effective-ts T]`: apply a Tardis `/v1/instruments`
 *   answer (one object or an array) with SCD2 rules, then keep a copy of the file in
 *   `<lake>/bronze/tardis/instruments/<effective µs>.json` so `rebuild` can replay it.
 * - `rebuild`: rebuild the whole table from every instrument file kept in bronze (a
 *   deterministic rewrite: same files, same table and ids).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import pl from "nodejs-polars";
import { BRONZE_DIR } from "../src/config.ts";
import { FileNotFoundError, type ObjectStorage } from "../src/io/delta/storage.ts";
import { isRemoteUri, joinUri, storageForUri } from "../src/io/delta/storage_for_uri.ts";
import { fromTardisInstruments } from "../src/domain/tardis_instruments.ts";
import { INSTRUMENTS_DIR } from "../src/io/bronze_layout.ts";
import { openDeltaLake } from "../src/io/delta_lake.ts";
import { type CommandSpec, helpText, parseCliArgs, parseTimestampFlag } from "../src/cli/args.ts";
import { LAKE_FLAG_HELP, lakeRootFlag } from "../src/cli/lake_flag.ts";
import { runCli } from "../src/cli/run_cli.ts";
import { UserError } from "../src/cli/user_error.ts";
import { buildIngestion } from "../src/services/build_ingestion.ts";

const SPEC: CommandSpec = {
  usage: "deno task dim-symbol <sync|rebuild> [options]",
  description: `
sync     Apply a Tardis /v1/instruments JSON (--file) to dim_symbol with SCD2 rules; the file
         is kept under <lake>/bronze/${INSTRUMENTS_DIR}/ for rebuilds.
rebuild  Rebuild dim_symbol from every instrument file kept in bronze.`,
  flags: {
    lake: { type: "string", value: "DIR|URI", help: LAKE_FLAG_HELP },
    file: { type: "string", value: "PATH", help: "sync: the instruments JSON file" },
    "effective-ts": {
      type: "string",
      value: "T",
      help: "sync: when the list was fetched (µs or ISO time; default: now)",
    },
  },
  maxPositionals: 1,
};

/**
 * Run the dim-symbol job.
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
  const command = positionals[0];
  const root = await lakeRootFlag(v.lake as string | undefined);
  const { dimSymbol } = buildIngestion(openDeltaLake(root));
  const instrumentsDir = joinUri(joinUri(root, BRONZE_DIR), INSTRUMENTS_DIR);
  const instruments = storageForUri(instrumentsDir);
  if (command === "sync") {
    const file = v.file as string | undefined;
    if (!file) throw new UserError('Missing --file: "sync" needs an instruments JSON file');
    if (args.includes("--effective-ts") && !v["effective-ts"]) {
      throw new UserError("Missing value of --effective-ts");
    }
    const effectiveTs = v["effective-ts"]
      ? parseTimestampFlag("effective-ts", v["effective-ts"] as string)
      : Date.now() * 1000;
    const text = await readFile(file, "utf8").catch((err) => {
      throw new UserError(`Cannot read --file "${file}": ${(err as Error).message}`);
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new UserError(`Invalid JSON in "${file}": ${(err as Error).message}`);
    }
    const res = await _domainErrorsAsUser(() =>
      dimSymbol.syncTardisInstruments(json, { effectiveTs })
    );
    const kept = await _keepCopy(instruments, instrumentsDir, file, text, effectiveTs);
    console.log(
      `dim_symbol: ${res.rowsBefore} -> ${res.rowsAfter} rows (${res.currentRows} current); ` +
        `instrument file kept as ${kept}`,
    );
    return 0;
  }
  if (command === "rebuild") {
    for (const flag of ["file", "effective-ts"]) {
      if (v[flag] !== undefined) {
        throw new UserError(
          `Option --${flag} does not apply to "rebuild": it replays every instrument file kept ` +
            `in bronze; use "sync --${flag} ..." to add one`,
        );
      }
    }
    const kept = (await instruments.list(""))
      .filter((o) => !o.path.includes("/") && o.path.endsWith(".json"));
    const names = kept.map((o) => o.path);
    if (names.length === 0) {
      throw new UserError(
        `No instrument files in "${instrumentsDir}": run "deno task dim-symbol sync --file ..." first`,
      );
    }
    const parts: pl.DataFrame[] = [];
    for (const { path: name, lastModified } of kept) {
      const m = /^(\d+)(?:_[0-9a-f]+)?\.json$/.exec(name);
      const effectiveTs = m ? Number(m[1]) : Math.round(lastModified * 1000);
      const json = JSON.parse(new TextDecoder().decode(await instruments.read(name)));
      parts.push(
        await _domainErrorsAsUser(() =>
          Promise.resolve(fromTardisInstruments(json, { effectiveTs: BigInt(effectiveTs) }))
        ),
      );
    }
    const history = parts.length === 1 ? parts[0] : pl.concat(parts, { how: "diagonal" });
    const res = await _domainErrorsAsUser(() => dimSymbol.rebuild(history));
    console.log(
      `dim_symbol rebuilt from ${names.length} file(s): ${res.rowsBefore} -> ${res.rowsAfter} rows ` +
        `(${res.currentRows} current)`,
    );
    return 0;
  }
  if (command === undefined) throw new UserError('Missing command: "sync" or "rebuild"');
  throw new UserError(`Unknown command "${command}": expected "sync" or "rebuild"`);
}

/** Domain rejections of the input (bad instrument JSON, conflicting versions) are user errors. */
async function _domainErrorsAsUser<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    const name = (err as Error)?.name;
    if (
      err instanceof TypeError || err instanceof RangeError || name === "Scd2ConflictError" ||
      name === "UnknownExchangeError"
    ) {
      throw new UserError(`Cannot update dim_symbol: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  }
}

async function _keepCopy(
  storage: ObjectStorage,
  dir: string,
  file: string,
  text: string,
  effectiveTs: number,
) {
  if (!isRemoteUri(dir) && resolve(file).startsWith(resolve(dir) + "/")) return basename(file);
  let name = `${effectiveTs}.json`;
  const existing = await storage.read(name).then(
    (b) => new TextDecoder().decode(b),
    (err) => {
      if (err instanceof FileNotFoundError) return undefined;
      throw err;
    },
  );
  if (existing !== undefined && existing !== text) {
    const h = createHash("sha256").update(text).digest("hex").slice(0, 12);
    name = `${effectiveTs}_${h}.json`;
  }
  await storage.put(name, new TextEncoder().encode(text), { overwrite: true });
  return `${INSTRUMENTS_DIR}/${name}`;
}

if (import.meta.main) await runCli(main);
