/**
 * Two `deno task ingest` processes started at once on the same bronze folder end with the
 * same tables as one run, and file ids stay unique (one id per identity, one identity per id).
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { openDeltaLake } from "../../src/io/delta_lake.ts";
import {
  diffTables,
  makeLake,
  putBronze,
  sampleFile,
  snapshotTables,
  taskCommand,
} from "./_lake.ts";

async function cpLake(from: string, to: string) {
  const out = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

Deno.test("two concurrent ingest processes give the same tables as one run, with unique file ids", async () => {
  const template = await makeLake();
  const work = await Deno.makeTempDir({ prefix: "pointline_concurrent_" });
  try {
    for (const date of ["2024-07-30", "2024-07-31"]) {
      for (const dt of ["trades", "quotes", "book_snapshot_25", "liquidations"] as const) {
        for (const sym of ["BTCUSDT", "ETHUSDT"]) {
          const s = sampleFile(dt, sym, date, 25);
          await putBronze(template.root, s.path, s.csv);
        }
      }
    }
    const single = `${work}/single`;
    const double = `${work}/double`;
    await cpLake(template.root, single);
    await cpLake(template.root, double);
    const one = await taskCommand("ingest.ts", ["--lake", single]).output();
    assert.equal(one.code, 0, new TextDecoder().decode(one.stderr));
    const runs = await Promise.all([
      taskCommand("ingest.ts", ["--lake", double]).output(),
      taskCommand("ingest.ts", ["--lake", double]).output(),
    ]);
    for (const r of runs) {
      assert.equal(
        r.code,
        0,
        new TextDecoder().decode(r.stderr) + new TextDecoder().decode(r.stdout),
      );
    }
    const expected = await snapshotTables(openDeltaLake(single));
    const got = await snapshotTables(openDeltaLake(double));
    assert.equal(expected.manifest.height, 16);
    assert.deepEqual(diffTables(expected, got), []);

    // Every status row of the log (both processes') agrees on one id per identity.
    const log = await openDeltaLake(double).manifest.readLog();
    const perIdentity = log.groupBy(["bronze_path", "sha256"]).agg(
      pl.col("file_id").nUnique().alias("n"),
    );
    assert.deepEqual([...new Set(perIdentity.getColumn("n").toArray())], [1]);
    const perId = log.groupBy("file_id").agg(pl.col("bronze_path").nUnique().alias("n"));
    assert.deepEqual([...new Set(perId.getColumn("n").toArray())], [1]);
    assert.equal(perId.height, 16);
  } finally {
    await template.cleanup();
    await Deno.remove(work, { recursive: true });
  }
});
