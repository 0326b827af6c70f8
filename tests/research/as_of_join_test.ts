import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { asOfJoin } from "../../src/research/as_of_join.ts";
import { loadQuotes, loadTrades } from "../../src/research/load_events.ts";
import { us, writeSmallLake } from "./_small_lake.ts";
import { int64Values } from "../../src/domain/int64.ts";

const { root } = await writeSmallLake();
const BTC = {
  root,
  exchange: "binance",
  symbol: "BTCUSDT",
  start: "2024-05-01",
  end: "2024-05-03",
};

Deno.test("asOfJoin gives each trade the prevailing quote, across a tick-size change", async () => {
  const trades = await loadTrades(BTC);
  const quotes = await loadQuotes(BTC);
  const out = asOfJoin(trades, quotes);
  // Hand-computed: quotes at 00:59:59, 11:59:59.999999 (v1) and 12:00:20 (v2).
  assert.deepEqual(out.getColumn("bid_px").toArray(), [
    100.0, // 01:00:00 <- 00:59:59
    100.2, // 11:59:59.999999 <- same microsecond (exact matches allowed)
    100.2, // 12:00:00 (new version) <- 11:59:59.999999 (old version, same instrument)
    100.05, // 12:00:30 <- 12:00:20
    100.05,
    100.05,
    100.05,
  ]);
  assert.deepEqual(
    int64Values(out.getColumn("quote_ts_local_us")).slice(0, 3),
    [
      us("2024-05-01T00:59:59Z"),
      us("2024-05-01T11:59:59.999999Z"),
      us("2024-05-01T11:59:59.999999Z"),
    ],
  );
  assert.ok(out.getColumn("quote_ts_local_us").dtype.equals(pl.Datetime("us", "UTC")));
  assert.equal(out.height, trades.height, "every trade is kept");
  assert.deepEqual(out.getColumn("px").toArray(), trades.getColumn("px").toArray());
});

Deno.test("asOfJoin with allowExactMatches false takes the strictly earlier quote", async () => {
  const trades = await loadTrades(BTC);
  const quotes = await loadQuotes(BTC);
  const out = asOfJoin(trades, quotes, { allowExactMatches: false });
  assert.deepEqual(out.getColumn("bid_px").toArray().slice(0, 3), [100.0, 100.0, 100.2]);
});

Deno.test("asOfJoin by symbol_id does not cross a dim_symbol version", async () => {
  const trades = await loadTrades(BTC);
  const quotes = await loadQuotes(BTC);
  const out = asOfJoin(trades, quotes, { by: "symbol_id" });
  assert.equal(out.getColumn("bid_px").get(2), null);
});

Deno.test("asOfJoin on hand-made frames: groups, tolerance, nulls before the first quote", () => {
  const trades = pl.DataFrame({
    symbol_id: [1, 2, 1, 2],
    ts_local_us: [10, 11, 30, 40],
    px: [1, 2, 3, 4],
  });
  const quotes = pl.DataFrame({
    symbol_id: [1, 1, 2],
    ts_local_us: [5, 25, 12],
    bid_px: [0.5, 2.5, 3.5],
  });
  const out = asOfJoin(trades, quotes);
  assert.deepEqual(out.getColumn("bid_px").toArray(), [0.5, null, 2.5, 3.5]);
  const near = asOfJoin(trades, quotes, { tolerance: 10 });
  assert.deepEqual(near.getColumn("bid_px").toArray(), [0.5, null, 2.5, null]);
  const lazy = asOfJoin(trades.lazy(), quotes);
  assert.equal(lazy.collectSync().height, 4);
});

Deno.test("asOfJoin names a missing join column", () => {
  const trades = pl.DataFrame({ ts_local_us: [1], px: [1] });
  const quotes = pl.DataFrame({ time: [1], bid_px: [1] });
  assert.throws(() => asOfJoin(trades, quotes), /"ts_local_us": both frames need this column/);
});

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(root, { recursive: true });
  } catch {
    // already gone
  }
});

Deno.test("asOfJoin: Datetime and Int64 times, tolerance in µs or as a duration, lazy", async () => {
  const trades = await loadTrades(BTC);
  const quotes = await loadQuotes(BTC);
  const rawQuotes = await loadQuotes({ ...BTC, timeAs: "int64" });
  const a = asOfJoin(trades, quotes, { tolerance: 1_000_000 });
  assert.ok(asOfJoin(trades, rawQuotes, { tolerance: 1_000_000 }).frameEqual(a), "mixed types");
  assert.ok(asOfJoin(trades, quotes, { tolerance: "1s" }).frameEqual(a), "duration text");
  // 01:00:00 <- 00:59:59 is 1 s old: kept; 12:00:00 <- 11:59:59.999999 is 1 µs old: kept.
  assert.deepEqual(a.getColumn("bid_px").toArray().slice(0, 4), [100.0, 100.2, 100.2, null]);
  const lazy = asOfJoin(trades.lazy(), quotes.lazy(), { tolerance: 1_000_000 });
  assert.ok("collectSync" in lazy);
  assert.ok((await lazy.collect()).frameEqual(a));
  assert.throws(
    () => asOfJoin(trades, quotes, { tolerence: 5 } as never),
    /Unknown option "tolerence" of asOfJoin \(did you mean "tolerance"\?\)/,
  );
});
