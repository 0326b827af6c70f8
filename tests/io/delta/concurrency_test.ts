/**
 * Concurrency across processes: 4 subprocesses append 25 commits each to one table at once;
 * an overwrite races an append. Subprocess scripts live in `_proc/`.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { REPO_ROOT } from "../../_fixtures.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";

const PROC = `${REPO_ROOT}/tests/io/delta/_proc`;

function seed(worker: number): pl.DataFrame {
  return pl.DataFrame({ worker: [worker], seq: [0] }).withColumns(
    pl.col("worker").cast(pl.Int64),
    pl.col("seq").cast(pl.Int64),
  );
}

function spawn(script: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROC}/${script}`, ...args],
    stdout: "piped",
    stderr: "piped",
    cwd: REPO_ROOT,
  }).spawn();
}

async function finish(child: Deno.ChildProcess): Promise<Record<string, unknown>> {
  const out = await child.output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) throw new Error(`subprocess failed: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(stdout.split("\n").pop()!);
}

async function waitFor(file: string): Promise<void> {
  for (let i = 0; i < 6000; i++) {
    try {
      await Deno.stat(file);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  throw new Error(`timed out waiting for ${file}`);
}

Deno.test("4 processes x 25 appends: 100 commits land, contiguous versions, no row lost", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pointline_conc_" });
  await writeDelta(dir, seed(-1));
  const go = `${dir}.go`;
  const children = [0, 1, 2, 3].map((w) => spawn("append_worker.ts", [dir, String(w), "25", go]));
  await Deno.writeTextFile(go, "");
  const results = await Promise.all(children.map(finish));
  const versions = results.flatMap((r) => r.versions as number[]).sort((a, b) => a - b);
  assert.deepEqual(
    versions,
    Array.from({ length: 100 }, (_, i) => i + 1),
    "versions 1..100, each once",
  );
  const t = await DeltaTable.open(dir);
  assert.equal(t.version, 100);
  const log = (await Array.fromAsync(Deno.readDir(`${dir}/_delta_log`))).map((e) => e.name);
  assert.equal(log.filter((n) => /^\d{20}\.json$/.test(n)).length, 101);
  assert.ok(
    log.includes("00000000000000000100.checkpoint.parquet"),
    "the 100th commit checkpointed",
  );
  const rows = await readDelta(dir);
  assert.equal(rows.height, 101);
  const pairs = rows.filter(pl.col("worker").gtEq(0)).select(
    pl.concatString([pl.col("worker").cast(pl.Utf8), pl.col("seq").cast(pl.Utf8)], ":").alias("id"),
  ).getColumn("id").toArray();
  assert.equal(new Set(pairs).size, 100);
});

Deno.test("an overwrite whose read set gained an append is rejected with CommitConflictError", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pointline_race_" });
  await writeDelta(dir, seed(-1));
  const go = `${dir}.go`, resume = `${dir}.resume`;
  const overwrite = spawn("race_worker.ts", [dir, "overwrite-slow", go, resume]);
  await waitFor(`${go}.ready`);
  const append = spawn("race_worker.ts", [dir, "append", go]);
  await Deno.writeTextFile(go, "");
  const a = await finish(append);
  await Deno.writeTextFile(resume, "");
  const o = await finish(overwrite);
  assert.deepEqual(a, { kind: "append", ok: true, version: 1 });
  assert.deepEqual(o, {
    kind: "overwrite-slow",
    ok: false,
    error: "CommitConflictError",
    winningVersion: 1,
  });
  const rows = await readDelta(dir);
  assert.deepEqual(rows.getColumn("worker").toArray().map(Number).sort(), [-1, 200]);
});

Deno.test("an overwrite racing an append: the loser is rejected or serialised after, the table stays consistent", async () => {
  const outcomes: string[] = [];
  for (let trial = 0; trial < 3; trial++) {
    const dir = await Deno.makeTempDir({ prefix: "pointline_race_" });
    await writeDelta(dir, seed(-1));
    const go = `${dir}.go`;
    const o = spawn("race_worker.ts", [dir, "overwrite", go]);
    const a = spawn("race_worker.ts", [dir, "append", go]);
    await new Promise((r) => setTimeout(r, 1500)); // let both processes reach the barrier
    await Deno.writeTextFile(go, "");
    const [ro, ra] = await Promise.all([finish(o), finish(a)]);
    const workers = (await readDelta(dir)).getColumn("worker").toArray().map(Number).sort();
    assert.equal(ra.ok, true, "a blind append is never rejected");
    if (ro.ok) {
      // Both landed: the overwrite must have committed first, the append retried after it.
      assert.ok((ro.version as number) < (ra.version as number));
      assert.deepEqual(workers, [100, 200]);
      outcomes.push("overwrite-then-append");
    } else {
      assert.equal(ro.error, "CommitConflictError");
      assert.equal(ro.winningVersion, ra.version);
      assert.deepEqual(workers, [-1, 200]);
      outcomes.push("overwrite-rejected");
    }
  }
  console.log(`overwrite-vs-append race outcomes: ${outcomes.join(", ")}`);
});
