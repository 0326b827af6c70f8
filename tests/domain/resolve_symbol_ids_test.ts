import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { DIM_SYMBOL_SCHEMA, OPEN_END_TS } from "../../src/domain/dim_symbol.ts";
import { emptyFrame } from "../../src/domain/table_schema.ts";
import { resolveSymbolIds } from "../../src/domain/resolve_symbol_ids.ts";
import { symbolId } from "../../src/domain/symbol_id.ts";
import { bigints, dimFrame, i64 } from "./_dim_symbol_helpers.ts";

// BTCUSDT: [100, 200) tick 0.1, [200, 300) tick 0.5, delisted at 300, back at 400 (open).
// ETHUSDT: [150, open) tick 0.01.
const DIM = dimFrame([
  { exchange_id: 2, exchange_symbol: "BTCUSDT", valid_from_ts: 100n, valid_until_ts: 200n },
  {
    exchange_id: 2,
    exchange_symbol: "BTCUSDT",
    valid_from_ts: 200n,
    valid_until_ts: 300n,
    price_increment: 0.5,
  },
  { exchange_id: 2, exchange_symbol: "BTCUSDT", valid_from_ts: 400n, price_increment: 1 },
  { exchange_id: 2, exchange_symbol: "ETHUSDT", valid_from_ts: 150n, price_increment: 0.01 },
]);

function events(rows: [bigint | null, number, string][], extra = true): pl.DataFrame {
  const cols: Record<string, pl.Series> = {
    ts_local_us: i64("ts_local_us", rows.map((r) => r[0])),
    exchange_id: pl.Series("exchange_id", rows.map((r) => r[1]), pl.Int16),
    exchange_symbol: pl.Series("exchange_symbol", rows.map((r) => r[2]), pl.Utf8),
  };
  if (extra) cols.line = pl.Series("line", rows.map((_, i) => i), pl.Int64);
  return pl.DataFrame(cols);
}

function byLine(df: pl.DataFrame): pl.DataFrame {
  return df.sort("line");
}

Deno.test("resolveSymbolIds", async (t) => {
  await t.step("includes valid_from_ts and excludes valid_until_ts (exact boundaries)", () => {
    const ev = events([
      [99n, 2, "BTCUSDT"],
      [100n, 2, "BTCUSDT"],
      [199n, 2, "BTCUSDT"],
      [200n, 2, "BTCUSDT"],
      [299n, 2, "BTCUSDT"],
    ]);
    const { resolved, unresolved } = resolveSymbolIds(ev, DIM);
    const r = byLine(resolved);
    assert.deepEqual(r.getColumn("line").toArray(), [1, 2, 3, 4]);
    assert.deepEqual(bigints(r, "symbol_id"), [
      symbolId(2, "BTCUSDT", 100n),
      symbolId(2, "BTCUSDT", 100n),
      symbolId(2, "BTCUSDT", 200n),
      symbolId(2, "BTCUSDT", 200n),
    ]);
    assert.deepEqual(r.getColumn("price_increment").toArray(), [0.1, 0.1, 0.5, 0.5]);
    assert.deepEqual(r.getColumn("amount_increment").toArray(), [0.001, 0.001, 0.001, 0.001]);
    assert.deepEqual(unresolved.getColumn("line").toArray(), [0]);
    assert.deepEqual(unresolved.getColumn("reason").toArray(), ["no version covers ts"]);
  });

  await t.step("quarantines events after a delisting instead of using the last version", () => {
    const ev = events([[300n, 2, "BTCUSDT"], [399n, 2, "BTCUSDT"], [400n, 2, "BTCUSDT"]]);
    const { resolved, unresolved } = resolveSymbolIds(ev, DIM);
    assert.deepEqual(bigints(resolved, "symbol_id"), [symbolId(2, "BTCUSDT", 400n)]);
    assert.deepEqual(resolved.getColumn("price_increment").toArray(), [1]);
    const u = byLine(unresolved);
    assert.deepEqual(u.getColumn("line").toArray(), [0, 1]);
    assert.deepEqual(u.getColumn("reason").toArray(), [
      "no version covers ts",
      "no version covers ts",
    ]);
  });

  await t.step("tells an unknown symbol from an uncovered time, and keys by exchange too", () => {
    const ev = events([
      [500n, 2, "DOGEUSDT"],
      [500n, 1, "ETHUSDT"], // same symbol on another exchange: unknown
      [100n, 2, "ETHUSDT"], // known symbol, before its first version
      [OPEN_END_TS - 1n, 2, "ETHUSDT"],
    ]);
    const { resolved, unresolved } = resolveSymbolIds(ev, DIM);
    assert.deepEqual(resolved.getColumn("line").toArray(), [3]);
    const u = byLine(unresolved);
    assert.deepEqual(u.getColumn("reason").toArray(), [
      "unknown symbol",
      "unknown symbol",
      "no version covers ts",
    ]);
  });

  await t.step("keeps every input column and loses no row, with unsorted input", () => {
    const rows: [bigint, number, string][] = [];
    for (let i = 0; i < 1000; i++) {
      rows.push([
        BigInt((i * 7919) % 600),
        2,
        i % 3 === 0 ? "ETHUSDT" : i % 3 === 1 ? "BTCUSDT" : "X",
      ]);
    }
    const ev = events(rows);
    const { resolved, unresolved } = resolveSymbolIds(ev, DIM);
    assert.equal(resolved.height + unresolved.height, 1000);
    assert.deepEqual(resolved.columns, [
      ...ev.columns,
      "symbol_id",
      "price_increment",
      "amount_increment",
    ]);
    assert.deepEqual(unresolved.columns, [...ev.columns, "reason"]);
    assert.ok(resolved.getColumn("ts_local_us").dtype.equals(pl.Int64));
    assert.ok(unresolved.getColumn("reason").dtype.equals(pl.String));
    // Each resolved row really lies inside its version.
    const joined = resolved.join(
      DIM.select("symbol_id", "valid_from_ts", "valid_until_ts"),
      { on: "symbol_id" },
    );
    const inside = joined.filter(
      pl.col("ts_local_us").gtEq(pl.col("valid_from_ts")).and(
        pl.col("ts_local_us").lt(pl.col("valid_until_ts")),
      ),
    );
    assert.equal(inside.height, resolved.height);
    // Brute force: expected resolved count.
    let expected = 0;
    for (const [ts, , sym] of rows) {
      if (sym === "ETHUSDT" && ts >= 150n) expected++;
      if (sym === "BTCUSDT" && ((ts >= 100n && ts < 300n) || ts >= 400n)) expected++;
    }
    assert.equal(resolved.height, expected);
  });

  await t.step("quarantines null timestamps with their own reason", () => {
    const { resolved, unresolved } = resolveSymbolIds(
      events([[null, 2, "ETHUSDT"], [160n, 2, "ETHUSDT"]]),
      DIM,
    );
    assert.equal(resolved.height, 1);
    assert.deepEqual(unresolved.getColumn("reason").toArray(), ["null timestamp"]);
  });

  await t.step("honours custom column names and attach list", () => {
    const ev = pl.DataFrame({
      t: i64("t", [250n]),
      ex: pl.Series("ex", [2], pl.Int16),
      sym: ["BTCUSDT"],
    });
    const { resolved, unresolved } = resolveSymbolIds(ev, DIM, {
      tsColumn: "t",
      exchangeIdColumn: "ex",
      symbolColumn: "sym",
      attach: ["tick_size", "contract_size"],
    });
    assert.equal(unresolved.height, 0);
    assert.deepEqual(resolved.columns, [
      "t",
      "ex",
      "sym",
      "symbol_id",
      "tick_size",
      "contract_size",
    ]);
    assert.deepEqual(bigints(resolved, "symbol_id"), [symbolId(2, "BTCUSDT", 200n)]);
  });

  await t.step("accepts an Int64 exchange_id on the events side", () => {
    const ev = pl.DataFrame({
      ts_local_us: i64("ts_local_us", [160n]),
      exchange_id: pl.Series("exchange_id", [2], pl.Int64),
      exchange_symbol: ["ETHUSDT"],
    });
    assert.equal(resolveSymbolIds(ev, DIM).resolved.height, 1);
  });

  await t.step("quarantines everything as an unknown symbol against an empty dimension", () => {
    const { resolved, unresolved } = resolveSymbolIds(
      events([[5n, 2, "BTCUSDT"]]),
      emptyFrame(DIM_SYMBOL_SCHEMA),
    );
    assert.equal(resolved.height, 0);
    assert.deepEqual(unresolved.getColumn("reason").toArray(), ["unknown symbol"]);
  });

  await t.step("returns empty, typed outputs for empty events", () => {
    const { resolved, unresolved } = resolveSymbolIds(events([]), DIM);
    assert.equal(resolved.height, 0);
    assert.equal(unresolved.height, 0);
    assert.ok(unresolved.columns.includes("reason"));
  });

  await t.step("rejects missing columns and column collisions with a TypeError", () => {
    assert.throws(
      () => resolveSymbolIds(events([[1n, 2, "X"]]), DIM, { tsColumn: "nope" }),
      (e: unknown) => e instanceof TypeError && /events have no column "nope"/.test(e.message),
    );
    const ev = events([[1n, 2, "X"]]).withColumns(pl.lit(1).alias("symbol_id"));
    assert.throws(() => resolveSymbolIds(ev, DIM), /already have a column "symbol_id"/);
    assert.throws(
      () => resolveSymbolIds(events([[1n, 2, "X"]]), DIM.drop("price_increment")),
      /dim_symbol has no column "price_increment"/,
    );
  });
});
