import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { mergeDelta } from "../../../src/io/delta/merge_delta.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";

function kv(keys: number[], v: string, part?: string): pl.DataFrame {
  const df = pl.DataFrame({ k: keys.map(String), v: keys.map(() => v) }).withColumns(
    pl.col("k").cast(pl.Int64),
  );
  return part === undefined ? df : df.withColumns(pl.lit(part).alias("p"));
}

async function table(files: number, perFile: number): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  for (let f = 0; f < files; f++) {
    const keys = Array.from({ length: perFile }, (_, i) => f * perFile + i);
    await writeDelta("mem://t", kv(keys, "old"), {
      storage: s,
      mode: f === 0 ? "error" : "append",
    });
  }
  return s;
}

function rows(df: pl.DataFrame): [number, string][] {
  return df.sort("k").toRecords().map((r) => [Number(r.k), String(r.v)]);
}

Deno.test("mergeDelta into a 10-file table rewrites only the files that can hold the keys", async () => {
  const s = await table(10, 100);
  const before = (await DeltaTable.open("mem://t", { storage: s })).files().map((f) => f.path);
  const r = await mergeDelta("mem://t", kv([105, 150, 730, 5000], "new"), {
    on: ["k"],
    storage: s,
  });
  assert.equal(r.filesScanned, 2, "stats rule out 8 of 10 files");
  assert.equal(r.filesRewritten, 2);
  assert.equal(r.rowsUpdated, 3);
  assert.equal(r.rowsInserted, 1);
  const after = (await DeltaTable.open("mem://t", { storage: s })).files().map((f) => f.path);
  assert.equal(before.filter((p) => after.includes(p)).length, 8, "8 files untouched");
  const back = await readDelta("mem://t", { storage: s });
  assert.equal(back.height, 1001);
  assert.deepEqual(
    rows(back.filter(pl.col("v").eq(pl.lit("new")))).map((r) => r[0]),
    [105, 150, 730, 5000],
  );
});

Deno.test("mergeDelta whenMatched / whenNotMatched / whenNotMatchedBySource", async (t) => {
  await t.step("update + insert (upsert)", async () => {
    const s = await table(1, 3);
    const r = await mergeDelta("mem://t", kv([1, 9], "n"), { on: ["k"], storage: s });
    assert.deepEqual([r.rowsUpdated, r.rowsInserted, r.rowsDeleted], [1, 1, 0]);
    assert.deepEqual(rows(await readDelta("mem://t", { storage: s })), [[0, "old"], [1, "n"], [
      2,
      "old",
    ], [9, "n"]]);
  });
  await t.step("delete matched, ignore not matched", async () => {
    const s = await table(1, 3);
    const r = await mergeDelta("mem://t", kv([1, 9], "n"), {
      on: ["k"],
      whenMatched: "delete",
      whenNotMatched: "ignore",
      storage: s,
    });
    assert.deepEqual([r.rowsUpdated, r.rowsInserted, r.rowsDeleted], [0, 0, 1]);
    assert.deepEqual(rows(await readDelta("mem://t", { storage: s })), [[0, "old"], [2, "old"]]);
  });
  await t.step("ignore matched, insert new: insert-only dedup", async () => {
    const s = await table(1, 3);
    const r = await mergeDelta("mem://t", kv([2, 3], "n"), {
      on: ["k"],
      whenMatched: "ignore",
      storage: s,
    });
    assert.deepEqual([r.rowsUpdated, r.rowsInserted, r.filesRewritten], [0, 1, 0]);
    assert.deepEqual(rows(await readDelta("mem://t", { storage: s })).map((r) => r[0]), [
      0,
      1,
      2,
      3,
    ]);
  });
  await t.step("delete not matched by source (full sync)", async () => {
    const s = await table(2, 2);
    const r = await mergeDelta("mem://t", kv([1, 2], "n"), {
      on: ["k"],
      whenNotMatchedBySource: "delete",
      storage: s,
    });
    assert.deepEqual([r.rowsUpdated, r.rowsInserted, r.rowsDeleted], [2, 0, 2]);
    assert.deepEqual(rows(await readDelta("mem://t", { storage: s })), [[1, "n"], [2, "n"]]);
  });
  await t.step("nothing to do makes no commit", async () => {
    const s = await table(1, 3);
    const r = await mergeDelta("mem://t", kv([1], "x"), {
      on: ["k"],
      whenMatched: "ignore",
      whenNotMatched: "ignore",
      storage: s,
    });
    assert.equal(r.version, 0);
  });
});

Deno.test("mergeDelta on a partitioned table prunes by partition values", async () => {
  const s = new MemoryStorage();
  await writeDelta("mem://t", kv([1, 2], "old", "a").vstack(kv([1, 2], "old", "b")), {
    storage: s,
    partitionBy: ["p"],
  });
  const r = await mergeDelta("mem://t", kv([2], "new", "b"), { on: ["p", "k"], storage: s });
  assert.equal(r.filesScanned, 1);
  assert.equal(r.rowsUpdated, 1);
  const back = (await readDelta("mem://t", { storage: s })).sort(["p", "k"]).toRecords();
  assert.deepEqual(back.map((r) => `${r.p}${r.k}${r.v}`), ["a1old", "a2old", "b1old", "b2new"]);
});

Deno.test("mergeDelta refuses duplicate source keys and null keys never match", async () => {
  const s = await table(1, 3);
  await assert.rejects(
    mergeDelta("mem://t", kv([1, 1], "n"), { on: ["k"], storage: s }),
    RangeError,
  );
  const withNull = pl.DataFrame({ k: [null, "1"], v: ["nullkey", "one"] }).withColumns(
    pl.col("k").cast(pl.Int64),
  );
  const r = await mergeDelta("mem://t", withNull, { on: ["k"], storage: s });
  assert.deepEqual([r.rowsUpdated, r.rowsInserted], [1, 1]);
  await assert.rejects(
    mergeDelta("mem://t", kv([1], "n"), { on: ["nope"], storage: s }),
    TypeError,
  );
});

Deno.test("mergeDelta updates every duplicate target row of a key, one output row per row", async () => {
  const s = new MemoryStorage();
  await writeDelta("mem://t", kv([1, 2, 3], "old"), { storage: s });
  await writeDelta("mem://t", kv([1, 2, 3], "old"), { storage: s, mode: "append" });
  const r = await mergeDelta("mem://t", kv([1, 3, 9], "new"), { on: ["k"], storage: s });
  assert.equal(r.rowsUpdated, 4);
  assert.equal(r.rowsInserted, 1);
  assert.deepEqual(rows(await readDelta("mem://t", { storage: s })), [
    [1, "new"],
    [1, "new"],
    [2, "old"],
    [2, "old"],
    [3, "new"],
    [3, "new"],
    [9, "new"],
  ]);
});

Deno.test("mergeDelta update keeps the target's values in columns the source lacks", async () => {
  const s = new MemoryStorage();
  const wide = kv([1, 2], "old").withColumns(pl.lit("keep").alias("note"));
  await writeDelta("mem://t", wide, { storage: s });
  await mergeDelta("mem://t", kv([2], "new"), { on: ["k"], storage: s });
  const out = (await readDelta("mem://t", { storage: s })).sort("k").toRecords();
  assert.deepEqual(out.map((r) => [Number(r.k), r.v, r.note]), [
    [1, "old", "keep"],
    [2, "new", "keep"],
  ]);
});
