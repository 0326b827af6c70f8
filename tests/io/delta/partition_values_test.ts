import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { CorruptLogError, UnsupportedFeatureError } from "../../../src/io/delta/errors.ts";
import {
  formatPartitionValue,
  parsePartitionValue,
  partitionValuesToExprs,
  rawPartitionValue,
} from "../../../src/io/delta/partition_values.ts";
import type { StructType } from "../../../src/io/delta/schema.ts";

Deno.test("partition values: parse", async (t) => {
  await t.step("null and empty string are null for every type", () => {
    for (const type of ["string", "long", "integer", "date", "timestamp", "decimal(5,2)"]) {
      assert.equal(parsePartitionValue(null, type), null, type);
      assert.equal(parsePartitionValue("", type), null, type);
    }
  });
  await t.step("strings are taken verbatim, %-escapes are not decoded", () => {
    assert.equal(parsePartitionValue("a%20b c/=", "string"), "a%20b c/=");
  });
  await t.step("integers with range checks", () => {
    assert.equal(parsePartitionValue("-128", "byte"), -128);
    assert.equal(parsePartitionValue("32767", "short"), 32767);
    assert.equal(parsePartitionValue("-2147483648", "integer"), -2147483648);
    assert.throws(() => parsePartitionValue("128", "byte"), CorruptLogError);
    assert.throws(() => parsePartitionValue("1.5", "integer"), CorruptLogError);
  });
  await t.step("long is an exact bigint", () => {
    assert.equal(parsePartitionValue("9223372036854775807", "long"), 9223372036854775807n);
    assert.equal(parsePartitionValue("-9007199254740993", "long"), -9007199254740993n);
    assert.throws(() => parsePartitionValue("9223372036854775808", "long"), CorruptLogError);
  });
  await t.step("floats, including NaN and infinities", () => {
    assert.equal(parsePartitionValue("1.25", "double"), 1.25);
    assert.equal(parsePartitionValue("-3e2", "float"), -300);
    assert.ok(Number.isNaN(parsePartitionValue("NaN", "double") as number));
    assert.equal(parsePartitionValue("-Infinity", "double"), -Infinity);
    assert.throws(() => parsePartitionValue("abc", "double"), CorruptLogError);
  });
  await t.step("booleans", () => {
    assert.equal(parsePartitionValue("true", "boolean"), true);
    assert.equal(parsePartitionValue("FALSE", "boolean"), false);
    assert.throws(() => parsePartitionValue("1", "boolean"), CorruptLogError);
  });
  await t.step("dates are UTC midnight, invalid dates rejected", () => {
    assert.deepEqual(parsePartitionValue("2021-09-08", "date"), new Date("2021-09-08T00:00:00Z"));
    assert.deepEqual(parsePartitionValue("0001-01-01", "date"), new Date("0001-01-01T00:00:00Z"));
    assert.throws(() => parsePartitionValue("2021-02-30", "date"), CorruptLogError);
    assert.throws(() => parsePartitionValue("20210908", "date"), CorruptLogError);
  });
  await t.step("timestamps in both legal formats are microseconds UTC", () => {
    const base = 1704103200000000n; // 2024-01-01T10:00:00Z
    assert.equal(parsePartitionValue("2024-01-01 10:00:00", "timestamp"), base);
    assert.equal(parsePartitionValue("2024-01-01 10:00:00.123456", "timestamp"), base + 123456n);
    assert.equal(parsePartitionValue("2024-01-01 10:00:00.5", "timestamp"), base + 500000n);
    assert.equal(parsePartitionValue("2024-01-01T10:00:00.000000Z", "timestamp"), base);
    assert.equal(parsePartitionValue("2024-01-01T10:00:00.123456Z", "timestamp"), base + 123456n);
    assert.equal(parsePartitionValue("2024-01-01T12:00:00+02:00", "timestamp"), base);
    assert.equal(
      parsePartitionValue("2024-01-01T10:00:00.123456789Z", "timestamp"),
      base + 123456n,
      "nanoseconds are truncated",
    );
    assert.equal(parsePartitionValue("1969-12-31 23:59:59.999999", "timestamp"), -1n);
    assert.equal(parsePartitionValue("2024-01-01 10:00:00", "timestamp_ntz"), base);
    assert.throws(() => parsePartitionValue("2024-01-01", "timestamp"), CorruptLogError);
    assert.throws(() => parsePartitionValue("2024-01-01 25:00:00", "timestamp"), CorruptLogError);
  });
  await t.step("decimals stay exact strings", () => {
    assert.equal(
      parsePartitionValue("12345678901234567890.12", "decimal(22,2)"),
      "12345678901234567890.12",
    );
    assert.throws(() => parsePartitionValue("1,5", "decimal(5,2)"), CorruptLogError);
  });
  await t.step("binary is UTF-8 text, or delta-rs's \\u00XX escapes", () => {
    assert.deepEqual(
      parsePartitionValue("\u0001\u0002\u00e9", "binary"),
      new Uint8Array([1, 2, 0xc3, 0xa9]),
    );
    assert.deepEqual(parsePartitionValue("\\u0000\\u00FF", "binary"), new Uint8Array([0, 255]));
    assert.deepEqual(parsePartitionValue("\\u00", "binary"), new TextEncoder().encode("\\u00"));
  });
  await t.step("nested and unknown types are unsupported", () => {
    assert.throws(
      () => parsePartitionValue("x", { type: "array", elementType: "long", containsNull: true }),
      UnsupportedFeatureError,
    );
    assert.throws(() => parsePartitionValue("x", "variant"), UnsupportedFeatureError);
  });
});

Deno.test("partition values: format and round trip", async (t) => {
  const cases: [unknown, string, string][] = [
    ["abc", "string", "abc"],
    [-5, "byte", "-5"],
    [123456, "integer", "123456"],
    [9223372036854775807n, "long", "9223372036854775807"],
    [1.5, "double", "1.5"],
    [true, "boolean", "true"],
    [new Date("2021-09-08T00:00:00Z"), "date", "2021-09-08"],
    [1704103200123456n, "timestamp", "2024-01-01T10:00:00.123456Z"],
    [1704103200000000n, "timestamp_ntz", "2024-01-01 10:00:00.000000"],
    [-1n, "timestamp", "1969-12-31T23:59:59.999999Z"],
    ["1.23", "decimal(5,2)", "1.23"],
    [new Uint8Array([0, 65, 0xc3, 0xa9]), "binary", "\u0000A\u00e9"],
    [new Uint8Array([0, 65, 200]), "binary", "\\u0000\\u0041\\u00c8"],
    [new TextEncoder().encode("\\u0041"), "binary", "\\u005c\\u0075\\u0030\\u0030\\u0034\\u0031"],
  ];
  for (const [value, type, text] of cases) {
    await t.step(`${type}: ${text}`, () => {
      assert.equal(formatPartitionValue(value, type), text);
      assert.deepEqual(parsePartitionValue(text, type), value);
    });
  }
  await t.step(
    "null formats as null",
    () => assert.equal(formatPartitionValue(null, "long"), null),
  );
  await t.step("a Date or integer µs formats as a timestamp", () => {
    assert.equal(
      formatPartitionValue(new Date("2024-01-01T10:00:00.123Z"), "timestamp"),
      "2024-01-01T10:00:00.123000Z",
    );
    assert.equal(formatPartitionValue(0, "timestamp"), "1970-01-01T00:00:00.000000Z");
  });
  await t.step("a date string is normalised", () => {
    assert.equal(formatPartitionValue("2024-1-2", "date"), "2024-01-02");
  });
  await t.step("mismatched values are TypeError", () => {
    assert.throws(() => formatPartitionValue("x", "long"), TypeError);
    assert.throws(() => formatPartitionValue(1.5, "integer"), TypeError);
    assert.throws(() => formatPartitionValue(300, "byte"), TypeError);
    assert.throws(() => formatPartitionValue(1, "string"), TypeError);
  });
});

const SCHEMA: StructType = {
  type: "struct",
  fields: [
    { name: "x", type: "long", nullable: true, metadata: {} },
    { name: "s", type: "string", nullable: true, metadata: {} },
    { name: "n", type: "long", nullable: true, metadata: {} },
    { name: "i", type: "short", nullable: true, metadata: {} },
    { name: "f", type: "double", nullable: true, metadata: {} },
    { name: "b", type: "boolean", nullable: true, metadata: {} },
    { name: "d", type: "date", nullable: true, metadata: {} },
    { name: "ts", type: "timestamp", nullable: true, metadata: {} },
    { name: "ntz", type: "timestamp_ntz", nullable: true, metadata: {} },
    { name: "dec", type: "decimal(22,2)", nullable: true, metadata: {} },
    {
      name: "mapped",
      type: "integer",
      nullable: true,
      metadata: { "delta.columnMapping.physicalName": "col-abc" },
    },
  ],
};

Deno.test("partition values: Polars literal expressions", async (t) => {
  const cols = ["s", "n", "i", "f", "b", "d", "ts", "ntz", "dec", "mapped"];
  const df = pl.DataFrame({ x: [1, 2] }).withColumns(
    ...partitionValuesToExprs({
      s: "a b",
      n: "9007199254740993",
      i: "-7",
      f: "NaN",
      b: "true",
      d: "2021-09-08",
      ts: "2024-01-01T10:00:00.123456Z",
      ntz: "2024-01-01 10:00:00",
      dec: "12345678901234567890.12",
      "col-abc": "5",
    }, { schema: SCHEMA, partitionColumns: cols }),
  );
  await t.step("each column has the schema's type", () => {
    const expected = [
      pl.String,
      pl.Int64,
      pl.Int16,
      pl.Float64,
      pl.Bool,
      pl.Date,
      pl.Datetime("us", "UTC"),
      pl.Datetime("us", ""),
      pl.Decimal(22, 2),
      pl.Int32,
    ];
    cols.forEach((c, i) => assert.ok(df.getColumn(c).dtype.equals(expected[i]), c));
  });
  await t.step("values are exact (checked inside Polars)", () => {
    const checks = df.select(
      pl.col("n").cast(pl.Utf8).eq(pl.lit("9007199254740993")).alias("n"),
      pl.col("f").isNan().alias("f"),
      pl.col("d").cast(pl.Int32).eq(pl.lit(18878)).alias("d"),
      pl.col("ts").cast(pl.Int64).cast(pl.Utf8).eq(pl.lit("1704103200123456")).alias("ts"),
      pl.col("ntz").cast(pl.Int64).cast(pl.Utf8).eq(pl.lit("1704103200000000")).alias("ntz"),
      pl.col("dec").cast(pl.Utf8).eq(pl.lit("12345678901234567890.12")).alias("dec"),
      pl.col("mapped").eq(pl.lit(5)).alias("mapped"),
      pl.col("s").eq(pl.lit("a b")).alias("s"),
      pl.col("i").eq(pl.lit(-7)).alias("i"),
      pl.col("b").alias("b"),
    ).toRecords();
    for (const row of checks) {
      for (const [k, v] of Object.entries(row)) assert.equal(v, true, k);
    }
  });
  await t.step("a missing or null value gives a typed null", () => {
    const d2 = pl.DataFrame({ x: [1] }).withColumns(
      ...partitionValuesToExprs({ n: null }, { schema: SCHEMA, partitionColumns: ["n", "d"] }),
    );
    assert.equal(String(d2.getColumn("d").dtype), "DataType(Date)");
    assert.equal(d2.getColumn("n").nullCount(), 1);
    assert.equal(d2.getColumn("d").nullCount(), 1);
  });
  await t.step("a partition column missing from the schema is corrupt", () => {
    assert.throws(
      () => partitionValuesToExprs({}, { schema: SCHEMA, partitionColumns: ["nope"] }),
      CorruptLogError,
    );
  });
  await t.step("rawPartitionValue prefers the physical name", () => {
    assert.equal(rawPartitionValue({ "col-abc": "1", mapped: "2" }, SCHEMA.fields[10]), "1");
    assert.equal(rawPartitionValue({ mapped: "2" }, SCHEMA.fields[10]), "2");
    assert.equal(rawPartitionValue(undefined, SCHEMA.fields[10]), null);
  });
});
