import assert from "node:assert/strict";
import { join } from "node:path";
import { TableNotFoundError } from "../../src/io/delta/errors.ts";
import { LakeSqlError } from "../../src/research/lake_sql_error.ts";
import { openLake } from "../../src/research/open_lake.ts";
import { loadQuotes, loadTrades } from "../../src/research/load_events.ts";
import { findSymbols, symbolHistory } from "../../src/research/symbols.ts";
import { writeSmallLake } from "./_small_lake.ts";

const { root } = await writeSmallLake();
const lake = openLake(root);

async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await listing(p));
    else out.push(`${p} ${(await Deno.stat(p)).mtime?.getTime()}`);
  }
  return out.sort();
}

Deno.test("tables() lists the registered tables that exist", async () => {
  assert.deepEqual(await lake.tables(), ["dim_symbol", "trades", "quotes"]);
  assert.deepEqual(await openLake(join(root, "nothing-here")).tables(), []);
});

Deno.test("sql joins two tables of the lake", async () => {
  const df = await lake.sql(
    "SELECT d.exchange_symbol, count(*) AS n FROM trades t " +
      "JOIN dim_symbol d ON t.symbol_id = d.symbol_id GROUP BY d.exchange_symbol ORDER BY 1",
  );
  assert.deepEqual(df.getColumn("exchange_symbol").toArray(), ["BTC-USD", "BTCUSDT", "ETHUSDT"]);
  assert.deepEqual(df.getColumn("n").toArray().map(Number), [1, 7, 2]);
});

Deno.test("sql filters on partition columns and travels in time per table", async () => {
  const latest = await lake.sql("SELECT count(*) AS n FROM trades WHERE exchange = 'binance'");
  assert.equal(Number(latest.getColumn("n").get(0)), 9);
  const v0 = await lake.sql("SELECT count(*) AS n FROM trades", {
    tables: { trades: { version: 0 } },
  });
  assert.equal(Number(v0.getColumn("n").get(0)), 5);
});

Deno.test("sql on a table the lake lacks is Polars' error listing the tables that exist", async () => {
  await assert.rejects(
    () => lake.sql("SELECT 1 FROM candles"),
    (e: Error) =>
      e instanceof LakeSqlError && /relation 'candles' was not found/.test(e.message) &&
      /has tables dim_symbol, trades, quotes/.test(e.message) &&
      /query: "SELECT 1 FROM candles"/.test(e.message),
  );
  await assert.rejects(
    () => lake.sql("SELECT * FROM trades t JOIN l2_updates u ON t.symbol_id = u.symbol_id"),
    (e: Error) => e instanceof LakeSqlError && /relation 'l2_updates'/.test(e.message),
  );
});

Deno.test("sql errors are Polars' own messages naming the query, not a TypeError", async () => {
  const cases: [string, RegExp][] = [
    ["SELEC * FROM trades", /sql parser error: .*SELEC/],
    ["SELECT no_such_column FROM trades", /unable to find column "no_such_column"/],
    ["SELECT px_int FROM trades WHERE exchange = 1", /cannot compare string with numeric type/],
  ];
  for (const [query, message] of cases) {
    await assert.rejects(
      () => lake.sql(query),
      (e: Error) => {
        assert.ok(e instanceof LakeSqlError, `${query}: ${e.name}: ${e.message}`);
        assert.match(e.message, /^SQL query failed: /);
        assert.match(e.message, message);
        assert.ok(e.message.endsWith(`query: "${query}"`), e.message);
        assert.equal(e.query, query);
        assert.doesNotMatch(e.message, /_ldf|is not a function/);
        return true;
      },
    );
  }
});

Deno.test("sql without a table still runs (Polars SQL needs none)", async () => {
  const df = await lake.sql("SELECT 1 AS one");
  assert.equal(Number(df.getColumn("one").get(0)), 1);
});

Deno.test("findSymbols on an unknown exchange lists the known ones, not source code to edit", async () => {
  await assert.rejects(
    () => findSymbols({ root, exchange: "nope" }),
    (e: Error) =>
      /Unknown exchange "nope": expected a Tardis exchange name, one of binance,/.test(
        e.message,
      ) && !/src\/|EXCHANGE_IDS/.test(e.message),
  );
});

Deno.test("history lists commits newest first with operations", async () => {
  const h = await lake.history("trades");
  assert.deepEqual(h.getColumn("version").toArray().map(Number), [2, 1, 0]);
  assert.equal(h.getColumn("operation").get(2), "CREATE TABLE");
  assert.equal((await lake.history("trades", 1)).height, 1);
});

Deno.test("table() time travels and scan() reads lazily", async () => {
  assert.equal((await lake.table("trades", { version: 1 })).version, 1);
  const df = await (await lake.scan("trades", {
    columns: ["exchange", "px_int"],
    filter: [["exchange", "=", "coinbase"]],
  })).collect();
  assert.deepEqual(df.getColumn("px_int").toArray().map(Number), [10002]);
});

Deno.test("a missing or unknown table is a clear error", async () => {
  await assert.rejects(
    () => lake.table("l2_updates"),
    (e: Error) =>
      e instanceof TableNotFoundError &&
      /the lake at ".*" has tables dim_symbol, trades, quotes: pass `root` or set LAKE_ROOT/.test(
        e.message,
      ),
  );
  await assert.rejects(
    () =>
      loadTrades({
        root: `${root}/nothing`,
        exchange: "binance",
        symbol: "BTCUSDT",
        start: 0,
        end: 1,
      }),
    (e: Error) =>
      e instanceof TableNotFoundError && /has no tables: .*run "deno task demo"/.test(e.message),
  );
  assert.throws(() => lake.path("candles"), RangeError);
});

Deno.test("the research API never writes to the lake", async () => {
  const before = await listing(root);
  await lake.tables();
  await lake.history("trades");
  await lake.sql("SELECT count(*) FROM trades");
  await loadTrades({
    root,
    exchange: "binance",
    symbol: "BTCUSDT",
    start: "2024-05-01",
    end: "2024-05-03",
  });
  await loadQuotes({
    root,
    exchange: "binance",
    symbol: "BTCUSDT",
    start: "2024-05-01",
    end: "2024-05-03",
  });
  await symbolHistory("binance", "BTCUSDT", { root });
  await findSymbols({ root, exchange: "binance" });
  assert.deepEqual(await listing(root), before);
});

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(root, { recursive: true });
  } catch {
    // already gone
  }
});

Deno.test("openLake and the Lake methods check their options at run time", async () => {
  const lake = openLake(await Deno.makeTempDir());
  assert.throws(() => openLake({ root: "x" } as never), /Invalid argument "root" of openLake/);
  await assert.rejects(
    () => lake.scan("trades", { column: ["px_int"] } as never),
    /Unknown option "column" of Lake.scan \(did you mean "columns"\?\)/,
  );
  assert.throws(
    () => lake.table("trades", { versoin: 1 } as never),
    /Unknown option "versoin" of Lake.table \(did you mean "version"\?\): allowed are "version", "asOf"/,
  );
  await assert.rejects(
    () => lake.sql("SELECT 1 FROM trades", { table: {} } as never),
    /Unknown option "table" of Lake.sql \(did you mean "tables"\?\)/,
  );
  await Deno.remove(lake.root, { recursive: true });
});
