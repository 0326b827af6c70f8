/**
 * Concurrency across processes: 4 subprocesses append 25 commits each to one table at once;
 * an overwrite races an append, under the default WriteSerializable isolation level and under
 * Serializable (`delta.isolationLevel`, or the `isolationLevel` write option). Subprocess
 * scripts live in `_proc/`.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { REPO_ROOT } from "../../_fixtures.ts";
import { pythonCanImport, runPythonJson } from "../../_python_peer.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { CommitConflictError } from "../../../src/io/delta/errors.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import type { PutOptions } from "../../../src/io/delta/storage.ts";
import { waitForFile } from "./_proc/wait_for_file.ts";

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

/** The barrier files the subprocesses create, checked every 5 ms for at most 6,000 checks. */
function waitFor(file: string): Promise<void> {
  return waitForFile(file, { pollMs: 5, attempts: 6000 });
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
    await Promise.all([waitFor(`${go}.overwrite.ready`), waitFor(`${go}.append.ready`)]);
    await Deno.writeTextFile(go, "");
    const [ro, ra] = await Promise.all([finish(o), finish(a)]);
    const workers = (await readDelta(dir)).getColumn("worker").toArray().map(Number).sort();
    assert.equal(ra.ok, true, "a blind append is never rejected");
    if (ro.ok && (ro.version as number) < (ra.version as number)) {
      // Both landed: the overwrite committed first, the append retried after it.
      assert.deepEqual(workers, [100, 200]);
      outcomes.push("overwrite-then-append");
    } else if (ro.ok) {
      // On a loaded machine the append can finish before the overwrite even reads the table:
      // no race, the overwrite read version 1 and replaced it whole. Had it read version 0 and
      // still committed, the append's row would have survived it.
      assert.deepEqual(workers, [100], "an overwrite after the append replaces it");
      outcomes.push("append-then-overwrite (no overlap)");
    } else {
      assert.equal(ro.error, "CommitConflictError");
      assert.equal(ro.winningVersion, ra.version);
      assert.deepEqual(workers, [-1, 200]);
      outcomes.push("overwrite-rejected");
    }
  }
  console.log(`overwrite-vs-append race outcomes: ${outcomes.join(", ")}`);
});

// ---- Isolation levels: an overwrite racing an append, both having read version 0 ----

interface RaceResult {
  kind: string;
  ok: boolean;
  version?: number;
  error?: string;
  winningVersion?: number;
  reason?: string;
}

/**
 * Seed a table, start a paused append and a paused overwrite (both read version 0 and write
 * their data files, then wait before committing) and release them in `order`: one after the
 * other, or both at once (`"together"`).
 */
async function pausedRace(
  order: "append-first" | "overwrite-first" | "together",
  options: { configuration?: Record<string, string>; appendIsolationLevel?: string } = {},
): Promise<{ dir: string; append: RaceResult; overwrite: RaceResult; workers: number[] }> {
  const dir = await Deno.makeTempDir({ prefix: "pointline_iso_" });
  await writeDelta(dir, seed(-1), { configuration: options.configuration });
  const f = (name: string) => `${dir}.${name}`;
  const together = f("go");
  const a = spawn("paused_writer.ts", [
    dir,
    "append",
    f("a.ready"),
    order === "together" ? together : f("a.go"),
    ...(options.appendIsolationLevel ? [options.appendIsolationLevel] : []),
  ]);
  const o = spawn("paused_writer.ts", [
    dir,
    "overwrite",
    f("o.ready"),
    order === "together" ? together : f("o.go"),
  ]);
  await Promise.all([waitFor(f("a.ready")), waitFor(f("o.ready"))]);
  let append: RaceResult, overwrite: RaceResult;
  if (order === "together") {
    await Deno.writeTextFile(together, "");
    [append, overwrite] = await Promise.all([finish(a), finish(o)]) as unknown as RaceResult[];
  } else if (order === "append-first") {
    await Deno.writeTextFile(f("a.go"), "");
    append = await finish(a) as unknown as RaceResult;
    await Deno.writeTextFile(f("o.go"), "");
    overwrite = await finish(o) as unknown as RaceResult;
  } else {
    await Deno.writeTextFile(f("o.go"), "");
    overwrite = await finish(o) as unknown as RaceResult;
    await Deno.writeTextFile(f("a.go"), "");
    append = await finish(a) as unknown as RaceResult;
  }
  const workers = (await readDelta(dir)).getColumn("worker").toArray().map(Number).sort();
  return { dir, append, overwrite, workers };
}

const SERIALIZABLE = { "delta.isolationLevel": "Serializable" };

/**
 * What python deltalake (delta-rs) reads of a race table: version, workers, the
 * `delta.isolationLevel` property and the newest commit's isolation level. `undefined` when
 * deltalake is not installed (a failure in CI).
 */
async function deltaRsView(dir: string): Promise<Record<string, unknown> | undefined> {
  const code = `
import json, sys
from deltalake import DeltaTable
dt = DeltaTable(sys.argv[1])
print(json.dumps({"version": dt.version(),
                  "workers": sorted(dt.to_pyarrow_table().column("worker").to_pylist()),
                  "isolationLevel": dt.metadata().configuration.get("delta.isolationLevel"),
                  "commitIsolationLevel": dt.history(1)[0].get("isolationLevel")}))
`;
  if (!pythonCanImport(["deltalake"])) {
    if (Deno.env.get("CI") === "true") throw new Error("python deltalake is not installed");
    console.log("delta-rs check skipped: python deltalake is not installed");
    return undefined;
  }
  return await runPythonJson({ code, args: [dir] }) as Record<string, unknown>;
}

Deno.test("WriteSerializable (default): an append that lost to an overwrite lands after it", async () => {
  const r = await pausedRace("overwrite-first");
  assert.deepEqual(r.overwrite, { kind: "overwrite", ok: true, version: 1 });
  assert.deepEqual(r.append, { kind: "append", ok: true, version: 2 });
  assert.deepEqual(r.workers, [100, 200], "the append survives the overwrite it raced");
  const t = await DeltaTable.open(r.dir);
  assert.equal((await t.history())[0].isolationLevel, "WriteSerializable");
});

Deno.test("Serializable: an overwrite racing an append, both orders: exactly one is rejected", async (t) => {
  await t.step("overwrite wins: the append is rejected", async () => {
    const r = await pausedRace("overwrite-first", { configuration: SERIALIZABLE });
    assert.deepEqual(r.overwrite, { kind: "overwrite", ok: true, version: 1 });
    assert.equal(r.append.ok, false);
    assert.equal(r.append.error, "CommitConflictError");
    assert.equal(r.append.winningVersion, 1);
    assert.match(
      r.append.reason!,
      /^concurrent overwrite or delete in partition \(the whole table: it is unpartitioned\)/,
    );
    assert.deepEqual(r.workers, [100]);
    const table = await DeltaTable.open(r.dir);
    assert.equal(table.version, 1, "the rejected append left no commit");
    assert.equal((await table.history())[0].isolationLevel, "Serializable");
    const rs = await deltaRsView(r.dir);
    if (rs) {
      assert.deepEqual(rs, {
        version: 1,
        workers: [100],
        isolationLevel: "Serializable",
        commitIsolationLevel: "Serializable",
      });
    }
  });
  await t.step("append wins: the overwrite is rejected", async () => {
    const r = await pausedRace("append-first", { configuration: SERIALIZABLE });
    assert.deepEqual(r.append, { kind: "append", ok: true, version: 1 });
    assert.equal(r.overwrite.ok, false);
    assert.equal(r.overwrite.error, "CommitConflictError");
    assert.equal(r.overwrite.winningVersion, 1);
    assert.deepEqual(r.workers, [-1, 200]);
    assert.equal((await DeltaTable.open(r.dir)).version, 1);
  });
  await t.step("the isolationLevel option overrides the table property for one write", async () => {
    const r = await pausedRace("overwrite-first", { appendIsolationLevel: "Serializable" });
    assert.equal(r.append.error, "CommitConflictError");
    assert.deepEqual(r.workers, [100]);
    const back = await pausedRace("overwrite-first", {
      configuration: SERIALIZABLE,
      appendIsolationLevel: "WriteSerializable",
    });
    assert.deepEqual(back.append, { kind: "append", ok: true, version: 2 });
    assert.deepEqual(back.workers, [100, 200]);
  });
});

Deno.test("Serializable: released at once, an overwrite and an append end with exactly one rejected", async () => {
  const outcomes: string[] = [];
  for (let trial = 0; trial < 3; trial++) {
    const r = await pausedRace("together", { configuration: SERIALIZABLE });
    const results = [r.append, r.overwrite];
    assert.equal(results.filter((x) => x.ok).length, 1, JSON.stringify(results));
    const winner = results.find((x) => x.ok)!, loser = results.find((x) => !x.ok)!;
    assert.equal(winner.version, 1);
    assert.equal(loser.error, "CommitConflictError");
    assert.equal(loser.winningVersion, 1);
    assert.deepEqual(r.workers, winner.kind === "overwrite" ? [100] : [-1, 200]);
    assert.equal((await DeltaTable.open(r.dir)).version, 1);
    outcomes.push(`${winner.kind} won`);
  }
  console.log(`Serializable overwrite-vs-append race outcomes: ${outcomes.join(", ")}`);
});

/** Memory storage that runs `before` once, just before the first commit put after `arm()`. */
class HookedStorage extends MemoryStorage {
  #before: (() => Promise<void>) | undefined;
  arm(before: () => Promise<void>): void {
    this.#before = before;
  }
  override async put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<void> {
    const before = this.#before;
    if (before && /^_delta_log\/\d{20}\.json$/.test(path)) {
      this.#before = undefined;
      await before();
    }
    return await super.put(path, bytes, options);
  }
}

Deno.test("Serializable in one process: an append losing to a replaceWhere of its partition is rejected, of another partition lands", async () => {
  const s = new HookedStorage();
  const frame = (p: string, x: number) =>
    pl.DataFrame({ p: [p], x: [x] }).withColumns(pl.col("x").cast(pl.Int64));
  await writeDelta("mem://t", pl.concat([frame("a", 1), frame("b", 2)]), {
    storage: s,
    partitionBy: ["p"],
  });
  const replaceA = () =>
    writeDelta("mem://t", frame("a", 10), {
      storage: s,
      mode: "overwrite",
      predicate: [["p", "=", "a"]],
    }).then(() => {});
  s.arm(replaceA);
  const err = await writeDelta("mem://t", frame("a", 3), {
    storage: s,
    mode: "append",
    isolationLevel: "Serializable",
  }).catch((e) => e);
  assert.ok(err instanceof CommitConflictError, String(err));
  assert.equal(err.winningVersion, 1);
  assert.match(err.reason, /^concurrent overwrite or delete in partition p=a /);
  s.arm(replaceA);
  const other = await writeDelta("mem://t", frame("b", 4), {
    storage: s,
    mode: "append",
    isolationLevel: "Serializable",
  });
  assert.equal(other.version, 3, "a replaceWhere of p=a does not touch an append to p=b");
  const rows = (await readDelta("mem://t", { storage: s })).sort("x");
  assert.deepEqual(rows.getColumn("x").toArray().map(Number), [2, 4, 10]);
});
