import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { bars, intervalMicros } from "../../src/research/bars.ts";
import { loadTrades } from "../../src/research/load_events.ts";
import { us, writeSmallLake } from "./_small_lake.ts";

const { root } = await writeSmallLake();

Deno.test("bars of the small lake's BTCUSDT trades equal hand-computed 1-minute OHLCV", async () => {
  const trades = await loadTrades({
    root,
    exchange: "binance",
    symbol: "BTCUSDT",
    start: "2024-05-01",
    end: "2024-05-03",
  });
  const out = bars(trades, "1m");
  assert.deepEqual(
    out.getColumn("bar_start_us").toArray(),
    [
      us("2024-05-01T01:00:00Z"),
      us("2024-05-01T11:59:00Z"),
      us("2024-05-01T12:00:00Z"),
      us("2024-05-02T00:00:00Z"),
      us("2024-05-02T00:01:00Z"),
    ].map(Number),
  );
  assert.deepEqual(out.getColumn("open").toArray(), [100.1, 100.3, 100.01, 101.05, 101.1]);
  assert.deepEqual(out.getColumn("high").toArray(), [100.1, 100.3, 100.07, 101.15, 101.1]);
  assert.deepEqual(out.getColumn("low").toArray(), [100.1, 100.3, 100.01, 101.05, 101.1]);
  assert.deepEqual(out.getColumn("close").toArray(), [100.1, 100.3, 100.07, 101.15, 101.1]);
  assert.deepEqual(out.getColumn("trade_count").toArray().map(Number), [1, 1, 2, 2, 1]);
  const volume = out.getColumn("volume").toArray() as number[];
  [0.5, 0.25, 0.1234 + 1.5, 0.3 + 0.2, 0.7].forEach((v, i) =>
    assert.ok(Math.abs(volume[i] - v) < 1e-12)
  );
  const vwap = (out.getColumn("vwap").toArray() as number[])[2];
  assert.ok(Math.abs(vwap - (100.01 * 0.1234 + 100.07 * 1.5) / 1.6234) < 1e-9);
  assert.deepEqual(out.getColumn("exchange_symbol").toArray(), Array(5).fill("BTCUSDT"));
});

Deno.test("bars put trades of two dim versions in one bar per instrument", () => {
  const trades = pl.DataFrame({
    exchange_id: [1, 1, 1],
    exchange_symbol: ["X", "X", "X"],
    symbol_id: [10, 10, 11],
    ts_local_us: [1_000_000, 20_000_000, 40_000_000],
    px: [5, 7, 6],
    qty: [1, 1, 2],
  });
  const out = bars(trades, "1m");
  assert.equal(out.height, 1);
  assert.deepEqual(
    [out.getColumn("open").get(0), out.getColumn("close").get(0), out.getColumn("high").get(0)],
    [5, 6, 7],
  );
  assert.equal(bars(trades, "1m", { by: "symbol_id" }).height, 2);
});

Deno.test("bars: 1h buckets, lazy input, open/close follow file order on equal times", () => {
  const trades = pl.DataFrame({
    ts_local_us: [3_600_000_000, 3_600_000_000, 7_199_999_999],
    file_id: [1, 1, 1],
    file_line_number: [3, 2, 4],
    px: [2, 1, 3],
    qty: [1, 1, 1],
  });
  const out = bars(trades.lazy(), "1h").collectSync();
  assert.equal(out.height, 1);
  assert.equal(out.getColumn("open").get(0), 1, "line 2 comes first");
  assert.equal(out.getColumn("close").get(0), 3);
});

Deno.test("bars explain a missing decoded column and a bad interval", () => {
  const raw = pl.DataFrame({ ts_local_us: [1], px_int: [1], qty_int: [1] });
  assert.throws(() => bars(raw), /load the trades with decode/);
  assert.throws(() => intervalMicros("1 minute"), RangeError);
  assert.throws(() => intervalMicros("0s"), RangeError);
  assert.equal(intervalMicros("250ms"), 250_000);
});

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(root, { recursive: true });
  } catch {
    // already gone
  }
});

Deno.test("bars fill: empty intervals left out, added with nulls, or carried forward", () => {
  const trades = pl.DataFrame({
    exchange_symbol: ["X", "X", "Y", "Y"],
    ts_local_us: [0, 180_000_000, 60_000_000, 150_000_000],
    px: [10, 13, 20, 21],
    qty: [1, 2, 3, 4],
  });
  const none = bars(trades, "1m", { by: "exchange_symbol" });
  assert.equal(none.height, 4, "by default only intervals with trades");
  const nulls = bars(trades, "1m", { by: "exchange_symbol", fill: "null" });
  assert.deepEqual(nulls.getColumn("exchange_symbol").toArray(), ["X", "X", "X", "X", "Y", "Y"]);
  assert.deepEqual(
    nulls.getColumn("bar_start_us").toArray(),
    [0, 60_000_000, 120_000_000, 180_000_000, 60_000_000, 120_000_000],
  );
  assert.deepEqual(nulls.getColumn("close").toArray(), [10, null, null, 13, 20, 21]);
  assert.deepEqual(nulls.getColumn("volume").toArray(), [1, 0, 0, 2, 3, 4]);
  assert.deepEqual(nulls.getColumn("trade_count").toArray().map(Number), [1, 0, 0, 1, 1, 1]);
  const forward = bars(trades, "1m", { by: "exchange_symbol", fill: "forward" });
  for (const c of ["open", "high", "low", "close"]) {
    assert.deepEqual(forward.getColumn(c).toArray(), [10, 10, 10, 13, 20, 21], c);
  }
  assert.deepEqual(forward.getColumn("vwap").toArray().slice(1, 3), [null, null]);
  const single = bars(trades.filter(pl.col("exchange_symbol").eq(pl.lit("X"))), "1m", {
    by: null,
    fill: "forward",
  });
  assert.deepEqual(single.getColumn("close").toArray(), [10, 10, 10, 13]);
});

Deno.test("bars of Datetime(us, UTC) times equal bars of Int64 times, eager and lazy", async () => {
  const range = {
    root,
    exchange: "binance",
    symbol: "BTCUSDT",
    start: "2024-05-01",
    end: "2024-05-03",
  };
  const asDatetime = await loadTrades(range);
  const asInt = await loadTrades({ ...range, timeAs: "int64" });
  const a = bars(asDatetime, "1m", { fill: "forward" });
  const b = bars(asInt, "1m", { fill: "forward" });
  assert.ok(a.frameEqual(b));
  assert.ok(a.getColumn("bar_time").dtype.equals(pl.Datetime("us", "UTC")));
  assert.ok(a.getColumn("bar_start_us").dtype.equals(pl.Int64));
  const lazy = bars(asDatetime.lazy(), "1m", { fill: "forward" });
  assert.ok("collectSync" in lazy, "a lazy input gives a lazy result");
  assert.ok((await lazy.collect({ streaming: true })).frameEqual(a));
  const ms = asDatetime.withColumns(pl.col("ts_local_us").cast(pl.Datetime("ms", "UTC")));
  assert.deepEqual(
    bars(ms, "1m").getColumn("bar_start_us").toArray(),
    bars(asInt, "1m").getColumn("bar_start_us").toArray(),
  );
});

Deno.test("bars checks its options at run time", () => {
  const trades = pl.DataFrame({ ts_local_us: [0], px: [1], qty: [1] });
  assert.throws(
    () => bars(trades, "1m", { fil: "forward" } as never),
    /Unknown option "fil" of bars \(did you mean "fill"\?\): allowed are "ts", "price", "qty", "by", "fill"/,
  );
  assert.throws(
    () => bars(trades, "1m", { fill: "backward" } as never),
    /Invalid option "fill" of bars: expected "none", "null" or "forward", got "backward"/,
  );
  assert.throws(() => bars(trades, 60 as never), /Invalid argument "interval" of bars/);
});
