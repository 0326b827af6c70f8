/**
 * The CLI rules of the README hold for every job and every flag: a user mistake is one
 * `error: …` line, exit code 2, no stack trace; a flag a command does not read is an error,
 * never silently ignored. The jobs run as subprocesses, in parallel, against one small lake.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { writeSmallLake } from "../research/_small_lake.ts";

const dec = new TextDecoder();

/**
 * Run a job as a user does. `--node-modules-dir=manual` uses the installed packages without
 * taking the install lock, so parallel runs neither wait for each other nor print lock notices.
 */
async function run(script: string, args: string[], env?: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--node-modules-dir=manual",
      new URL(`../../tasks/${script}`, import.meta.url).pathname,
      ...args,
    ],
    ...(env ? { env } : {}),
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Map with at most `limit` calls running at once. */
async function pool<T, R>(items: T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

Deno.test("user mistakes on every job: one error line, exit 2, no stack", async () => {
  const { root: lake } = await writeSmallLake();
  const file = `${lake}/not-a-folder`;
  await Deno.writeTextFile(file, "x");
  const bronze = `${lake}/bronze/datasets`;
  await Deno.mkdir(bronze, { recursive: true });
  for (const name of ["deribit_trades_2024-07-31_BTC-PERPETUAL", "bybit_trades_2024-07-31_X"]) {
    await Deno.writeFile(`${bronze}/${name}.csv.gz`, gzipSync("exchange,symbol\n"));
  }
  const cases: [string, string[], RegExp][] = [
    [
      "lake.ts",
      ["vacuum", "trades", "--lake", lake, "--retention-hours", "0"],
      /with --retention-hours 0: shorter than the table's retention of 168 hours .*add --ignore-retention-check to override$/,
    ],
    [
      "lake.ts",
      ["history", "trades", "--lake", lake, "--limit", "-1"],
      /Invalid --limit "-1": expected a positive integer/,
    ],
    [
      "lake.ts",
      ["optimize", "trades", "--lake", lake, "--target-size", "0"],
      /Invalid --target-size "0": expected a positive integer/,
    ],
    [
      "lake.ts",
      ["files", "trades", "--lake", lake, "--limit", "3"],
      /Option --limit does not apply to "files"/,
    ],
    [
      "lake.ts",
      ["history", "trades", "--lake", lake, "--target-size", "9"],
      /Option --target-size does not apply to "history": it takes --limit/,
    ],
    ["lake.ts", ["history", "trades", "--lake", file], /Invalid --lake ".*": it is a file/],
    ["ingest.ts", ["--lake", file], /Invalid --lake ".*not-a-folder": it is a file, not a folder/],
    ["demo.ts", ["--lake", `${file}/sub`], /Invalid --lake ".*": a part of the path is a file/],
    ["dim_symbol.ts", ["rebuild", "--lake", file], /it is a file, not a folder/],
    [
      "dim_symbol.ts",
      ["rebuild", "--lake", lake, "--file", "x.json"],
      /Option --file does not apply to "rebuild"/,
    ],
    [
      "dim_symbol.ts",
      ["sync", "--lake", lake, "--file", "x.json", "--effective-ts", "1722643200"],
      /Invalid --effective-ts "1722643200": .*1970.*seconds \(2024-08-03T00:00:00.000Z\), give 1722643200000000/,
    ],
    [
      "ingest.ts",
      ["--lake", lake, "--exchange", "binance"],
      /No bronze files for --exchange "binance": the bronze folder has files of "bybit", "deribit"$/,
    ],
    ["notebooks.ts", ["--bogus"], /^error: Unknown option '--bogus'/],
    ["notebooks.ts", ["--only", "zzz"], /^error: No notebook matches --only "zzz"/],
  ];
  try {
    const results = await pool(cases, 4, ([script, args]) => run(script, args));
    results.forEach((r, i) => {
      const [script, args, message] = cases[i];
      const what = `${script} ${args.join(" ")}`;
      assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, `${what}: one line\n${r.stderr}`);
      assert.match(lines[0], /^error: /, what);
      assert.match(lines[0], message, what);
      assert.doesNotMatch(r.stderr, /^\s+at\s|Stack backtrace|RangeError|TypeError/m, what);
    });
  } finally {
    await Deno.remove(lake, { recursive: true });
  }
});

Deno.test("the override flags do what the errors suggest", async () => {
  const { root: lake } = await writeSmallLake();
  try {
    const vacuum = await run("lake.ts", [
      "vacuum",
      "trades",
      "--lake",
      lake,
      "--retention-hours",
      "0",
      "--ignore-retention-check",
    ]);
    assert.equal(vacuum.code, 0, vacuum.stderr);
    assert.match(vacuum.stdout, /Would delete \d+ file\(s\) \(dry run; --apply to delete\)/);
    const env = { LAKE_ROOT: `${lake}/silver/trades/_delta_log/00000000000000000000.json` };
    const viaEnv = await run("lake.ts", ["history", "trades"], env);
    assert.equal(viaEnv.code, 2, viaEnv.stderr);
    assert.match(viaEnv.stderr, /^error: Invalid LAKE_ROOT ".*\.json": it is a file/);
  } finally {
    await Deno.remove(lake, { recursive: true });
  }
});
