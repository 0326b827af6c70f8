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
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import pl from "nodejs-polars";
import { BRONZE_DIR, lakeRoot } from "../src/config.ts";
import { fromTardisInstruments } from "../src/domain/tardis_instruments.ts";
import { INSTRUMENTS_DIR } from "../src/io/bronze_layout.ts";
import { openDeltaLake } from "../src/io/delta_lake.ts";
import { type CommandSpec, helpText, parseCliArgs, parseTimestampFlag } from "../src/cli/args.ts";
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
    lake: { type: "string", value: "DIR", help: "Lake root (default: $LAKE_ROOT or ./lake)" },
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
  const root = lakeRoot(v.lake as string | undefined);
  const { dimSymbol } = buildIngestion(openDeltaLake(root));
  const instrumentsDir = join(root, BRONZE_DIR, INSTRUMENTS_DIR);
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
    const kept = await _keepCopy(instrumentsDir, file, text, effectiveTs);
    console.log(
      `dim_symbol: ${res.rowsBefore} -> ${res.rowsAfter} rows (${res.currentRows} current); ` +
        `instrument file kept as ${kept}`,
    );
    return 0;
  }
  if (command === "rebuild") {
    const names = (await readdir(instrumentsDir).catch(() => [] as string[]))
      .filter((n) => n.endsWith(".json")).sort();
    if (names.length === 0) {
      throw new UserError(
        `No instrument files in "${instrumentsDir}": run "deno task dim-symbol sync --file ..." first`,
      );
    }
    const parts: pl.DataFrame[] = [];
    for (const name of names) {
      const path = join(instrumentsDir, name);
      const m = /^(\d+)(?:_[0-9a-f]+)?\.json$/.exec(name);
      const effectiveTs = m ? Number(m[1]) : Math.round((await stat(path)).mtimeMs * 1000);
      const json = JSON.parse(await readFile(path, "utf8"));
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

async function _keepCopy(dir: string, file: string, text: string, effectiveTs: number) {
  if (resolve(file).startsWith(resolve(dir) + "/")) return basename(file);
  await mkdir(dir, { recursive: true });
  let name = `${effectiveTs}.json`;
  const existing = await readFile(join(dir, name), "utf8").catch(() => undefined);
  if (existing !== undefined && existing !== text) {
    const h = createHash("sha256").update(text).digest("hex").slice(0, 12);
    name = `${effectiveTs}_${h}.json`;
  }
  await writeFile(join(dir, name), text);
  return `${INSTRUMENTS_DIR}/${name}`;
}

if (import.meta.main) await runCli(main);
