/**
 * `deno task ingest` on the real Tardis samples placed in a bronze layout (symlinked, so they
 * are read in place): every file lands with its exact row count and nothing is quarantined.
 */
import assert from "node:assert/strict";
import { openDeltaLake } from "../../src/io/delta_lake.ts";
import { addRealSamples, makeLake, REAL_SAMPLE_FILES, taskCommand } from "./_lake.ts";

Deno.test("ingest lands every real Tardis sample with its exact row count", async () => {
  const t = await makeLake({ dim: false });
  try {
    await addRealSamples(t);
    const out = await taskCommand("ingest.ts", ["--lake", t.root]).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, stdout + new TextDecoder().decode(out.stderr));
    assert.match(stdout, /success\s+6/);
    const lake = openDeltaLake(t.root);
    const manifest = (await lake.manifest.readAll()).sort("bronze_path").toRecords();
    const expected = new Map(REAL_SAMPLE_FILES.map(([, name, rows]) => [`datasets/${name}`, rows]));
    for (const m of manifest) {
      assert.equal(m.status, "success", String(m.bronze_path));
      assert.equal(m.rows_written, expected.get(String(m.bronze_path)), String(m.bronze_path));
      assert.equal(m.rows_quarantined, 0, String(m.bronze_path));
    }
    assert.equal((await lake.events.trades.readAll()).height, 10009);
    assert.equal((await lake.events.quotes.readAll()).height, 10009);
    assert.equal((await lake.events.book_snapshot_25.readAll()).height, 10);
    assert.equal((await lake.events.incremental_book_L2.readAll()).height, 15);
    assert.equal((await lake.quarantine.readAll()).height, 0);
  } finally {
    await t.cleanup();
  }
});
