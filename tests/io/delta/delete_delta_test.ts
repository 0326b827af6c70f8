import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { deleteDelta } from "../../../src/io/delta/delete_delta.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import { TableNotFoundError } from "../../../src/io/delta/errors.ts";

async function table(): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  const df = pl.DataFrame({ p: ["a", "a", "b", "b", "c"], x: [1, 2, 3, 4, null] });
  await writeDelta("mem://t", df, { storage: s, partitionBy: ["p"] });
  return s;
}

Deno.test("deleteDelta on a partition column removes whole files without rewriting", async () => {
  const s = await table();
  const r = await deleteDelta("mem://t", [["p", "=", "a"]], { storage: s });
  assert.deepEqual([r.rowsDeleted, r.filesRemoved, r.filesAdded, r.filesRewritten], [2, 1, 0, 0]);
  const back = await readDelta("mem://t", { storage: s });
  assert.deepEqual(back.getColumn("p").toArray().sort(), ["b", "b", "c"]);
});

Deno.test("deleteDelta on a data column rewrites only the files with matching rows", async () => {
  const s = await table();
  const before = (await DeltaTable.open("mem://t", { storage: s })).files();
  const r = await deleteDelta("mem://t", [["x", ">=", 2], ["x", "<=", 3]], { storage: s });
  assert.deepEqual([r.rowsDeleted, r.filesRemoved, r.filesAdded, r.filesRewritten], [2, 2, 2, 2]);
  const after = (await DeltaTable.open("mem://t", { storage: s })).files();
  const cFile = before.find((f) => f.partitionValues.p === "c")!;
  assert.ok(after.some((f) => f.path === cFile.path), "partition c was skipped by stats");
  const back = await readDelta("mem://t", { storage: s });
  assert.deepEqual(back.sort("p").getColumn("x").toArray(), [1, 4, null]);
});

Deno.test("deleteDelta keeps rows where the filter is null and commits nothing when nothing matches", async () => {
  const s = await table();
  const r = await deleteDelta("mem://t", [["x", ">", 100]], { storage: s });
  assert.equal(r.committed, false);
  assert.equal(r.version, 0);
  const all = await deleteDelta("mem://t", [["x", "is not null"]], { storage: s });
  assert.equal(all.rowsDeleted, 4);
  assert.equal((await readDelta("mem://t", { storage: s })).height, 1);
});

Deno.test("deleteDelta with an empty filter deletes every row; a missing table is an error", async () => {
  const s = await table();
  const r = await deleteDelta("mem://t", [], { storage: s });
  assert.equal(r.rowsDeleted, 5);
  assert.equal((await readDelta("mem://t", { storage: s })).height, 0);
  await assert.rejects(
    deleteDelta("mem://none", [], { storage: new MemoryStorage() }),
    TableNotFoundError,
  );
});
