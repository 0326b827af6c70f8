/**
 * The scan's fast path: one multi-file Polars scan over the exact list of live local files
 * (see `src/io/delta/scan.ts`). These tests pin that it returns what the per-file frames
 * returned (schema evolution, projections, filters, removed and stray files) and that it is
 * not used where it could be wrong.
 *
 * @module
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { join } from "node:path";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import {
  add,
  field,
  metadata,
  parquetBytes,
  protocol,
  remove,
  writeCommit,
} from "./_delta_log_builder.ts";

const i64 = (name: string, values: (number | null)[]) => pl.Series(name, values, pl.Int64);

async function withTable(fn: (dir: string, s: LocalStorage) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pointline_scan_multi_" });
  try {
    await fn(dir, new LocalStorage(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const rows = (df: pl.DataFrame) => df.rows().map((r) => JSON.stringify(r)).sort();

Deno.test("multi-file scan: schema evolution, removed and stray files, exact paths", async () => {
  await withTable(async (dir, s) => {
    // f1 lacks y (older schema); f2 has an extra column z not in the table; f3 is removed;
    // stray.parquet is in the folder but never committed; "[x].parquet" is a literal name
    await s.put("f1.parquet", parquetBytes(pl.DataFrame([i64("x", [1, 2])])));
    await s.put(
      "f2.parquet",
      parquetBytes(pl.DataFrame([i64("x", [3]), pl.Series("y", ["c"]), i64("z", [9])])),
    );
    await s.put("f3.parquet", parquetBytes(pl.DataFrame([i64("x", [100])])));
    await s.put("stray.parquet", parquetBytes(pl.DataFrame([i64("x", [200])])));
    await s.put("[x].parquet", parquetBytes(pl.DataFrame([i64("x", [4]), pl.Series("y", ["d"])])));
    await writeCommit(s, 0, [
      protocol(),
      metadata([field("x", "long")]),
      add("f1.parquet"),
      add("f3.parquet"),
    ]);
    await writeCommit(s, 1, [
      metadata([field("x", "long"), field("y", "string")]),
      add("f2.parquet"),
      add("%5Bx%5D.parquet"),
      remove("f3.parquet"),
    ]);
    const df = await readDelta(dir);
    assert.deepEqual(df.columns, ["x", "y"]);
    assert.deepEqual(df.dtypes.map(String), [pl.Int64, pl.String].map(String));
    assert.deepEqual(rows(df), rows(pl.DataFrame({ x: [1, 2, 3, 4], y: [null, null, "c", "d"] })));

    const table = await DeltaTable.open(dir);
    // one scan of the 3 live files (not one frame per file)
    assert.match((await table.scan()).describePlan(), /^Parquet SCAN \[.*\.\.\. 2 other sources\]/);
    const yx = await (await table.scan({ columns: ["y", "x"], filter: [["x", ">=", 2]] }))
      .collect();
    assert.deepEqual(yx.columns, ["y", "x"]);
    assert.deepEqual(rows(yx), rows(pl.DataFrame({ y: [null, "c", "d"], x: [2, 3, 4] })));
    const onlyY = await (await table.scan({ columns: ["y"], filter: [["y", "is null"]] }))
      .collect();
    assert.equal(onlyY.height, 2);
  });
});

Deno.test("multi-file scan: narrower stored integers and floats read as the table type", async () => {
  await withTable(async (dir, s) => {
    await s.put(
      "a.parquet",
      parquetBytes(
        pl.DataFrame([pl.Series("x", [1], pl.Int32), pl.Series("v", [0.5], pl.Float32)]),
      ),
    );
    await s.put(
      "b.parquet",
      parquetBytes(pl.DataFrame([i64("x", [2]), pl.Series("v", [1.5], pl.Float64)])),
    );
    await writeCommit(s, 0, [
      protocol(),
      metadata([field("x", "long"), field("v", "double")]),
      add("a.parquet"),
      add("b.parquet"),
    ]);
    const df = await readDelta(dir);
    assert.deepEqual(df.dtypes.map(String), [pl.Int64, pl.Float64].map(String));
    assert.deepEqual(rows(df), rows(pl.DataFrame({ x: [1, 2], v: [0.5, 1.5] })));
  });
});

Deno.test("multi-file scan: partition columns and absolute paths still read right", async () => {
  await withTable(async (dir, s) => {
    await s.put("p=a/1.parquet", parquetBytes(pl.DataFrame([i64("x", [1])])));
    await s.put("p=b/2.parquet", parquetBytes(pl.DataFrame([i64("x", [2])])));
    await writeCommit(s, 0, [
      protocol(),
      metadata([field("x", "long"), field("p", "string")], { partitionColumns: ["p"] }),
      add("p=a/1.parquet", { partitionValues: { p: "a" } }),
      add(join(dir, "p=b/2.parquet"), { partitionValues: { p: "b" } }),
    ]);
    const table = await DeltaTable.open(dir);
    const all = await (await table.scan()).collect();
    assert.deepEqual(rows(all), rows(pl.DataFrame({ x: [1, 2], p: ["a", "b"] })));
    // partition column not needed: the multi-file scan reads both paths
    const xsFrame = await table.scan({ columns: ["x"] });
    const plan = xsFrame.describePlan();
    assert.match(plan, /^Parquet SCAN \[[^\n]*p=a\/1\.parquet, [^\n]*p=b\/2\.parquet\]/);
    const xs = await xsFrame.collect();
    assert.deepEqual(rows(xs), rows(pl.DataFrame({ x: [1, 2] })));
  });
});

Deno.test("multi-file scan: a file storing another type fails the read, never mixes types", async () => {
  await withTable(async (dir, s) => {
    await s.put("a.parquet", parquetBytes(pl.DataFrame([i64("x", [1])])));
    await s.put("b.parquet", parquetBytes(pl.DataFrame([pl.Series("x", [2.5], pl.Float64)])));
    await writeCommit(s, 0, [
      protocol(),
      metadata([field("x", "long")]),
      add("a.parquet"),
      add("b.parquet"),
    ]);
    await assert.rejects(() => readDelta(dir), /mismatch/);
  });
});

Deno.test("multi-file scan: one scan per run of files with equal partition values, order kept", async () => {
  await withTable(async (dir, s) => {
    // folders not named after the partition values: no hive read, one scan per run
    const runs = [["a", 1], ["a", 2], ["b", 3], ["a", 4]] as const;
    for (const [p, n] of runs) {
      await s.put(`d${p}/${n}.parquet`, parquetBytes(pl.DataFrame([i64("x", [n])])));
    }
    await writeCommit(s, 0, [
      protocol(),
      metadata([field("p", "string"), field("x", "long")], { partitionColumns: ["p"] }),
      ...runs.map(([p, n]) => add(`d${p}/${n}.parquet`, { partitionValues: { p } })),
    ]);
    const lf = await (await DeltaTable.open(dir)).scan();
    const scans = lf.describePlan().split("\n").filter((l) => l.includes("Parquet SCAN"));
    assert.equal(scans.length, 3);
    assert.match(scans[0], /da\/1\.parquet, [^\]]*da\/2\.parquet\]/);
    const df = await lf.collect();
    assert.deepEqual(df.columns, ["p", "x"]);
    assert.deepEqual(df.rows(), [["a", 1], ["a", 2], ["b", 3], ["a", 4]]);
  });
});
