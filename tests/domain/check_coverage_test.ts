import assert from "node:assert/strict";
import { checkCoverage } from "../../src/domain/check_coverage.ts";
import { OPEN_END_TS } from "../../src/domain/dim_symbol.ts";
import { dimFrame } from "./_dim_symbol_helpers.ts";

const KEY = { exchangeId: 2, exchangeSymbol: "BTCUSDT" };
// [100, 200), [200, 300), gap, [400, open); plus another key and another exchange.
const DIM = dimFrame([
  { exchange_id: 2, exchange_symbol: "BTCUSDT", valid_from_ts: 100n, valid_until_ts: 200n },
  {
    exchange_id: 2,
    exchange_symbol: "BTCUSDT",
    valid_from_ts: 200n,
    valid_until_ts: 300n,
    tick_size: 1,
  },
  { exchange_id: 2, exchange_symbol: "BTCUSDT", valid_from_ts: 400n },
  { exchange_id: 2, exchange_symbol: "ETHUSDT", valid_from_ts: 0n },
  { exchange_id: 1, exchange_symbol: "BTCUSDT", valid_from_ts: 0n },
]);

const gaps = (start: bigint, end: bigint, key = KEY) =>
  checkCoverage(DIM, key, start, end).map((g) => [g.fromTs, g.untilTs]);

Deno.test("checkCoverage", async (t) => {
  await t.step("reports the lead-in, a delisting gap and nothing for contiguous versions", () => {
    assert.deepEqual(gaps(0n, 1000n), [[0n, 100n], [300n, 400n]]);
  });

  await t.step("treats bounds as half-open: from included, until excluded", () => {
    assert.deepEqual(gaps(100n, 300n), []);
    assert.deepEqual(gaps(100n, 301n), [[300n, 301n]]);
    assert.deepEqual(gaps(99n, 100n), [[99n, 100n]]);
    assert.deepEqual(gaps(399n, 401n), [[399n, 400n]]);
  });

  await t.step("clips gaps to the range and covers up to the open end", () => {
    assert.deepEqual(gaps(250n, 350n), [[300n, 350n]]);
    assert.deepEqual(gaps(500n, OPEN_END_TS), []);
  });

  await t.step("gives the whole range for an unknown key, keyed by exchange too", () => {
    assert.deepEqual(gaps(0n, 10n, { exchangeId: 3, exchangeSymbol: "BTCUSDT" }), [[0n, 10n]]);
    assert.deepEqual(gaps(0n, 10n, { exchangeId: 1, exchangeSymbol: "BTCUSDT" }), []);
  });

  await t.step("returns nothing for an empty range and rejects a reversed one", () => {
    assert.deepEqual(gaps(5n, 5n), []);
    assert.throws(() => gaps(6n, 5n), RangeError);
  });
});
