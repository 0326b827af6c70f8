import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { assetTypeCode, findSymbols, symbolHistory } from "../../src/research/symbols.ts";
import { SymbolNotFoundError } from "../../src/research/symbol_not_found_error.ts";
import { CHANGE, IDS, writeSmallLake } from "./_small_lake.ts";

const { root } = await writeSmallLake();

function ids(df: pl.DataFrame): bigint[] {
  return (df.getColumn("symbol_id").cast(pl.Utf8).toArray() as string[]).map(BigInt);
}

Deno.test("symbolHistory returns every version oldest first with readable validity", async () => {
  const h = await symbolHistory("binance", "BTCUSDT", { root });
  assert.deepEqual(ids(h), [IDS.btcV1, IDS.btcV2]);
  assert.deepEqual(h.getColumn("price_increment").toArray(), [0.1, 0.01]);
  const until = h.getColumn("valid_until").toArray() as unknown as (Date | null)[];
  assert.equal(until[0]?.toISOString(), "2024-05-01T12:00:00.000Z");
  assert.equal(until[1], null, "the open end shows as null");
});

Deno.test("symbolHistory of an unknown symbol is a SymbolNotFoundError", async () => {
  await assert.rejects(() => symbolHistory("binance", "NOPE", { root }), SymbolNotFoundError);
});

Deno.test("findSymbols filters by exchange, assets and validity time", async (t) => {
  await t.step("without activeAt: current versions only", async () => {
    const df = await findSymbols({ root, baseAsset: "btc" });
    assert.deepEqual(ids(df), [IDS.btcV2, IDS.cbBtc]);
  });
  await t.step("activeAt just before the change: the old version", async () => {
    const df = await findSymbols({ root, exchange: "binance", activeAt: Number(CHANGE) - 1 });
    assert.deepEqual(ids(df), [IDS.btcV1, IDS.eth]);
  });
  await t.step("activeAt at the change: the new version (valid_from is inclusive)", async () => {
    const df = await findSymbols({ root, exchange: "binance", activeAt: Number(CHANGE) });
    assert.deepEqual(ids(df), [IDS.btcV2, IDS.eth]);
  });
  await t.step("quote asset and asset type", async () => {
    assert.equal((await findSymbols({ root, quoteAsset: "USD" })).height, 1);
    assert.equal((await findSymbols({ root, assetType: "spot" })).height, 3);
    assert.equal((await findSymbols({ root, assetType: "perpetual" })).height, 0);
  });
});

Deno.test("assetTypeCode maps names and rejects unknown types", () => {
  assert.equal(assetTypeCode("Option"), 3);
  assert.equal(assetTypeCode(2), 2);
  assert.throws(() => assetTypeCode("swap"), RangeError);
});

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(root, { recursive: true });
  } catch {
    // already gone
  }
});

Deno.test("findSymbols and symbolHistory check their options at run time", async () => {
  await assert.rejects(
    () => findSymbols({ root, exchnage: "binance" } as never),
    (e: Error) =>
      e instanceof TypeError &&
      e.message.startsWith('Unknown option "exchnage" of findSymbols (did you mean "exchange"?)'),
  );
  await assert.rejects(
    () => findSymbols({ root, baseAsset: 1 } as never),
    /Invalid option "baseAsset" of findSymbols: expected string, got number/,
  );
  await assert.rejects(
    () => symbolHistory("binance", undefined as never, { root }),
    /Missing argument "symbol" of symbolHistory: expected string/,
  );
  await assert.rejects(
    () => symbolHistory("binance", "BTCUSDT", { root, asof: "2024-05-01" } as never),
    /Unknown option "asof" of symbolHistory \(did you mean "asOf"\?\): allowed are "root", "version", "asOf"/,
  );
});
