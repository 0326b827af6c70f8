import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  ASSET_TYPES,
  DIM_SYMBOL_SCHEMA,
  OPEN_END_TS,
  TRACKED_COLUMNS,
  UPDATE_COLUMNS,
  validateDimSymbol,
} from "../../src/domain/dim_symbol.ts";
import { emptyFrame } from "../../src/domain/table_schema.ts";
import { dimFrame, i64 } from "./_dim_symbol_helpers.ts";

const GOOD = dimFrame([
  { exchange_id: 2, exchange_symbol: "BTCUSDT", valid_from_ts: 100n, valid_until_ts: 200n },
  { exchange_id: 2, exchange_symbol: "BTCUSDT", valid_from_ts: 200n, tick_size: 1 },
  { exchange_id: 2, exchange_symbol: "ETHUSDT", valid_from_ts: 100n, valid_until_ts: 150n },
]);

const rulesOf = (df: pl.DataFrame) => validateDimSymbol(df).map((v) => v.rule);

Deno.test("dim_symbol schema and constants", async (t) => {
  await t.step("declares the domain.md columns and types in storage order", () => {
    assert.deepEqual(
      DIM_SYMBOL_SCHEMA.columns.map((c) => `${c.name}:${c.type}`),
      [
        "symbol_id:int64",
        "exchange_id:int16",
        "exchange:utf8",
        "exchange_symbol:utf8",
        "base_asset:utf8",
        "quote_asset:utf8",
        "asset_type:int8",
        "tick_size:float64",
        "lot_size:float64",
        "price_increment:float64",
        "amount_increment:float64",
        "contract_size:float64",
        "expiry_ts:int64",
        "valid_from_ts:int64",
        "valid_until_ts:int64",
        "is_current:boolean",
      ],
    );
    assert.equal(DIM_SYMBOL_SCHEMA.name, "dim_symbol");
    assert.deepEqual(DIM_SYMBOL_SCHEMA.partitionBy, []);
    assert.equal(DIM_SYMBOL_SCHEMA.columns.find((c) => c.name === "expiry_ts")!.nullable, true);
    assert.equal(DIM_SYMBOL_SCHEMA.columns.find((c) => c.name === "symbol_id")!.nullable, false);
  });

  await t.step("pins the open end, asset type codes and tracked columns", () => {
    assert.equal(OPEN_END_TS, 9223372036854775807n);
    assert.deepEqual({ ...ASSET_TYPES }, { spot: 0, perpetual: 1, future: 2, option: 3, combo: 4 });
    assert.equal(TRACKED_COLUMNS.length, 10);
    for (const c of ["symbol_id", "valid_from_ts", "valid_until_ts", "is_current", "exchange_id"]) {
      assert.ok(!TRACKED_COLUMNS.includes(c), c);
    }
    assert.ok(UPDATE_COLUMNS.includes("valid_from_ts"));
  });
});

Deno.test("validateDimSymbol", async (t) => {
  await t.step("finds nothing wrong in a valid table or an empty one", () => {
    assert.deepEqual(validateDimSymbol(GOOD), []);
    assert.deepEqual(validateDimSymbol(emptyFrame(DIM_SYMBOL_SCHEMA)), []);
  });

  await t.step("reports a frame that does not fit the schema, and nothing else", () => {
    const v = validateDimSymbol(GOOD.drop("is_current"));
    assert.equal(v.length, 1);
    assert.equal(v[0].rule, "schema");
    assert.match(v[0].message, /"is_current" is missing/);
  });

  await t.step("reports a version that ends before it starts, with its key", () => {
    const bad = GOOD.withColumns(
      pl.when(pl.col("exchange_symbol").eq(pl.lit("ETHUSDT"))).then(pl.lit(100).cast(pl.Int64))
        .otherwise(pl.col("valid_until_ts")).alias("valid_until_ts"),
    );
    const v = validateDimSymbol(bad);
    assert.deepEqual(v.map((x) => [x.rule, x.exchangeId, x.exchangeSymbol, x.validFromTs]), [
      ["valid_until_after_valid_from", 2, "ETHUSDT", 100n],
    ]);
    assert.match(v[0].message, /^Version \(2, "ETHUSDT", 100\): valid_until_ts 100 is not after/);
  });

  await t.step("reports overlapping versions and two current rows of one key", () => {
    const bad = dimFrame([
      { exchange_id: 2, exchange_symbol: "X", valid_from_ts: 100n },
      { exchange_id: 2, exchange_symbol: "X", valid_from_ts: 200n, tick_size: 1 },
    ]);
    const v = validateDimSymbol(bad);
    assert.deepEqual(v.map((x) => [x.rule, x.validFromTs]), [
      ["no_overlap", 200n],
      ["single_current", 100n],
      ["single_current", 200n],
    ]);
  });

  await t.step("reports is_current disagreeing with the open end", () => {
    const bad = GOOD.withColumns(pl.lit(true).alias("is_current"));
    assert.deepEqual(rulesOf(bad), [
      "single_current",
      "single_current",
      "current_is_open_end",
      "current_is_open_end",
    ]);
  });

  await t.step("reports duplicate ids and ids that are not the key's hash", () => {
    const dup = GOOD.withColumns(i64("symbol_id", [1n, 1n, 2n]));
    assert.deepEqual(rulesOf(dup), [
      "unique_symbol_id",
      "unique_symbol_id",
      "symbol_id_is_hash",
      "symbol_id_is_hash",
      "symbol_id_is_hash",
    ]);
  });

  await t.step("reports an unknown asset_type code", () => {
    const bad = GOOD.withColumns(pl.Series("asset_type", [1, 9, null], pl.Int8));
    const v = validateDimSymbol(bad);
    assert.deepEqual(v.map((x) => [x.rule, x.validFromTs]), [["asset_type_known", 200n]]);
  });
});
