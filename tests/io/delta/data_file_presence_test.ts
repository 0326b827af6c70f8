import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { MissingDataFileError } from "../../../src/io/delta/errors.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import { optimize } from "../../../src/io/delta/optimize.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";

/** A two-version table of two files; returns the path of the file the second commit added. */
async function twoFiles(uri: string, storage?: MemoryStorage): Promise<string> {
  await writeDelta(uri, pl.DataFrame({ x: [1, 2] }), { storage });
  const first = (await DeltaTable.open(uri, { storage })).files().map((f) => f.path);
  await writeDelta(uri, pl.DataFrame({ x: [3] }), { mode: "append", storage });
  const all = (await DeltaTable.open(uri, { storage })).files().map((f) => f.path);
  return all.find((p) => !first.includes(p))!;
}

function assertMissing(e: unknown, table: string, file: string, version: number | undefined) {
  assert.ok(e instanceof MissingDataFileError, `expected MissingDataFileError, got ${e}`);
  assert.equal(e.path, file);
  assert.equal(e.version, version);
  assert.ok(e.message.includes(`"${file}"`) && e.message.includes(table), e.message);
  if (version !== undefined) assert.ok(e.message.includes(`version ${version}`), e.message);
  assert.ok(!/POLARS_VERBOSE|os error/.test(e.message), e.message);
}

Deno.test("a data file the log lists but the folder lacks: scan and optimize name table, version and file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pointline_missing_" });
  try {
    const gone = await twoFiles(dir);
    await Deno.remove(`${dir}/${gone}`);
    const table = await DeltaTable.open(dir);
    const e1 = await (async () => await (await table.scan()).collect())().catch((e) => e);
    assertMissing(e1, dir, gone, 1);
    // the filtered scan that needs only the present file still works
    assert.equal((await (await table.scan({ filter: [["x", "<", 3]] })).collect()).height, 2);
    const e2 = await optimize(dir).catch((e) => e);
    assertMissing(e2, dir, gone, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a data file missing from non-local storage is a MissingDataFileError too", async () => {
  const storage = new MemoryStorage();
  const gone = await twoFiles("memory://t", storage);
  await storage.delete(gone);
  const table = await DeltaTable.open("memory://t", { storage });
  const e = await table.scan().then((lf) => lf.collect()).catch((e) => e);
  assertMissing(e, storage.root, gone, 1);
});
