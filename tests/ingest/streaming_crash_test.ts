/**
 * Crash trials of the streaming ingest: a child process ingesting a file in many parts (each
 * part's rows become data files before the one commit) is killed with SIGKILL at a random
 * point, 30 times. After each kill a re-run lands the file once, equal to a clean run, and
 * `vacuum` removes the data files the killed run had staged, leaving no file outside the log.
 */
import assert from "node:assert/strict";
import { seededRandom } from "../../src/sample/seeded_random.ts";
import { DeltaTable } from "../../src/io/delta/delta_table.ts";
import { openDeltaLake } from "../../src/io/delta_lake.ts";
import { buildIngestion } from "../../src/services/build_ingestion.ts";
import { diffTables, makeLake, putBronze, sampleFile, snapshotTables } from "./_lake.ts";

const TRIALS = 30;
/** 8 KiB parts: about 16 parts and 8 data files for the file below. */
const MEMORY = 16 * 8192;
/** Trials run two at a time (one child process each). */
const AT_ONCE = 2;
const CHILD = new URL("./_streaming_child.ts", import.meta.url).pathname;

/** Unreferenced files of the event and quarantine tables (vacuum with no retention). */
async function orphans(root: string, apply: boolean): Promise<number> {
  let n = 0;
  for (const table of ["trades", "quarantine"]) {
    const dir = `${root}/silver/${table}`;
    let dt: DeltaTable;
    try {
      dt = await DeltaTable.open(dir);
    } catch {
      // No commit yet: every file under the table folder is unreferenced.
      const files = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
      n += files.length;
      if (apply) await Deno.remove(dir, { recursive: true }).catch(() => {});
      continue;
    }
    const res = await dt.vacuum({ retentionHours: 0, enforceRetention: false, dryRun: !apply });
    n += res.files.length;
  }
  return n;
}

Deno.test("kill -9 at random points of a streamed file: the re-run lands it once, vacuum leaves no orphan", async () => {
  const template = await makeLake();
  const file = sampleFile("trades", "ETHUSDT", "2024-07-30", 1500, 5);
  const lines = file.csv.split("\n");
  lines[1001] = lines[1001].replace(/,([^,]*),([^,]*)$/, ",-1,$2"); // one quarantined row
  await putBronze(template.root, file.path, lines.join("\n"));
  const clean = `${template.root}_clean`;
  await new Deno.Command("cp", { args: ["-a", template.root, clean] }).output();
  const trials: string[] = [];
  try {
    const t0 = performance.now();
    const cleanRun = await buildIngestion(openDeltaLake(clean)).ingestion.run({
      memoryBytes: MEMORY,
    });
    const runMs = performance.now() - t0;
    assert.equal(cleanRun.files[0].rowsWritten, 1499);
    const expected = await snapshotTables(openDeltaLake(clean));
    const rand = seededRandom(42);
    let killedMidway = 0;
    const trial = async (n: number, delayMs: number) => {
      const root = `${template.root}_t${n}`;
      trials.push(root);
      await new Deno.Command("cp", { args: ["-a", template.root, root] }).output();
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CHILD, root, String(MEMORY)],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = child.stdout.getReader();
      await reader.read(); // "go": the run starts now
      await new Promise((r) => setTimeout(r, delayMs));
      try {
        child.kill("SIGKILL");
      } catch { /* already exited */ }
      reader.releaseLock();
      await child.stdout.cancel();
      await child.status;
      if ((await orphans(root, false)) > 0) killedMidway++;
      await buildIngestion(openDeltaLake(root)).ingestion.run({ memoryBytes: MEMORY });
      const got = await snapshotTables(openDeltaLake(root));
      assert.deepEqual(diffTables(expected, got), [], `trial ${n}`);
      await orphans(root, true);
      assert.equal(await orphans(root, false), 0, `trial ${n}: files outside the log`);
      await Deno.remove(root, { recursive: true });
    };
    for (let n = 0; n < TRIALS; n += AT_ONCE) {
      const batch = [];
      for (let k = n; k < Math.min(TRIALS, n + AT_ONCE); k++) {
        batch.push(trial(k, rand() * runMs * 1.5));
      }
      await Promise.all(batch);
    }
    // Random points: some kills must land while parts were staged and not committed.
    assert.ok(killedMidway > 0, "no kill landed between the first part and the commit");
  } finally {
    await template.cleanup();
    await Deno.remove(clean, { recursive: true }).catch(() => {});
    for (const root of trials) await Deno.remove(root, { recursive: true }).catch(() => {});
  }
});
