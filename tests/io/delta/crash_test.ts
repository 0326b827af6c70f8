/**
 * Crash safety: a writer subprocess (`_proc/crash_writer.ts`) appending and compacting in a loop
 * is killed with SIGKILL at a random point, 30 times on one table. After every kill the table
 * opens, and each batch is either wholly visible (exactly its rows) or absent, and the visible
 * batches are exactly those whose commit landed. At the end, vacuum past the retention removes
 * every orphan file the killed writers left behind.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { REPO_ROOT } from "../../_fixtures.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { vacuum } from "../../../src/io/delta/vacuum.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { seededRandom } from "../../../src/sample/seeded_random.ts";
import { waitForFile } from "./_proc/wait_for_file.ts";

const TRIALS = 30;
const ROWS = 40;

/** The barrier files the subprocesses create, checked every 2 ms for at most 6,000 checks. */
function waitFor(file: string): Promise<void> {
  return waitForFile(file, { attempts: 6000 });
}

async function committedBatches(dir: string): Promise<Set<number>> {
  const t = await DeltaTable.open(dir);
  const hist = await t.history();
  return new Set(hist.filter((h) => typeof h.batch === "number").map((h) => h.batch as number));
}

Deno.test(`kill -9 of a writer at ${TRIALS} random points: every commit is all-or-nothing, vacuum removes orphans`, async () => {
  const seed = Number(Deno.env.get("CRASH_SEED") ?? Date.now() % 100000);
  const rand = seededRandom(seed);
  console.log(`crash_test seed ${seed} (replay with CRASH_SEED=${seed})`);
  const dir = await Deno.makeTempDir({ prefix: "pointline_crash_" });
  const df = pl.DataFrame({ part: ["p0"], i: [0] }).withColumns(
    pl.lit(-1).cast(pl.Int64).alias("batch"),
  );
  await writeDelta(dir, df, {
    partitionBy: ["part"],
    configuration: { "delta.checkpointInterval": "4" },
  });
  let killedMidWrite = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const ready = `${dir}.ready${trial}`;
    const before = (await DeltaTable.open(dir)).version;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${REPO_ROOT}/tests/io/delta/_proc/crash_writer.ts`,
        dir,
        String(trial * 1000),
        String(ROWS),
        ready,
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    await waitFor(ready);
    await new Promise((r) => setTimeout(r, Math.floor(rand() * 400)));
    child.kill("SIGKILL");
    const status = await child.status;
    assert.equal(
      status.signal,
      "SIGKILL",
      `trial ${trial}: the writer must still be running when killed`,
    );
    await child.stderr.cancel();

    const table = await DeltaTable.open(dir);
    if (table.version > before) killedMidWrite++;
    const rows = await readDelta(dir);
    const perBatch = rows.filter(pl.col("batch").gtEq(0)).groupBy("batch").agg(pl.len().alias("n"));
    for (const r of perBatch.toRecords()) {
      assert.equal(Number(r.n), ROWS, `trial ${trial}: batch ${r.batch} must be whole`);
    }
    const visible = new Set(perBatch.getColumn("batch").toArray().map(Number));
    assert.deepEqual(
      [...visible].sort(),
      [...await committedBatches(dir)].sort(),
      `trial ${trial}`,
    );
  }
  console.log(
    `crash_test: ${TRIALS} kills, ${killedMidWrite} after at least one commit of that writer`,
  );

  const storage = new LocalStorage(dir);
  const dataFiles = async () =>
    (await storage.list("")).map((m) => m.path).filter((p) => !p.startsWith("_delta_log/")).sort();
  const rowsBefore = (await readDelta(dir)).height;
  await vacuum(dir, {
    retentionHours: 0,
    enforceRetention: false,
    dryRun: false,
    now: Date.now() + 1000,
  });
  const live = (await DeltaTable.open(dir)).files().map((f) => f.path).sort();
  assert.deepEqual(await dataFiles(), live, "after vacuum only live files remain");
  assert.equal((await readDelta(dir)).height, rowsBefore);
});
