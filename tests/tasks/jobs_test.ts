/**
 * The `deno task` jobs as a user runs them: `--help`, argument validation without stack
 * traces, the demo end to end, and `ingest`'s exit code.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { taskCommand } from "../ingest/_lake.ts";

const dec = new TextDecoder();

async function run(script: string, args: string[]) {
  const out = await taskCommand(script, args).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("every job prints --help and exits 0", async () => {
  for (const script of ["demo.ts", "ingest.ts", "dim_symbol.ts", "lake.ts"]) {
    const r = await run(script, ["--help"]);
    assert.equal(r.code, 0, `${script}: ${r.stderr}`);
    assert.match(r.stdout, /^Usage: deno task /, script);
    assert.match(r.stdout, /-h, --help/, script);
  }
});

Deno.test("user mistakes print one clear line and no stack trace", async () => {
  const cases: [string, string[], RegExp][] = [
    ["ingest.ts", ["--bogus"], /Unknown option '--bogus'/],
    [
      "ingest.ts",
      ["--data-type", "candles"],
      /Unknown --data-type "candles": expected one of trades/,
    ],
    ["ingest.ts", ["--exchange", "nasdaq"], /Unknown --exchange "nasdaq"/],
    [
      "ingest.ts",
      ["--since", "2024-07-31", "--until", "2024-07-30"],
      /--since "2024-07-31" is after/,
    ],
    [
      "ingest.ts",
      ["--lake", "/nonexistent/lake"],
      /No bronze folder at "\/nonexistent\/lake\/bronze"/,
    ],
    ["dim_symbol.ts", ["sync"], /Missing --file/],
    [
      "dim_symbol.ts",
      ["sync", "--file", "/nonexistent.json"],
      /Cannot read --file "\/nonexistent.json"/,
    ],
    ["dim_symbol.ts", ["frobnicate"], /Unknown command "frobnicate"/],
    [
      "dim_symbol.ts",
      ["sync", "--file", "x", "--effective-ts", "soon"],
      /Invalid --effective-ts "soon"/,
    ],
    ["lake.ts", ["vacuum"], /Missing table/],
    ["lake.ts", ["shrink", "trades"], /Unknown command "shrink"/],
    ["lake.ts", ["history", "candles"], /Unknown table "candles"/],
    ["lake.ts", ["history", "trades", "--lake", "/nonexistent/lake"], /No Delta table at/],
    ["demo.ts", ["--rows", "0"], /Invalid --rows "0"/],
  ];
  for (const [script, args, message] of cases) {
    const r = await run(script, args);
    assert.equal(r.code, 2, `${script} ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, message, `${script} ${args.join(" ")}`);
    assert.doesNotMatch(
      r.stderr,
      /^\s+at\s|Stack backtrace/m,
      `${script} ${args.join(" ")} printed a stack`,
    );
    assert.equal(r.stderr.trim().split("\n").length, 1, `${script} ${args.join(" ")}: one line`);
  }
});

Deno.test("demo builds, syncs, ingests and prints the summary; a re-run ingests nothing new", async () => {
  const lake = await Deno.makeTempDir({ prefix: "pointline_demo_" });
  try {
    const r = await run("demo.ts", ["--lake", lake, "--rows", "60"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Sample bronze: 36 files/);
    assert.match(r.stdout, /dim_symbol: 4 versions of 3 instruments/);
    assert.match(r.stdout, /success\s+36/);
    assert.match(r.stdout, /trades\s+trades\s+360/);
    assert.match(r.stdout, /Decoded BTCUSDT trades/);
    assert.match(r.stdout, /BTCUSDT\s+\w+\s+\d+\s+0\.5\s/, "a trade decoded with the old tick");
    assert.match(r.stdout, /BTCUSDT\s+\w+\s+\d+\s+0\.1\s/, "a trade decoded with the new tick");
    const again = await run("demo.ts", ["--lake", lake, "--rows", "60"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Discovered 36 file\(s\), 0 pending/);
    assert.match(again.stdout, /trades\s+trades\s+360/);

    // lake maintenance on the demo lake
    const hist = await run("lake.ts", ["history", "trades", "--lake", lake, "--limit", "3"]);
    assert.equal(hist.code, 0, hist.stderr);
    assert.equal(hist.stdout.trim().split("\n").length, 5);
    const vac = await run("lake.ts", ["vacuum", "trades", "--lake", lake]);
    assert.match(vac.stdout, /dry run/);
    const opt = await run("lake.ts", ["optimize", "ingest_manifest", "--lake", lake]);
    assert.match(opt.stdout, /Optimized|Already compact/);
    const after = await run("ingest.ts", ["--lake", lake]);
    assert.equal(after.code, 0, "the manifest still reads after optimize");
    assert.match(after.stdout, /0 pending/);
  } finally {
    await Deno.remove(lake, { recursive: true });
  }
});

Deno.test("ingest exits 1 when a file failed and lists it with its reason", async () => {
  const lake = await Deno.makeTempDir({ prefix: "pointline_ingest_" });
  try {
    await Deno.mkdir(`${lake}/bronze/datasets`, { recursive: true });
    const good = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n";
    await Deno.writeFile(
      `${lake}/bronze/datasets/deribit_trades_2024-07-30_BTC-PERPETUAL.csv.gz`,
      gzipSync(good),
    );
    await Deno.writeFile(
      `${lake}/bronze/datasets/deribit_trades_2024-07-31_BTC-PERPETUAL.csv.gz`,
      gzipSync(good).slice(0, 10),
    );
    await Deno.writeTextFile(`${lake}/bronze/datasets/readme.md`, "x");
    const r = await run("ingest.ts", ["--lake", lake]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stdout,
      /Failed \(1\):\n\s+datasets\/deribit_trades_2024-07-31_BTC-PERPETUAL\.csv\.gz: Cannot decompress/,
    );
    assert.match(r.stdout, /Not in a bronze layout \(1\):\n\s+datasets\/readme\.md/);
    assert.match(r.stderr, /warning: dim_symbol is empty/);
    const dry = await run("ingest.ts", ["--lake", lake, "--dry-run"]);
    assert.equal(dry.code, 0);
    assert.match(
      dry.stdout,
      /Dry run: 1 of 2 file\(s\) would be ingested/,
      "the failed file is retried",
    );
  } finally {
    await Deno.remove(lake, { recursive: true });
  }
});
