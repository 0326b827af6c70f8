import assert from "node:assert/strict";
import {
  EXCHANGE_IDS,
  exchangeId,
  exchangeName,
  UnknownExchangeError,
} from "../../src/domain/exchanges.ts";

Deno.test("exchangeId returns the fixed ids of domain.md", () => {
  const fixed: Record<string, number> = {
    "binance": 1,
    "binance-futures": 2,
    "coinbase": 3,
    "kraken": 4,
    "okx": 5,
    "huobi": 6,
    "gate": 7,
    "bitfinex": 8,
    "bitstamp": 9,
    "gemini": 10,
    "crypto-com": 11,
    "kucoin": 12,
    "binance-us": 13,
    "coinbase-pro": 14,
    "binance-coin-futures": 20,
    "deribit": 21,
    "bybit": 22,
    "okx-futures": 23,
    "bitmex": 24,
    "ftx": 25,
    "dydx": 26,
  };
  for (const [name, id] of Object.entries(fixed)) assert.equal(exchangeId(name), id, name);
});

Deno.test("exchangeId matches names case-insensitively after trimming", () => {
  assert.equal(exchangeId("  Binance-Futures "), 2);
});

Deno.test("exchangeId throws UnknownExchangeError naming an unregistered exchange", () => {
  assert.throws(() => exchangeId("nasdaq"), (e: unknown) => {
    assert.ok(e instanceof UnknownExchangeError);
    assert.equal(e.exchange, "nasdaq");
    assert.match(e.message, /Unknown exchange "nasdaq"/);
    assert.match(e.message, /expected a Tardis exchange name, one of binance, binance-futures,/);
    assert.doesNotMatch(e.message, /src\/|EXCHANGE_IDS/, "no advice to edit source code");
    return true;
  });
});

Deno.test("exchange ids are unique, fit Int16 and map back to their names", () => {
  const ids = Object.values(EXCHANGE_IDS);
  assert.equal(new Set(ids).size, ids.length);
  for (const [name, id] of Object.entries(EXCHANGE_IDS)) {
    assert.ok(id > 0 && id < 32768);
    assert.equal(exchangeName(id), name);
  }
  assert.throws(() => exchangeName(9999), RangeError);
});
