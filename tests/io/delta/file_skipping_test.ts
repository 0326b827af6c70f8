import assert from "node:assert/strict";
import type { AddAction } from "../../../src/io/delta/actions.ts";
import { fileMayMatch } from "../../../src/io/delta/file_skipping.ts";
import type { Filter } from "../../../src/io/delta/predicate.ts";
import type { StructType } from "../../../src/io/delta/schema.ts";

const schema: StructType = {
  type: "struct",
  fields: [
    { name: "i", type: "long", nullable: true, metadata: {} },
    { name: "d", type: "double", nullable: true, metadata: {} },
    { name: "s", type: "string", nullable: true, metadata: {} },
    { name: "ts", type: "timestamp", nullable: true, metadata: {} },
    { name: "dt", type: "date", nullable: true, metadata: {} },
    { name: "b", type: "boolean", nullable: true, metadata: {} },
    { name: "dec", type: "decimal(10,2)", nullable: true, metadata: {} },
    {
      name: "m",
      type: "long",
      nullable: true,
      metadata: { "delta.columnMapping.physicalName": "col-m" },
    },
    { name: "p", type: "string", nullable: true, metadata: {} },
    { name: "pd", type: "date", nullable: true, metadata: {} },
    { name: "pl", type: "long", nullable: true, metadata: {} },
  ],
};
const parts = ["p", "pd", "pl"];

function file(
  st: { numRecords: number; min?: object; max?: object; nulls?: object } | null,
  pv: Record<string, string | null> = { p: "a", pd: "2024-01-02", pl: "7" },
): AddAction {
  return {
    path: "f.parquet",
    partitionValues: pv,
    size: 1,
    modificationTime: 0,
    dataChange: true,
    stats: st === null ? undefined : JSON.stringify({
      numRecords: st.numRecords,
      minValues: st.min ?? {},
      maxValues: st.max ?? {},
      nullCount: st.nulls ?? {},
    }),
  };
}

const may = (f: Filter, a: AddAction) => fileMayMatch(f, a, schema, parts);

Deno.test("fileMayMatch: integer stats", async (t) => {
  const a = file({ numRecords: 10, min: { i: 10 }, max: { i: 20 }, nulls: { i: 0 } });
  await t.step("skips when the literal lies outside [min, max]", () => {
    assert.equal(may([["i", "=", 9]], a), false);
    assert.equal(may([["i", "=", 21]], a), false);
    assert.equal(may([["i", ">", 20]], a), false);
    assert.equal(may([["i", ">=", 21n]], a), false);
    assert.equal(may([["i", "<", 10]], a), false);
    assert.equal(may([["i", "<=", 9]], a), false);
    assert.equal(may([["i", "in", [1, 2, 30]]], a), false);
  });
  await t.step("keeps when the literal may be inside, bounds inclusive", () => {
    assert.equal(may([["i", "=", 10]], a), true);
    assert.equal(may([["i", "=", 20]], a), true);
    assert.equal(may([["i", ">=", 20]], a), true);
    assert.equal(may([["i", "<=", 10]], a), true);
    assert.equal(may([["i", "in", [1, 15]]], a), true);
    assert.equal(may([["i", "!=", 15]], a), true);
    assert.equal(may([["i", "not in", [10, 20]]], a), true);
  });
  await t.step("!= skips only a file whose values all equal the literal", () => {
    const same = file({ numRecords: 3, min: { i: 5 }, max: { i: 5 }, nulls: { i: 0 } });
    assert.equal(may([["i", "!=", 5]], same), false);
    assert.equal(may([["i", "!=", 6]], same), true);
  });
  await t.step("null counts decide is null / is not null", () => {
    assert.equal(may([["i", "is null"]], a), false);
    assert.equal(may([["i", "=", null]], a), false);
    assert.equal(may([["i", "is not null"]], a), true);
    const allNull = file({ numRecords: 4, nulls: { i: 4 } });
    assert.equal(may([["i", "is not null"]], allNull), false);
    assert.equal(may([["i", "=", 1]], allNull), false);
    assert.equal(may([["i", "is null"]], allNull), true);
  });
  await t.step("an AND skips when any predicate skips", () => {
    assert.equal(may([["i", ">", 0], ["i", ">", 100]], a), false);
  });
  await t.step("bounds beyond 2^53 are not trusted", () => {
    const big = file({ numRecords: 1, min: { i: 2 ** 60 }, max: { i: 2 ** 60 }, nulls: { i: 0 } });
    assert.equal(may([["i", "=", 2n ** 60n + 1n]], big), true);
  });
});

Deno.test("fileMayMatch: missing or partial stats are conservative", () => {
  assert.equal(may([["i", "=", 1]], file(null)), true);
  assert.equal(may([["i", "=", 1]], { ...file(null), stats: "{not json" }), true);
  assert.equal(may([["i", "=", 1]], file({ numRecords: 5, min: { i: 3 } })), true);
  assert.equal(may([["i", "is null"]], file({ numRecords: 5 })), true);
  // types without skipping support
  assert.equal(
    may([["dec", "=", 1]], file({ numRecords: 1, min: { dec: 5 }, max: { dec: 6 } })),
    true,
  );
  // literal of the wrong type
  assert.equal(may([["i", "=", "x"]], file({ numRecords: 1, min: { i: 5 }, max: { i: 6 } })), true);
  // a column not in the schema is left to the exact filter
  assert.equal(may([["nope", "=", 1]], file({ numRecords: 1 })), true);
});

Deno.test("fileMayMatch: truncated string max values", async (t) => {
  const prefix = "a".repeat(32);
  const a = file({ numRecords: 2, min: { s: "aaa" }, max: { s: prefix }, nulls: { s: 0 } });
  await t.step("a literal that extends the truncated max may be in the file", () => {
    assert.equal(may([["s", "=", prefix + "zzz"]], a), true);
    assert.equal(may([["s", ">", prefix]], a), true);
  });
  await t.step("a literal above max that does not extend it is skipped", () => {
    assert.equal(may([["s", "=", "b"]], a), false);
    assert.equal(may([["s", ">=", "ab"]], a), false);
  });
  await t.step("min bounds still skip", () => {
    assert.equal(may([["s", "<", "aa"]], a), false);
    assert.equal(may([["s", "=", "a"]], a), false);
  });
  await t.step(
    "strings outside the BMP's lower range are never used (UTF-16 vs UTF-8 order)",
    () => {
      const emoji = file({ numRecords: 1, min: { s: "\u{1F600}" }, max: { s: "\u{1F600}" } });
      assert.equal(may([["s", "=", "\uFFFD"]], emoji), true);
    },
  );
});

Deno.test("fileMayMatch: millisecond timestamp bounds are widened", () => {
  // real values 00:00:00.000100 .. 00:00:01.000900; stats keep milliseconds only
  const a = file({
    numRecords: 2,
    min: { ts: "2024-01-01T00:00:00.000Z" },
    max: { ts: "2024-01-01T00:00:01.000Z" },
    nulls: { ts: 0 },
  });
  assert.equal(may([["ts", "=", "2024-01-01T00:00:01.000900Z"]], a), true);
  assert.equal(may([["ts", ">", 1704067201000500n]], a), true);
  assert.equal(may([["ts", ">", "2024-01-01T00:00:01.001000Z"]], a), false);
  assert.equal(may([["ts", "<", new Date("2023-12-31T23:59:59.999Z")]], a), false);
  assert.equal(may([["ts", ">=", new Date("2024-01-01T00:00:02Z")]], a), false);
});

Deno.test("fileMayMatch: dates, doubles, booleans", () => {
  const a = file({
    numRecords: 3,
    min: { dt: "2024-01-02", d: 1.5, b: false },
    max: { dt: "2024-01-05", d: 2.5, b: false },
    nulls: { dt: 0, d: 0, b: 0 },
  });
  assert.equal(may([["dt", "=", "2024-01-01"]], a), false);
  assert.equal(may([["dt", "=", new Date("2024-01-03T12:00:00Z")]], a), true);
  assert.equal(may([["dt", ">", "2024-01-05"]], a), false);
  assert.equal(may([["d", ">", 2.5]], a), false);
  assert.equal(may([["d", "<=", 1.5]], a), true);
  assert.equal(may([["d", "=", Number.NaN]], a), true);
  assert.equal(may([["b", "=", true]], a), false);
  assert.equal(may([["b", "=", false]], a), true);
});

Deno.test("fileMayMatch: column-mapped stats use physical names", () => {
  const a = file({
    numRecords: 2,
    min: { "col-m": 1 },
    max: { "col-m": 2 },
    nulls: { "col-m": 0 },
  });
  assert.equal(may([["m", "=", 3]], a), false);
  assert.equal(may([["m", "=", 2]], a), true);
});

Deno.test("fileMayMatch: partition values are evaluated exactly", async (t) => {
  const a = file(null);
  await t.step("string, date and long partitions", () => {
    assert.equal(may([["p", "=", "a"]], a), true);
    assert.equal(may([["p", "=", "b"]], a), false);
    assert.equal(may([["p", "!=", "a"]], a), false);
    assert.equal(may([["p", "in", ["x", "a"]]], a), true);
    assert.equal(may([["p", "not in", ["a"]]], a), false);
    assert.equal(may([["pd", ">=", "2024-01-03"]], a), false);
    assert.equal(may([["pd", "=", new Date("2024-01-02T00:00:00Z")]], a), true);
    assert.equal(may([["pl", "<", 7]], a), false);
    assert.equal(may([["pl", "<=", 7n]], a), true);
  });
  await t.step("a null partition matches only is null", () => {
    const n = file(null, { p: null, pd: null, pl: null });
    assert.equal(may([["p", "is null"]], n), true);
    assert.equal(may([["p", "=", null]], n), true);
    assert.equal(may([["p", "=", "a"]], n), false);
    assert.equal(may([["p", "!=", "a"]], n), false);
    assert.equal(may([["p", "is not null"]], n), false);
    assert.equal(may([["p", "is null"]], a), false);
  });
  await t.step("an empty-string partition value is null", () => {
    const e = file(null, { p: "", pd: null, pl: null });
    assert.equal(may([["p", "is null"]], e), true);
  });
});

Deno.test("fileMayMatch: float stats and literals compare as float32", () => {
  const fschema: StructType = {
    type: "struct",
    fields: [
      { name: "f", type: "float", nullable: true, metadata: {} },
      { name: "pf", type: "float", nullable: true, metadata: {} },
    ],
  };
  // stats hold the shortest decimal of the float32 value 3.4; the literal is its double value
  const a: AddAction = {
    ...file({ numRecords: 1, min: { f: 3.4 }, max: { f: 3.4 }, nulls: { f: 0 } }),
    partitionValues: { pf: "3.4" },
  };
  const lit = Math.fround(3.4); // 3.4000000953674316
  assert.equal(fileMayMatch([["f", "=", lit]], a, fschema, ["pf"]), true);
  assert.equal(fileMayMatch([["f", ">=", lit]], a, fschema, ["pf"]), true);
  assert.equal(fileMayMatch([["pf", "=", lit]], a, fschema, ["pf"]), true);
  assert.equal(fileMayMatch([["f", ">", 3.5]], a, fschema, ["pf"]), false);
});

Deno.test("fileMayMatch: widened columns do not use min/max (stats are in the old type)", () => {
  const wschema: StructType = {
    type: "struct",
    fields: [{
      name: "w",
      type: "double",
      nullable: true,
      metadata: { "delta.typeChanges": [{ fromType: "float", toType: "double" }] },
    }],
  };
  const a = file({ numRecords: 1, min: { w: 3.4 }, max: { w: 3.4 }, nulls: { w: 0 } });
  assert.equal(fileMayMatch([["w", "=", Math.fround(3.4)]], a, wschema, []), true);
  // null counts stay valid
  assert.equal(fileMayMatch([["w", "is null"]], a, wschema, []), false);
});
