import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { optimize } from "../../../src/io/delta/optimize.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";

async function smallFiles(): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  for (let i = 0; i < 6; i++) {
    const df = pl.DataFrame({
      x: [i * 10, i * 10 + 1],
      p: [i % 2 === 0 ? "a" : "b", i % 2 === 0 ? "a" : "b"],
    });
    await writeDelta("mem://t", df, {
      storage: s,
      partitionBy: ["p"],
      mode: i === 0 ? "error" : "append",
    });
  }
  return s;
}

Deno.test("optimize compacts each partition's small files with dataChange=false", async () => {
  const s = await smallFiles();
  const before = await readDelta("mem://t", { storage: s });
  const r = await optimize("mem://t", { storage: s });
  assert.deepEqual([r.filesRemoved, r.filesAdded, r.partitionsOptimized], [6, 2, 2]);
  const t = await DeltaTable.open("mem://t", { storage: s });
  assert.equal(t.files().length, 2);
  const after = await readDelta("mem://t", { storage: s });
  assert.deepEqual(after.sort("x").toRecords(), before.sort("x").toRecords());
  const log = new TextDecoder().decode(await s.read("_delta_log/00000000000000000006.json"));
  const actions = log.trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(
    actions.filter((a) => a.add || a.remove).every((a) => (a.add ?? a.remove).dataChange === false),
  );
  assert.equal(actions[0].commitInfo.operation, "OPTIMIZE");
});

Deno.test("optimize is a no-op on an already compact table", async () => {
  const s = await smallFiles();
  await optimize("mem://t", { storage: s });
  const r = await optimize("mem://t", { storage: s });
  assert.equal(r.committed, false);
  assert.equal(r.version, 6);
});

Deno.test("optimize respects partitionFilter and targetSize", async () => {
  const s = await smallFiles();
  const r = await optimize("mem://t", { storage: s, partitionFilter: [["p", "=", "a"]] });
  assert.deepEqual([r.filesRemoved, r.partitionsOptimized], [3, 1]);
  await assert.rejects(
    optimize("mem://t", { storage: s, partitionFilter: [["x", "=", 1]] }),
    TypeError,
  );
  const tiny = await optimize("mem://t", { storage: s, targetSize: 10 });
  assert.equal(tiny.committed, false, "files above the target size are left alone");
});
