import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { int64Lit, int64Series, int64Values } from "../../src/domain/int64.ts";

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;
const EDGES = [MIN, MIN + 1n, -3012303369023998542n, -1n, 0n, 1n, 2n ** 53n + 1n, MAX - 1n, MAX];

Deno.test("int64Series keeps negative values and the Int64 extremes exactly", () => {
  for (const input of [EDGES, EDGES.map(String), BigInt64Array.from(EDGES)]) {
    const s = int64Series("v", input);
    assert.ok(s.dtype.equals(pl.Int64));
    assert.deepEqual(int64Values(s), EDGES);
  }
  const withNull = int64Series("v", [MIN, null, MAX]);
  assert.deepEqual(int64Values(withNull), [MIN, null, MAX]);
});

Deno.test("int64Lit is an exact Int64 literal at the extremes and for negatives", () => {
  for (const v of EDGES) {
    const df = pl.DataFrame({ x: [0] }).select(int64Lit(v).alias("v"));
    assert.ok(df.getColumn("v").dtype.equals(pl.Int64));
    assert.deepEqual(int64Values(df.getColumn("v")), [v]);
  }
});

Deno.test("isIn with an Int64 series matches negative ids and the extremes", () => {
  const df = pl.DataFrame({ id: int64Series("id", EDGES), n: EDGES.map((_, i) => i) });
  for (const v of EDGES) {
    const hit = df.filter(pl.col("id").isIn(int64Series("ids", [v]).implode()));
    assert.deepEqual(int64Values(hit.getColumn("id")), [v], `isIn ${v}`);
    assert.equal(df.filter(pl.col("id").eq(int64Lit(v))).height, 1, `eq ${v}`);
  }
});

Deno.test("int64 helpers reject values that are not Int64 with a clear error", () => {
  assert.throws(() => int64Lit(MAX + 1n), /Cannot use 9223372036854775808 as an Int64: outside/);
  assert.throws(() => int64Series("v", [MIN - 1n]), /outside \[-2\^63, 2\^63 - 1\]/);
  assert.throws(() => int64Lit(0.5), /Cannot use 0.5 as an Int64: numbers must be safe integers/);
  assert.throws(() => int64Series("v", ["12a"]), /Cannot use "12a" as an Int64/);
});

Deno.test("int64Values reads Datetime columns as their stored integers", () => {
  const t = int64Series("t", [1714521600123456n, -1n]).cast(pl.Datetime("us", "UTC"));
  assert.deepEqual(int64Values(t), [1714521600123456n, -1n]);
});
