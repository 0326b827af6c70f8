import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { computeFileStats, FileStatsAccumulator } from "../../../src/io/delta/data_file_writer.ts";

/** Stats of `df` accumulated over slices cut at `cuts`, next to the whole frame's. */
function both(df: pl.DataFrame, cuts: number[], columns?: string[]): [string, string] {
  const acc = new FileStatsAccumulator({ columns });
  let from = 0;
  for (const to of [...cuts, df.height]) {
    acc.add(df.slice(from, to - from));
    from = to;
  }
  return [acc.stats(), computeFileStats(df, { columns })];
}

Deno.test("accumulated stats equal the whole file's for every kind of column", () => {
  const long = (c: string) => c.repeat(40);
  const df = pl.DataFrame([
    pl.Series("i64", [5n, 9007199254740993n, 1n, 7n, 3n, 2n]).cast(pl.Int64),
    pl.Series("i32", [null, -4, 8, null, 0, 1], pl.Int32),
    pl.Series("f", [1.5, -Infinity, 0.25, 3, 2, 9], pl.Float64),
    // long strings: cut to 32 characters, the max bumped; a supplementary character sorts
    // after U+FFFD in code points (it does not in UTF-16 units)
    pl.Series("s", [long("m"), null, "\u{1F600}x", long("b"), "\uFFFDz", long("\u{10FFFF}")]),
    pl.Series("b", [true, null, false, true, true, false]),
    pl.Series("allnull", [null, null, null, null, null, null], pl.Utf8),
  ]).withColumns(
    pl.col("i64").cast(pl.Datetime("us", "UTC")).alias("ts"),
    pl.col("i64").mul(1001).cast(pl.Datetime("ns")).alias("ts_ns"),
    pl.col("i32").cast(pl.Date).alias("d"),
    pl.concatList([pl.col("i64"), pl.col("i64")]).alias("levels"),
  );
  for (const cuts of [[], [1], [2, 3], [1, 2, 3, 4, 5], [5]]) {
    const [acc, whole] = both(df, cuts);
    assert.equal(acc, whole, `cuts ${cuts}`);
  }
  const stats = JSON.parse(both(df, [2])[0]);
  assert.equal(stats.numRecords, 6);
  assert.equal(stats.maxValues.s, undefined); // the largest string has no bumpable prefix
  assert.equal(stats.minValues.f, undefined); // -Infinity is no bound
  assert.equal(stats.nullCount.allnull, 6);
  assert.equal(stats.nullCount.levels, undefined); // nested columns get no stats
});

Deno.test("a NaN in any part drops the float bounds, as for the whole file", () => {
  const df = pl.DataFrame({ f: [1, 2, Number.NaN, 4], g: [null, null, 1, 2] });
  for (const cuts of [[2], [3], [1, 2, 3]]) {
    const [acc, whole] = both(df, cuts);
    assert.equal(acc, whole);
  }
  const stats = JSON.parse(both(df, [3])[0]);
  assert.deepEqual(stats.minValues, { g: 1 });
});

Deno.test("accumulated stats keep the stats-column selection and an empty frame", () => {
  const df = pl.DataFrame({ a: [3, 1], b: ["x", "y"] });
  const [acc, whole] = both(df, [0, 0, 1], ["b"]);
  assert.equal(acc, whole);
  assert.deepEqual(Object.keys(JSON.parse(acc).nullCount), ["b"]);
});

Deno.test("stats aggregations reused across files follow each file's column kinds", () => {
  // The same column names with other types, in another order: each file gets its own bounds.
  const ints = pl.DataFrame([
    pl.Series("x", [3n, 9007199254740993n]).cast(pl.Int64),
    pl.Series("y", ["b", "a"]),
  ]);
  const texts = pl.DataFrame([pl.Series("y", [2.5, 1]), pl.Series("x", ["q", null])]);
  const expected = [
    '{"numRecords":2,"minValues":{"x":3,"y":"a"},"maxValues":{"x":9007199254740993,"y":"b"},' +
    '"nullCount":{"x":0,"y":0}}',
    '{"numRecords":2,"minValues":{"y":1,"x":"q"},"maxValues":{"y":2.5,"x":"q"},' +
    '"nullCount":{"y":0,"x":1}}',
    '{"numRecords":1,"minValues":{"x":9007199254740993,"y":"a"},' +
    '"maxValues":{"x":9007199254740993,"y":"a"},"nullCount":{"x":0,"y":0}}',
  ];
  for (let round = 0; round < 2; round++) {
    assert.equal(computeFileStats(ints), expected[0]);
    assert.equal(computeFileStats(texts), expected[1]);
    assert.equal(computeFileStats(ints.slice(1, 1)), expected[2]);
  }
});
