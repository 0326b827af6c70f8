import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { checkpointPath } from "../../../src/io/delta/checkpoint_writer.ts";
import { CorruptCheckpointError, CorruptLogError } from "../../../src/io/delta/errors.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { loadSnapshot, replaySegment } from "../../../src/io/delta/snapshot.ts";
import { listLogSegment } from "../../../src/io/delta/log_segment.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { commitKey } from "./_delta_log_builder.ts";

/** Versions 0..last of one row each, checkpointed every 2 commits. */
async function table(last: number): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  for (let v = 0; v <= last; v++) {
    await writeDelta("mem://t", pl.DataFrame({ x: [v] }), {
      storage: s,
      mode: "append",
      configuration: { "delta.checkpointInterval": "2" },
    });
  }
  return s;
}

async function rows(s: MemoryStorage): Promise<number[]> {
  return ((await readDelta("mem://t", { storage: s })).getColumn("x").toArray() as number[])
    .sort();
}

const CORRUPTIONS: [string, (b: Uint8Array) => Uint8Array][] = [
  ["0-byte", () => new Uint8Array()],
  ["half-written", (b) => b.slice(0, b.length >> 1)],
  ["footer cut", (b) => b.slice(0, b.length - 3)],
];

Deno.test("an unreadable latest checkpoint falls back to the JSON commits, with a warning naming it", async () => {
  for (const [kind, corrupt] of CORRUPTIONS) {
    const s = await table(2);
    const cp = checkpointPath(2);
    await s.put(cp, corrupt(await s.read(cp)), { overwrite: true });
    const warnings: string[] = [];
    const snap = await loadSnapshot(s, { onWarning: (m) => warnings.push(m) });
    assert.equal(snap.version, 2, kind);
    assert.equal(snap.segment.checkpoint, undefined, kind);
    assert.equal(snap.files.length, 3, kind);
    assert.equal(warnings.length, 1, kind);
    assert.ok(warnings[0].includes(`"${cp}"`) && warnings[0].includes("JSON commits"), warnings[0]);
    // the one-segment reader reports the typed error naming the file
    const e = await replaySegment(s, await listLogSegment(s)).catch((e) => e);
    assert.ok(e instanceof CorruptCheckpointError, `${kind}: ${e}`);
    assert.equal(e.path, cp);
  }
});

Deno.test("an unreadable latest checkpoint falls back to the older checkpoint when commits before it are gone", async () => {
  const s = await table(4); // checkpoints at 2 and 4
  await s.put(checkpointPath(4), new Uint8Array([1, 2, 3]), { overwrite: true });
  for (const v of [0, 1]) await s.delete(commitKey(v)); // log cleanup below checkpoint 2
  const warnings: string[] = [];
  const snap = await loadSnapshot(s, { onWarning: (m) => warnings.push(m) });
  assert.equal(snap.version, 4);
  assert.equal(snap.segment.checkpoint?.version, 2);
  assert.ok(warnings[0].includes(checkpointPath(4)) && warnings[0].includes("version 2"));
  // time travel to a version the bad checkpoint does not cover is untouched
  assert.equal((await loadSnapshot(s, { version: 3, onWarning: () => {} })).files.length, 4);
});

Deno.test("an unreadable checkpoint with no complete path around it is a CorruptLogError naming it", async () => {
  const s = await table(2);
  await s.put(checkpointPath(2), new Uint8Array(), { overwrite: true });
  await s.delete(commitKey(0)); // log cleanup: the commits before the checkpoint are gone
  const e = await loadSnapshot(s, { onWarning: () => {} }).catch((e) => e);
  assert.ok(e instanceof CorruptLogError, String(e));
  assert.ok(e.message.includes(`"${checkpointPath(2)}"`) && e.message.includes("empty"), e.message);
});

Deno.test("the next write after an unreadable checkpoint heals the log with a fresh checkpoint", async () => {
  const s = await table(2);
  await s.put(checkpointPath(2), new Uint8Array(), { overwrite: true });
  const quiet = console.warn;
  const warned: string[] = [];
  console.warn = (m: string) => warned.push(m); // the writer loads with the default warning
  try {
    await writeDelta("mem://t", pl.DataFrame({ x: [3] }), { storage: s, mode: "append" });
  } finally {
    console.warn = quiet;
  }
  assert.ok(warned.length >= 1 && warned[0].includes(checkpointPath(2)), String(warned));
  const snap = await loadSnapshot(s, { onWarning: () => assert.fail("no warning expected") });
  assert.equal(snap.segment.checkpoint?.version, 3);
  assert.deepEqual(await rows(s), [0, 1, 2, 3]);
});
