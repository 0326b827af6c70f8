import assert from "node:assert/strict";
import { join } from "node:path";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import { runStorageContract } from "./storage_contract.ts";

Deno.test("MemoryStorage obeys the storage contract", async (t) => {
  await runStorageContract(t, () => Promise.resolve({ storage: new MemoryStorage() }));
});

Deno.test("LocalStorage obeys the storage contract", async (t) => {
  await runStorageContract(t, async () => {
    const dir = await Deno.makeTempDir({ prefix: "pointline_storage_" });
    return {
      storage: new LocalStorage(dir),
      cleanup: () => Deno.remove(dir, { recursive: true }),
    };
  });
});

Deno.test("LocalStorage specifics", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "pointline_storage_" });
  try {
    await t.step("accepts a file:// URI as root and exposes local paths", async () => {
      const s = new LocalStorage(`file://${dir}`);
      assert.equal(s.root, dir);
      assert.equal(s.localPath("a/b.parquet"), join(dir, "a/b.parquet"));
      await s.put("a/b.parquet", new Uint8Array([1]));
      assert.deepEqual(await Deno.readFile(join(dir, "a/b.parquet")), new Uint8Array([1]));
    });
    await t.step("put leaves no temporary files behind, even when it fails", async () => {
      const s = new LocalStorage(dir);
      await s.put("t/x", new Uint8Array([1]));
      await assert.rejects(() => s.put("t/x", new Uint8Array([2])));
      await s.put("t/x", new Uint8Array([3]), { overwrite: true });
      assert.deepEqual((await s.list("t/")).map((m) => m.path), ["t/x"]);
    });
    await t.step("list of a root that does not exist returns nothing", async () => {
      const s = new LocalStorage(join(dir, "nowhere"));
      assert.deepEqual(await s.list(""), []);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
