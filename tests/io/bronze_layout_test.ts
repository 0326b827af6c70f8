import assert from "node:assert/strict";
import {
  flatBronzeName,
  hiveBronzePath,
  isInstrumentsPath,
  parseBronzePath,
} from "../../src/io/bronze_layout.ts";

function ok(path: string) {
  const r = parseBronzePath(path);
  if (!r.ok) throw new Error(`expected "${path}" to parse: ${r.reason}`);
  return r.info;
}

function rejected(path: string): string {
  const r = parseBronzePath(path);
  if (r.ok) throw new Error(`expected "${path}" to be rejected`);
  return r.reason;
}

Deno.test("parseBronzePath recognises the hive layout with every field", () => {
  const info = ok(
    "tardis/exchange=binance-futures/type=book_snapshot_25/date=2024-07-30/symbol=BTCUSDT/" +
      "binance-futures_book_snapshot_25_2024-07-30_BTCUSDT.csv.gz",
  );
  assert.deepEqual(info, {
    layout: "hive",
    vendor: "tardis",
    exchange: "binance-futures",
    data_type: "book_snapshot_25",
    symbol: "BTCUSDT",
    date: "2024-07-30",
    gzip: true,
  });
});

Deno.test("parseBronzePath recognises flat Tardis client names in any folder", async (t) => {
  await t.step("data types with underscores end at the date", () => {
    const info = ok("datasets/deribit_incremental_book_L2_2020-04-01_BTC-PERPETUAL.csv.gz");
    assert.equal(info.layout, "flat");
    assert.equal(info.exchange, "deribit");
    assert.equal(info.data_type, "incremental_book_L2");
    assert.equal(info.symbol, "BTC-PERPETUAL");
  });
  await t.step("symbols keep underscores after the date", () => {
    assert.equal(ok("deribit_trades_2024-01-01_BTC_USDC.csv.gz").symbol, "BTC_USDC");
  });
  await t.step("plain CSV is accepted and flagged as not gzip", () => {
    assert.equal(ok("bitmex_trades_2020-03-01_XBTUSD.csv").gzip, false);
  });
  await t.step("symbols the client sanitised (':' and '/' to '-') stay as written", () => {
    const name = flatBronzeName({
      exchange: "okx",
      data_type: "trades",
      date: "2024-01-02",
      symbol: "BTC/USDT:SWAP",
    });
    assert.equal(name, "okx_trades_2024-01-02_BTC-USDT-SWAP.csv.gz");
    assert.equal(ok(name).symbol, "BTC-USDT-SWAP");
  });
});

Deno.test("parseBronzePath accepts a hive file whose name uses the sanitised symbol", () => {
  const path = hiveBronzePath({
    exchange: "okx",
    data_type: "quotes",
    date: "2024-01-02",
    symbol: "BTC/USDT",
  });
  assert.equal(ok(path).symbol, "BTC-USDT");
});

Deno.test("parseBronzePath rejects unsafe and unknown paths with a reason", async (t) => {
  const cases: [string, RegExp][] = [
    ["tardis/exchange=binance/type=trades/date=2024-01-01/symbol=../x.csv.gz", /"\.\."/],
    ["../binance_trades_2024-01-01_BTC.csv.gz", /"\.\."/],
    ["a/./binance_trades_2024-01-01_BTC.csv.gz", /"\.\."|"\."/],
    ["/abs/binance_trades_2024-01-01_BTC.csv.gz", /absolute/],
    ["notes.txt", /not a \.csv\.gz/],
    ["binance_trades_2024-02-30_BTC.csv.gz", /calendar date/],
    ["binance_trades.csv.gz", /does not match/],
    ["Binance_trades_2024-01-01_BTC.csv.gz", /does not match/],
    ["tardis/exchange=binance/date=2024-01-01/binance_trades_2024-01-01_BTC.csv.gz", /order/],
    [
      "tardis/exchange=binance/type=trades/date=2024-01-01/symbol=BTC/binance_quotes_2024-01-01_BTC.csv.gz",
      /disagrees/,
    ],
    [
      "other/exchange=binance/type=trades/date=2024-01-01/symbol=BTC/binance_trades_2024-01-01_BTC.csv.gz",
      /expected "tardis\/"/,
    ],
    ["a//binance_trades_2024-01-01_BTC.csv.gz", /empty segment/],
  ];
  for (const [path, reason] of cases) {
    await t.step(path, () => assert.match(rejected(path), reason));
  }
});

Deno.test("hiveBronzePath round-trips through parseBronzePath", () => {
  const info = {
    exchange: "deribit",
    data_type: "trades",
    date: "2024-07-30",
    symbol: "BTC-PERPETUAL",
  };
  const back = ok(hiveBronzePath(info));
  assert.deepEqual(
    { exchange: back.exchange, data_type: back.data_type, date: back.date, symbol: back.symbol },
    info,
  );
});

Deno.test("isInstrumentsPath matches only JSON under tardis/instruments", () => {
  assert.equal(isInstrumentsPath("tardis/instruments/1722470400000000.json"), true);
  assert.equal(isInstrumentsPath("tardis/instruments/x.csv.gz"), false);
  assert.equal(isInstrumentsPath("instruments/x.json"), false);
  assert.equal(isInstrumentsPath("tardis/instruments/../x.json"), false);
});
