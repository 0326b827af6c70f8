import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { symbolId, symbolIds } from "../../src/domain/symbol_id.ts";
import { i64 } from "./_dim_symbol_helpers.ts";

/** Reference FNV-1a 64 in BigInt arithmetic, straight from the specification. */
function fnv1a64Reference(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(text)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, h);
}

Deno.test("symbolId", async (t) => {
  await t.step("reference FNV-1a 64 matches published test vectors", () => {
    assert.equal(BigInt.asUintN(64, fnv1a64Reference("")), 0xcbf29ce484222325n);
    assert.equal(BigInt.asUintN(64, fnv1a64Reference("a")), 0xaf63dc4c8601ec8cn);
    assert.equal(BigInt.asUintN(64, fnv1a64Reference("foobar")), 0x85944171f73967e8n);
  });

  await t.step("hashes exchange_id|exchange_symbol|valid_from_ts as FNV-1a 64, signed", () => {
    const cases: [number, string, bigint][] = [
      [2, "BTCUSDT", 1582329600000000n],
      [24, "XBTUSD", 0n],
      [21, "BTC-25APR25-200000-P", -1n],
      [1, "ÉTH/€", 9223372036854775807n],
      [5, "", 1n],
    ];
    for (const [ex, sym, from] of cases) {
      assert.equal(symbolId(ex, sym, from), fnv1a64Reference(`${ex}|${sym}|${from}`));
    }
  });

  await t.step("pins known ids so they stay stable across releases and platforms", () => {
    assert.equal(symbolId(2, "BTCUSDT", 1582329600000000n), 2355752450676038280n);
    assert.equal(symbolId(24, "XBTUSD", 1553904000000000n), -2723202256259529970n);
  });

  await t.step("produces negative ids for hashes with the top bit set", () => {
    const ids = Array.from({ length: 64 }, (_, i) => symbolId(1, `S${i}`, BigInt(i)));
    assert.ok(ids.some((id) => id < 0n));
    assert.ok(ids.some((id) => id > 0n));
  });
});

Deno.test("symbolIds", async (t) => {
  await t.step("vectorised ids equal the scalar ids row by row, as Int64", () => {
    const froms = [0n, 1582329600000000n, -5n, 9223372036854775807n, 9007199254740993n];
    const df = pl.DataFrame({
      exchange_id: pl.Series("exchange_id", [1, 2, 3, 4, 5], pl.Int16),
      exchange_symbol: ["BTCUSDT", "ETH-PERP", "ünï", "X", "Y"],
      valid_from_ts: i64("valid_from_ts", froms),
    });
    const ids = symbolIds(df);
    assert.ok(ids.dtype.equals(pl.Int64));
    assert.equal(ids.name, "symbol_id");
    const got = Array.from(ids.toTypedArray() as BigInt64Array);
    const want = froms.map((f, i) =>
      symbolId([1, 2, 3, 4, 5][i], ["BTCUSDT", "ETH-PERP", "ünï", "X", "Y"][i], f)
    );
    assert.deepEqual(got, want);
  });

  await t.step("vectorised ids match the reference for multi-byte symbols and repeats", () => {
    // 2-, 3- and 4-byte UTF-8 (an astral character is two UTF-16 units), an empty symbol, and
    // repeated exchange ids and times (the vectorised path reuses their hash state and text).
    const syms = ["é", "東京", "😀X", "", "a😀é東", "BTC", "BTC", "|", "\u0000"];
    const froms = [0n, -1n, 5n, 5n, -9223372036854775808n, 5n, 6n, 1582329600000000n, 5n];
    const exchanges = [1, 1, -3, 1, 300, 1, 1, 2, 1];
    const df = pl.DataFrame({
      exchange_id: pl.Series("exchange_id", exchanges, pl.Int16),
      exchange_symbol: syms,
      valid_from_ts: i64("valid_from_ts", froms),
    });
    const got = Array.from(symbolIds(df).toTypedArray() as BigInt64Array);
    const want = syms.map((s, i) => fnv1a64Reference(`${exchanges[i]}|${s}|${froms[i]}`));
    assert.deepEqual(got, want);
    assert.deepEqual(got, syms.map((s, i) => symbolId(exchanges[i], s, froms[i])));
  });

  await t.step("reads custom column names", () => {
    const df = pl.DataFrame({
      ex: pl.Series("ex", [7], pl.Int16),
      sym: ["Z"],
      from: i64("from", [3n]),
    });
    const ids = symbolIds(df, {
      exchangeIdColumn: "ex",
      symbolColumn: "sym",
      validFromColumn: "from",
    });
    assert.equal((ids.toTypedArray() as BigInt64Array)[0], symbolId(7, "Z", 3n));
  });

  await t.step("gives 200,000 distinct versions 200,000 distinct ids", () => {
    const n = 200_000;
    const df = pl.DataFrame({
      exchange_id: pl.Series(
        "exchange_id",
        Array.from({ length: n }, (_, i) => 1 + (i % 7)),
        pl.Int16,
      ),
      exchange_symbol: Array.from({ length: n }, (_, i) => `SYM${i % 5000}`),
      valid_from_ts: i64("valid_from_ts", Array.from({ length: n }, (_, i) => BigInt(i) * 1000n)),
    });
    assert.equal(symbolIds(df).nUnique(), n);
  });

  await t.step("rejects a missing or null key column with a TypeError naming it", () => {
    const df = pl.DataFrame({
      exchange_id: pl.Series("exchange_id", [1], pl.Int16),
      exchange_symbol: [null],
    });
    assert.throws(() => symbolIds(df), /column "exchange_symbol" has null values/);
    assert.throws(
      () => symbolIds(pl.DataFrame({ exchange_id: [1], exchange_symbol: ["x"] })),
      (e: unknown) => e instanceof TypeError && /"valid_from_ts" is missing/.test(e.message),
    );
  });
});
