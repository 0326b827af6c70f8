import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  applyRowRules,
  lessThanWhenBoth,
  nonNegative,
  oneOf,
  positive,
  present,
  rowRule,
  showValues,
} from "../../src/domain/row_rules.ts";

const i64 = (name: string, values: number[]) => pl.Series(name, values, pl.Int64);

function failures(df: pl.DataFrame, rules: Parameters<typeof applyRowRules>[1]) {
  const { passed, failed } = applyRowRules(df, rules, { rawColumns: ["x"] });
  return { passed: passed.height, failed: failed.toRecords() };
}

Deno.test("applyRowRules records each failing row once, under its first failing rule", () => {
  const df = pl.DataFrame({
    file_line_number: i64("file_line_number", [2, 3, 4]),
    x: [1, -1, null],
  });
  const { passed, failed } = failures(df, [positive("x"), nonNegative("x")]);
  assert.equal(passed, 1);
  assert.deepEqual(failed, [
    { file_line_number: 3, rule: "x_positive", detail: "x=-1.0", raw: "-1.0" },
    { file_line_number: 4, rule: "x_positive", detail: "x=null", raw: "" },
  ]);
});

Deno.test("applyRowRules returns the input unchanged when every row passes", () => {
  const df = pl.DataFrame({ file_line_number: i64("file_line_number", [2]), x: [5] });
  const { passed, failed } = applyRowRules(df, [positive("x")]);
  assert.deepEqual(passed.columns, ["file_line_number", "x"]);
  assert.equal(passed.height, 1);
  assert.equal(failed.height, 0);
  assert.deepEqual(failed.columns, ["file_line_number", "rule", "detail", "raw"]);
});

Deno.test("applyRowRules keeps the passing rows' columns and drops its helper columns", () => {
  const df = pl.DataFrame({ file_line_number: i64("file_line_number", [2, 3]), x: [5, 0] });
  const { passed } = applyRowRules(df, [positive("x")]);
  assert.deepEqual(passed.columns, ["file_line_number", "x"]);
  assert.deepEqual(passed.getColumn("x").toArray(), [5]);
});

Deno.test("rule factories: a failing and a passing row each", async (t) => {
  const cases: [string, pl.DataFrame, ReturnType<typeof positive>, number[]][] = [
    ["positive", pl.DataFrame({ x: [1, 0] }), positive("x"), [3]],
    ["positive allowNull", pl.DataFrame({ x: [null, -2] }), positive("x", { allowNull: true }), [
      3,
    ]],
    ["nonNegative", pl.DataFrame({ x: [0, -0.5] }), nonNegative("x"), [3]],
    ["oneOf", pl.DataFrame({ x: ["buy", "hold"] }), oneOf("x", ["buy", "sell"], "x_known"), [3]],
    ["present", pl.DataFrame({ x: ["a", null] }), present("x", "x_present"), [3]],
    [
      "lessThanWhenBoth",
      pl.DataFrame({ x: [1, 3], y: [2, 3] }),
      lessThanWhenBoth("x", "y", "x_below_y"),
      [3],
    ],
  ];
  for (const [name, base, rule, failingLines] of cases) {
    await t.step(name, () => {
      const df = base.withColumns(pl.Series("file_line_number", [2, 3], pl.Int64));
      const { passed, failed } = applyRowRules(df, [rule]);
      assert.equal(passed.height, 1);
      assert.deepEqual(failed.getColumn("file_line_number").toArray(), failingLines);
      assert.deepEqual(failed.getColumn("rule").toArray(), [rule.name]);
    });
  }
});

Deno.test("lessThanWhenBoth lets a missing side pass", () => {
  const df = pl.DataFrame({
    file_line_number: i64("file_line_number", [2, 3]),
    x: [null, 5],
    y: [1, null],
  });
  assert.equal(applyRowRules(df, [lessThanWhenBoth("x", "y", "r")]).failed.height, 0);
});

Deno.test("rowRule defaults its detail to its doc", () => {
  const df = pl.DataFrame({ file_line_number: i64("file_line_number", [2]), x: [3] });
  const rule = rowRule("x_even", "x is even", pl.col("x").modulo(2).eq(0));
  assert.equal(applyRowRules(df, [rule]).failed.getColumn("detail").get(0), "x is even");
});

Deno.test("showValues names each value and prints nulls as null", () => {
  const df = pl.DataFrame({ a: ["buy"], b: [null] });
  assert.equal(df.select(showValues(["a", "b"]).alias("t")).getColumn("t").get(0), "a=buy b=null");
});
