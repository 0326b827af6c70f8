import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { VersionNotFoundError } from "../../src/io/delta/errors.ts";
import { tablePath } from "../../src/config.ts";
import { UnknownExchangeError } from "../../src/domain/exchanges.ts";
import {
  loadQuotes,
  loadTrades,
  planEvents,
  scanEvents,
  scanQuotes,
  scanTrades,
} from "../../src/research/load_events.ts";
import { SymbolNotFoundError } from "../../src/research/symbol_not_found_error.ts";
import { IDS, TRADES, us, writeSmallLake } from "./_small_lake.ts";
import { int64Values } from "../../src/domain/int64.ts";

const lake = await writeSmallLake();
const { root } = lake;
const BTC = { root, exchange: "binance", symbol: "BTCUSDT" };

function ids(df: pl.DataFrame): bigint[] {
  return (df.getColumn("symbol_id").cast(pl.Utf8).toArray() as string[]).map(BigInt);
}

Deno.test("loadTrades resolves a symbol across a tick-size change", async (t) => {
  const df = await loadTrades({ ...BTC, start: "2024-05-01", end: "2024-05-03" });
  const vendor = TRADES.filter((r) => r.v.symbol === "BTCUSDT");

  await t.step("both dim_symbol versions' rows are returned, in time order", () => {
    assert.equal(df.height, vendor.length);
    assert.deepEqual(int64Values(df.getColumn("ts_local_us")), vendor.map((r) => us(r.ts)));
    assert.deepEqual(ids(df), vendor.map((r) => r.v.id));
    assert.deepEqual(new Set(ids(df)), new Set([IDS.btcV1, IDS.btcV2]));
  });

  await t.step("decoded prices and sizes equal the vendor's decimal values exactly", () => {
    assert.deepEqual(df.getColumn("px").toArray(), vendor.map((r) => r.px));
    assert.deepEqual(df.getColumn("qty").toArray(), vendor.map((r) => r.qty));
    assert.ok(df.getColumn("px").dtype.equals(pl.Float64));
    assert.ok(!df.columns.includes("px_int"));
  });

  await t.step("exchange_symbol is added after symbol_id", () => {
    const at = df.columns.indexOf("symbol_id");
    assert.equal(df.columns[at + 1], "exchange_symbol");
    assert.deepEqual([...new Set(df.getColumn("exchange_symbol").toArray())], ["BTCUSDT"]);
  });
});

Deno.test("loadTrades keeps [start, end) on ts_local_us at the version boundary", async () => {
  const before = await loadTrades({
    ...BTC,
    start: "2024-05-01",
    end: Number(us("2024-05-01T12:00:00Z")),
  });
  assert.deepEqual(before.getColumn("px").toArray(), [100.1, 100.3]);
  assert.deepEqual(new Set(ids(before)), new Set([IDS.btcV1]));
  const after = await loadTrades({
    ...BTC,
    start: Number(us("2024-05-01T12:00:00Z")),
    end: "2024-05-02",
  });
  assert.deepEqual(after.getColumn("px").toArray(), [100.01, 100.07]);
  assert.deepEqual(new Set(ids(after)), new Set([IDS.btcV2]));
});

Deno.test("decode: false keeps the stored fixed-point integers of each version", async () => {
  const df = await loadTrades({ ...BTC, start: "2024-05-01", end: "2024-05-02", decode: false });
  assert.deepEqual(df.getColumn("px_int").toArray(), [1001, 1003, 10001, 10007]);
  assert.ok(!df.columns.includes("px"));
});

Deno.test("columns selects output columns by their decoded names", async () => {
  const df = await loadTrades({
    ...BTC,
    start: "2024-05-02",
    end: "2024-05-03",
    columns: ["ts_local_us", "px"],
  });
  assert.deepEqual(df.columns, ["ts_local_us", "px"]);
  assert.deepEqual(df.getColumn("px").toArray(), [101.05, 101.15, 101.1]);
  await assert.rejects(
    () => loadTrades({ ...BTC, start: "2024-05-02", end: "2024-05-03", columns: ["price"] }),
    (e: Error) => e instanceof RangeError && /Unknown column\(s\) "price"/.test(e.message),
  );
});

Deno.test("symbolId selects one dim_symbol version exactly (64-bit ids)", async () => {
  const df = await loadTrades({
    root,
    exchange: "binance",
    symbolId: IDS.btcV1,
    start: "2024-05-01",
    end: "2024-05-03",
  });
  assert.deepEqual(df.getColumn("px").toArray(), [100.1, 100.3]);
  await assert.rejects(
    () =>
      loadTrades({
        root,
        exchange: "binance",
        symbolId: 42n,
        start: "2024-05-01",
        end: "2024-05-02",
      }),
    SymbolNotFoundError,
  );
});

Deno.test("symbolId loads negative ids (bigint, text, or a list with a positive one)", async () => {
  assert.ok(IDS.btcV2 < 0n, "the fixture's second BTCUSDT version has a negative id");
  const range = { root, exchange: "binance", start: "2024-05-01", end: "2024-05-03" };
  for (const symbolId of [IDS.btcV2, String(IDS.btcV2), [IDS.btcV2]]) {
    const df = await loadTrades({ ...range, symbolId });
    assert.deepEqual(df.getColumn("px").toArray(), [100.01, 100.07, 101.05, 101.15, 101.1]);
    assert.deepEqual(new Set(ids(df)), new Set([IDS.btcV2]));
  }
  const both = await loadTrades({ ...range, symbolId: [IDS.btcV1, IDS.btcV2] });
  assert.deepEqual(new Set(ids(both)), new Set([IDS.btcV1, IDS.btcV2]));
  await assert.rejects(
    () => loadTrades({ ...range, symbolId: -(2n ** 63n) }),
    (e: Error) =>
      e instanceof SymbolNotFoundError && /symbol_id -9223372036854775808 /.test(e.message),
  );
  await assert.rejects(
    () => loadTrades({ ...range, symbolId: 2n ** 63n }),
    (e: Error) => e instanceof RangeError && /outside \[-2\^63, 2\^63 - 1\]/.test(e.message),
  );
});

Deno.test("loading every symbol of an exchange decodes each with its own increments", async () => {
  const df = await loadTrades({
    root,
    exchange: "binance",
    start: "2024-05-01",
    end: "2024-05-03",
  });
  const vendor = TRADES.filter((r) => r.v.exchange === "binance")
    .sort((a, b) => Number(us(a.ts) - us(b.ts)));
  assert.deepEqual(df.getColumn("px").toArray(), vendor.map((r) => r.px));
});

Deno.test("partition pruning: a one-day load of one exchange touches 1 of 3 files", async (t) => {
  const plan = await planEvents("trades", { ...BTC, start: "2024-05-02", end: "2024-05-03" });
  await t.step("the plan lists only the binance 2024-05-02 file", () => {
    assert.equal(plan.totalFiles, 3);
    assert.equal(plan.files.length, 1);
    assert.match(plan.files[0], /^exchange=binance\/date=2024-05-02\//);
  });
  await t.step("two days of coinbase touch only the coinbase file", async () => {
    const cb = await planEvents("trades", {
      root,
      exchange: "coinbase",
      symbol: "BTC-USD",
      start: "2024-05-01",
      end: "2024-05-03",
    });
    assert.equal(cb.files.length, 1);
    assert.match(cb.files[0], /^exchange=coinbase\/date=2024-05-01\//);
  });
  await t.step(
    "the load reads no other file: it succeeds with the other files corrupted",
    async () => {
      const copy = await writeSmallLake();
      const table = tablePath("trades", copy.root);
      const others = (await planEvents("trades", {
        ...BTC,
        root: copy.root,
        start: "2024-05-01",
        end: "2024-05-03",
      }))
        .files.filter((f) => !f.includes("date=2024-05-02"));
      const cbPlan = await planEvents("trades", {
        root: copy.root,
        exchange: "coinbase",
        start: "2024-05-01",
        end: "2024-05-02",
      });
      for (const f of [...others, ...cbPlan.files]) {
        await Deno.writeTextFile(`${table}/${f}`, "not parquet");
      }
      const df = await loadTrades({
        ...BTC,
        root: copy.root,
        start: "2024-05-02",
        end: "2024-05-03",
      });
      assert.deepEqual(df.getColumn("px").toArray(), [101.05, 101.15, 101.1]);
      await assert.rejects(() =>
        loadTrades({ ...BTC, root: copy.root, start: "2024-05-01", end: "2024-05-03" })
      );
      await Deno.remove(copy.root, { recursive: true });
    },
  );
});

Deno.test("time travel: version and asOf read the trades as they were", async (t) => {
  const range = { ...BTC, start: "2024-05-01", end: "2024-05-03" };
  await t.step("version 0 holds only the first day", async () => {
    const df = await loadTrades({ ...range, version: 0 });
    assert.deepEqual(df.getColumn("px").toArray(), [100.1, 100.3, 100.01, 100.07]);
    const plan = await planEvents("trades", { ...range, version: 0 });
    assert.equal(plan.version, 0);
    assert.equal(plan.totalFiles, 1);
  });
  await t.step("asOf between the first two commits equals version 0", async () => {
    const df = await loadTrades({ ...range, asOf: lake.betweenV0AndV1 });
    assert.equal(df.height, 4);
  });
  await t.step("the latest version holds both days", async () => {
    assert.equal((await loadTrades(range)).height, 7);
  });
  await t.step("a version that does not exist is a VersionNotFoundError", async () => {
    await assert.rejects(() => loadTrades({ ...range, version: 99 }), VersionNotFoundError);
  });
  await t.step("version and asOf together are a caller mistake", async () => {
    await assert.rejects(() => loadTrades({ ...range, version: 0, asOf: new Date() }), TypeError);
  });
});

Deno.test("symbol resolution errors name the symbol and what exists", async (t) => {
  await t.step("an unknown symbol lists known ones", async () => {
    await assert.rejects(
      () => loadTrades({ ...BTC, symbol: "DOGEUSDT", start: "2024-05-01", end: "2024-05-02" }),
      (e: Error) =>
        e instanceof SymbolNotFoundError && /"DOGEUSDT" on "binance"/.test(e.message) &&
        /BTCUSDT/.test(e.message),
    );
  });
  await t.step("a range before the listing has no valid version", async () => {
    await assert.rejects(
      () => loadTrades({ ...BTC, start: "2024-01-01", end: "2024-01-02" }),
      (e: Error) =>
        e instanceof SymbolNotFoundError && /no dim_symbol version valid/.test(e.message),
    );
  });
  await t.step(
    "an unknown exchange is an UnknownExchangeError, an empty range a RangeError",
    async () => {
      await assert.rejects(
        () => loadTrades({ root, exchange: "nowhere", start: "2024-05-01", end: "2024-05-02" }),
        UnknownExchangeError,
      );
      await assert.rejects(
        () => loadTrades({ ...BTC, start: "2024-05-02", end: "2024-05-01" }),
        RangeError,
      );
    },
  );
  await t.step("a case-insensitive symbol still resolves", async () => {
    const df = await loadTrades({
      ...BTC,
      symbol: "btcusdt",
      start: "2024-05-02",
      end: "2024-05-03",
    });
    assert.equal(df.height, 3);
  });
});

Deno.test("loadQuotes decodes bid and ask with each version's increment", async () => {
  const df = await loadQuotes({ ...BTC, start: "2024-05-01", end: "2024-05-02" });
  assert.deepEqual(df.getColumn("bid_px").toArray(), [100.0, 100.2, 100.05]);
  assert.deepEqual(df.getColumn("ask_px").toArray(), [100.2, 100.4, 100.06]);
  assert.deepEqual(df.getColumn("bid_qty").toArray(), [1, 1, 0.1]);
});

Deno.test("scanEvents is lazy: nothing is read until collect", async () => {
  const lf = await scanEvents("trades", { ...BTC, start: "2024-05-01", end: "2024-05-03" });
  assert.ok("collectSync" in lf);
  assert.equal((await lf.collect()).height, 7);
});

Deno.test("scanEvents rejects an unknown event table", async () => {
  await assert.rejects(
    () => scanEvents("candles" as never, { ...BTC, start: "2024-05-01", end: "2024-05-02" }),
    RangeError,
  );
});

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(root, { recursive: true });
  } catch {
    // already gone
  }
});

Deno.test("time columns are Datetime(us, UTC) by default and Int64 with timeAs: int64", async () => {
  const range = { ...BTC, start: "2024-05-01", end: "2024-05-02" };
  const df = await loadTrades(range);
  for (const c of ["ts_local_us", "ts_exch_us"]) {
    assert.ok(df.getColumn(c).dtype.equals(pl.Datetime("us", "UTC")), c);
  }
  // Safe through JavaScript: Date values (ms) and the exact microseconds via int64Values.
  const first = df.getColumn("ts_local_us").toArray()[0] as unknown as Date;
  assert.equal(first.toISOString(), "2024-05-01T01:00:00.000Z");
  assert.equal(int64Values(df.getColumn("ts_local_us"))[1], us("2024-05-01T11:59:59.999999Z"));
  const raw = await loadTrades({ ...range, timeAs: "int64" });
  assert.ok(raw.getColumn("ts_local_us").dtype.equals(pl.Int64));
  assert.deepEqual(
    int64Values(raw.getColumn("ts_local_us")),
    int64Values(df.getColumn("ts_local_us")),
  );
  const lazy = await (await scanEvents("trades", { ...range, timeAs: "int64" })).collect();
  assert.ok(lazy.frameEqual(raw));
});

Deno.test("loader options are checked at run time: unknown, missing, wrong kind", async (t) => {
  const range = { root, exchange: "binance", start: "2024-05-01", end: "2024-05-02" };
  const bad = (options: unknown) => loadTrades(options as Parameters<typeof loadTrades>[0]);
  await t.step("a typo is an error naming the key, a suggestion and the allowed keys", async () => {
    await assert.rejects(
      () => bad({ ...range, sym: "BTCUSDT" }),
      (e: Error) =>
        e instanceof TypeError &&
        e.message.startsWith('Unknown option "sym" of loadTrades (did you mean "symbol"?)') &&
        /allowed are "exchange", "start", "end", "symbol", "symbolId"/.test(e.message),
    );
  });
  await t.step("a missing end names it, not a property of undefined", async () => {
    const { end: _end, ...noEnd } = range;
    await assert.rejects(
      () => bad({ ...noEnd, symbol: "BTCUSDT" }),
      (e: Error) =>
        e instanceof TypeError &&
        e.message === 'Missing option "end" of loadTrades: required are "exchange", "start", "end"',
    );
    await assert.rejects(() => bad(undefined), /Cannot call loadTrades: options must be an object/);
  });
  await t.step("a value of the wrong kind is named with what is expected", async () => {
    await assert.rejects(
      () => bad({ ...range, exchange: 3 }),
      /Invalid option "exchange" of loadTrades: expected string, got number/,
    );
    await assert.rejects(
      () => bad({ ...range, timeAs: "ms" }),
      /Invalid option "timeAs" of loadTrades: expected "datetime" or "int64", got "ms"/,
    );
  });
  await t.step("scanEvents and planEvents check too, under their own names", async () => {
    await assert.rejects(
      () => scanEvents("trades", { ...range, colums: ["px"] } as never),
      /Unknown option "colums" of scanEvents \(did you mean "columns"\?\)/,
    );
    await assert.rejects(
      () => planEvents("trades", { ...range, versio: 1 } as never),
      /Unknown option "versio" of planEvents/,
    );
  });
});

Deno.test("scanTrades / scanQuotes equal the loaders, streamed or sunk to Parquet", async () => {
  const range = { root, exchange: "binance", start: "2024-05-01", end: "2024-05-03" };
  const eager = await loadTrades(range);
  const streamed = await (await scanTrades(range)).collect({ streaming: true });
  assert.ok(streamed.frameEqual(eager), "every binance symbol, sorted, decoded, Datetime times");
  const quotes = await loadQuotes({ ...range, symbol: "BTCUSDT" });
  const out = await Deno.makeTempFile({ suffix: ".parquet" });
  await (await scanQuotes({ ...range, symbol: "BTCUSDT" })).sinkParquet(out).collect();
  assert.ok(pl.readParquet(out).frameEqual(quotes));
  await Deno.remove(out);
  await assert.rejects(() => scanTrades({ ...range, symbl: "X" } as never), /of scanTrades/);
});

Deno.test("sort: false returns the same rows in storage order, eager and lazy", async () => {
  const range = { root, exchange: "binance", start: "2024-05-01", end: "2024-05-03" };
  const sorted = await loadTrades(range);
  const stored = await loadTrades({ ...range, sort: false });
  const order = ["ts_local_us", "file_id", "file_line_number"];
  assert.equal(stored.height, sorted.height);
  assert.ok(stored.sort(order).frameEqual(sorted));
  // Files are sorted by (symbol_id, ts_local_us): a whole exchange's day is not in time order.
  assert.ok(!stored.frameEqual(sorted), "storage order differs from time order here");
  const lazy = await (await scanTrades({ ...range, sort: false })).collect();
  assert.ok(lazy.sort(order).frameEqual(sorted));
  await assert.rejects(
    () => loadTrades({ ...range, sort: "no" } as never),
    /Invalid option "sort" of loadTrades: expected boolean, got "no"/,
  );
});
