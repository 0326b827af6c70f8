// Self-test of the conformance comparator: a comparator that cannot see differences would make
// every golden case pass, so pin that it does.
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { DELTA_FIXTURES } from "../../_fixtures.ts";
import { compareFrames, readParquetFolder } from "./_compare.ts";

const ALL_TYPES = `${DELTA_FIXTURES}/kernel-rs-golden/parquet-all-types/expected`;

Deno.test("compareFrames: multiset equality", async (t) => {
  const df = pl.DataFrame({ a: [1, 2, 2, null], b: ["x", "y", "y", "z"] });
  await t.step("row and column order do not matter", () => {
    const shuffled = pl.DataFrame({ b: ["y", "z", "x", "y"], a: [2, null, 1, 2] });
    assert.deepEqual(compareFrames(shuffled, df), { equal: true, detail: "" });
  });
  await t.step("duplicates count", () => {
    const fewer = pl.DataFrame({ a: [1, 2, null, null], b: ["x", "y", "z", "z"] });
    const r = compareFrames(fewer, df);
    assert.equal(r.equal, false);
  });
  await t.step("a changed value is reported with its column", () => {
    const changed = pl.DataFrame({ a: [1, 2, 3, null], b: ["x", "y", "y", "z"] });
    const r = compareFrames(changed, df);
    assert.equal(r.equal, false);
    assert.match(r.detail, /"a"/);
  });
  await t.step("values that only swap between rows are caught", () => {
    const swapped = pl.DataFrame({ a: [1, 2, 2, null], b: ["y", "x", "y", "z"] });
    assert.equal(compareFrames(swapped, df).equal, false);
  });
  await t.step("row count and column set differences", () => {
    assert.match(compareFrames(df.head(3), df).detail, /row count 3, expected 4/);
    assert.match(compareFrames(df.select("a"), df).detail, /columns differ/);
  });
  await t.step("a narrower integer type is cast to the expected type", () => {
    const narrow = df.withColumns(pl.col("a").cast(pl.Int32));
    assert.equal(compareFrames(narrow, df).equal, true);
  });
});

Deno.test("compareFrames: every Delta type, Decimal and Binary included, stays in Polars", async (t) => {
  const expected = readParquetFolder(ALL_TYPES)!;
  assert.ok(expected.height > 0 && expected.columns.includes("BinaryType"));
  await t.step("a frame equals itself in another row order", () => {
    const reversed = expected.select(pl.all().reverse());
    assert.deepEqual(compareFrames(reversed, expected), { equal: true, detail: "" });
  });
  await t.step("a changed Decimal value is seen", () => {
    const changed = expected.withColumns(
      pl.when(pl.col("IntegerType").eq(pl.lit(1)))
        .then(pl.lit(null).cast(pl.Decimal(10, 2)))
        .otherwise(pl.col("decimal"))
        .alias("decimal"),
    );
    const r = compareFrames(changed, expected);
    assert.equal(r.equal, false);
    assert.match(r.detail, /"decimal"/);
  });
  await t.step("a changed Binary value is seen", () => {
    const changed = expected.withColumns(
      pl.when(pl.col("IntegerType").eq(pl.lit(1))).then(pl.lit(null)).otherwise(
        pl.col("BinaryType"),
      ).alias("BinaryType"),
    );
    const r = compareFrames(changed, expected);
    assert.equal(r.equal, false);
    assert.match(r.detail, /"BinaryType"/);
  });
  await t.step("a changed map value is seen (data-reader-map)", () => {
    const maps = readParquetFolder(`${DELTA_FIXTURES}/kernel-rs-golden/data-reader-map/expected`)!;
    assert.ok(maps.select(pl.col("a").hash()).getColumn("a").nUnique() > 1, "maps differ by row");
    assert.equal(compareFrames(maps.select(pl.all().reverse()), maps).equal, true);
    const changed = maps.withColumns(
      pl.when(pl.col("i").eq(pl.lit(1))).then(pl.lit(null)).otherwise(pl.col("a")).alias("a"),
    );
    const r = compareFrames(changed, maps);
    assert.equal(r.equal, false);
    assert.match(r.detail, /"a"/);
  });
});
