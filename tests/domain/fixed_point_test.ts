import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { decodeFixedPoint, encodeFixedPoint, isOnGrid } from "../../src/domain/fixed_point.ts";
import { parseTardisCsv } from "../../src/domain/tardis_csv.ts";
import { QUOTES } from "../../src/domain/quotes.ts";
import { TARDIS_FIXTURES } from "../_fixtures.ts";

function column(df: pl.DataFrame, expr: pl.Expr): unknown[] {
  return df.select(expr.alias("out")).getColumn("out").toArray();
}

Deno.test("fixed point round-trips every real quote price and amount exactly", () => {
  const bytes = Deno.readFileSync(`${TARDIS_FIXTURES}/quotes/tardis_quotes.csv`);
  const { rows } = parseTardisCsv(bytes, QUOTES.csvColumns);
  // Increments as real columns, as after the dim_symbol join (see decodeFixedPoint's note on
  // literal increments).
  const df = rows.withColumns(
    pl.Series("pi", new Array(rows.height).fill(0.01)),
    pl.Series("ai", new Array(rows.height).fill(0.001)),
  );
  for (const [value, inc] of [["bid_price", "pi"], ["ask_price", "pi"], ["bid_amount", "ai"]]) {
    const back = df.select(
      pl.col(value),
      decodeFixedPoint(encodeFixedPoint(value, inc), inc).alias("back"),
    );
    const mismatches = back.filter(pl.col(value).neq(pl.col("back"))).height;
    assert.equal(mismatches, 0, `${value} does not round-trip`);
    assert.equal(column(df, isOnGrid(value, inc).all()).at(0), true);
  }
});

Deno.test("encodeFixedPoint never loses a tick to float noise when rounding down or up", () => {
  // 0.29 / 0.01 = 28.999999999999996 and 0.57 / 0.01 = 56.99999999999999 in float64.
  const df = pl.DataFrame({ v: [0.29, 0.57, 9681.92], inc: [0.01, 0.01, 0.01] });
  assert.deepEqual(column(df, encodeFixedPoint("v", "inc", { rounding: "down" })), [
    29,
    57,
    968192,
  ]);
  assert.deepEqual(column(df, encodeFixedPoint("v", "inc", { rounding: "up" })), [
    29,
    57,
    968192,
  ]);
});

Deno.test("encodeFixedPoint rounds off-grid bids down, asks up and others to nearest", () => {
  const df = pl.DataFrame({ v: [9681.924, 9681.926], inc: [0.01, 0.01] });
  assert.deepEqual(column(df, encodeFixedPoint("v", "inc", { rounding: "down" })), [
    968192,
    968192,
  ]);
  assert.deepEqual(column(df, encodeFixedPoint("v", "inc", { rounding: "up" })), [
    968193,
    968193,
  ]);
  assert.deepEqual(column(df, encodeFixedPoint("v", "inc")), [968192, 968193]);
  assert.deepEqual(column(df, isOnGrid("v", "inc")), [false, false]);
});

Deno.test("isOnGrid accepts a millionth of an increment and rejects more", () => {
  const df = pl.DataFrame({ v: [100 + 1e-7, 100 + 1e-5, 100], inc: [1, 1, 1] });
  assert.deepEqual(column(df, isOnGrid("v", "inc")), [true, false, true]);
  const loose = column(df, isOnGrid("v", "inc", { tolerance: 1e-4 }));
  assert.deepEqual(loose, [true, true, true]);
});

Deno.test("isOnGrid allows float64 noise on very large counts", () => {
  // 1234.56789012 / 1e-8 is 123456789012 in decimal but not exactly in float64.
  const df = pl.DataFrame({ v: [1234.56789012], inc: [1e-8] });
  assert.deepEqual(column(df, isOnGrid("v", "inc")), [true]);
  assert.deepEqual(column(df, encodeFixedPoint("v", "inc")), [123456789012]);
});

Deno.test("fixed point keeps nulls null", () => {
  const df = pl.DataFrame({ v: [null, 1.5], inc: [0.5, null] });
  assert.deepEqual(column(df, encodeFixedPoint("v", "inc")), [null, null]);
  assert.deepEqual(column(df, decodeFixedPoint("v", "inc")), [null, null]);
  assert.deepEqual(column(df, isOnGrid("v", "inc")), [null, null]);
});

Deno.test("decodeFixedPoint multiplies by increments that are not decimal fractions", () => {
  const df = pl.DataFrame({
    n: pl.Series("n", [3, 7, 968192], pl.Int64),
    inc: [5, 2.5, 0.01],
  });
  assert.deepEqual(column(df, decodeFixedPoint("n", "inc")), [15, 17.5, 9681.92]);
});

Deno.test("encodeFixedPoint returns Int64", () => {
  const df = pl.DataFrame({ v: [1.5] });
  const out = df.select(encodeFixedPoint("v", pl.lit(0.5)).alias("n"));
  assert.ok(out.getColumn("n").dtype.equals(pl.Int64));
  assert.equal(out.getColumn("n").get(0), 3);
});
