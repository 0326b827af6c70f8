import assert from "node:assert/strict";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { VersionNotFoundError } from "../../../src/io/delta/errors.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import { loadSnapshot } from "../../../src/io/delta/snapshot.ts";
import { DELTA_FIXTURES } from "../../_fixtures.ts";
import {
  add,
  commitKey,
  field,
  metadata,
  MtimeStorage,
  protocol,
  writeCommit,
} from "./_delta_log_builder.ts";

/** A table with commits 0..3 at file times 1000, 2000, 3000, 4000 ms, one file per commit. */
async function fourCommits(): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  await writeCommit(s, 0, [protocol(), metadata([field("x", "long")]), add("f0.parquet")]);
  for (let v = 1; v <= 3; v++) await writeCommit(s, v, [add(`f${v}.parquet`)]);
  for (let v = 0; v <= 3; v++) s.setLastModified(commitKey(v), (v + 1) * 1000);
  return s;
}

Deno.test("time travel by version", async (t) => {
  await t.step("each version sees the files committed up to it", async () => {
    const s = await fourCommits();
    for (let v = 0; v <= 3; v++) {
      const table = await DeltaTable.open("memory://t", { storage: s, version: v });
      assert.equal(table.version, v);
      assert.equal(table.files().length, v + 1);
    }
  });
  await t.step("a version after the latest is VersionNotFoundError", async () => {
    const s = await fourCommits();
    await assert.rejects(
      () => DeltaTable.open("m", { storage: s, version: 4 }),
      VersionNotFoundError,
    );
  });
});

Deno.test("time travel by timestamp (commit file times)", async (t) => {
  const s = await fourCommits();
  const at = async (ts: number | string | Date) =>
    (await loadSnapshot(s, { timestamp: ts })).version;
  await t.step("the newest commit at or before the time", async () => {
    assert.equal(await at(1000), 0);
    assert.equal(await at(1999), 0);
    assert.equal(await at(2000), 1);
    assert.equal(await at(3500), 2);
    assert.equal(await at(new Date(4000)), 3);
    assert.equal(await at("1970-01-01T00:00:02.500Z"), 1);
  });
  await t.step("a time after the newest commit gives the newest version", async () => {
    assert.equal(await at(10_000_000), 3);
  });
  await t.step("a time before the first commit is VersionNotFoundError", async () => {
    await assert.rejects(() => at(999), VersionNotFoundError);
  });
  await t.step("version and timestamp together are a TypeError", async () => {
    await assert.rejects(() => loadSnapshot(s, { version: 1, timestamp: 2000 }), TypeError);
  });
  await t.step("an invalid timestamp is a TypeError", async () => {
    await assert.rejects(() => at("not a date"), TypeError);
  });
});

Deno.test("time travel by in-commit timestamps ignores file times", async () => {
  const s = new MemoryStorage();
  const ict = (ms: number) => ({ commitInfo: { inCommitTimestamp: ms, timestamp: 1 } });
  await writeCommit(s, 0, [ict(100), protocol(), metadata([field("x", "long")])]);
  await writeCommit(s, 1, [ict(200), add("a.parquet")]);
  await writeCommit(s, 2, [ict(300), add("b.parquet")]);
  // file times disagree with the in-commit timestamps (e.g. the table was copied)
  for (let v = 0; v <= 2; v++) s.setLastModified(commitKey(v), 5_000 - v);
  assert.equal((await loadSnapshot(s, { timestamp: 250 })).version, 1);
  assert.equal((await loadSnapshot(s, { timestamp: 300 })).version, 2);
  assert.equal((await loadSnapshot(s)).timestamp, 300);
  await assert.rejects(() => loadSnapshot(s, { timestamp: 99 }), VersionNotFoundError);
});

Deno.test("time travel on delta-rs simple_table with the commit times of its tests", async () => {
  const dir = `${DELTA_FIXTURES}/delta-rs/simple_table`;
  const expected = JSON.parse(await Deno.readTextFile(`${dir}/EXPECTED.from-tests.json`));
  const mtimes = new Map<string, number>();
  for (const [name, iso] of Object.entries(expected.commitFileMtimes as Record<string, string>)) {
    mtimes.set(`_delta_log/${name}`, Date.parse(iso));
  }
  const storage = new MtimeStorage(new LocalStorage(dir), mtimes);
  const firstCommit = Date.parse(expected.commitFileMtimes["00000000000000000000.json"]);
  let checked = 0;
  for (
    const [iso, version] of Object.entries(expected.versionAsOfTimestamp as Record<string, number>)
  ) {
    if (Date.parse(iso) < firstCommit) {
      // delta-rs answers 0 here; pointline (like Spark) refuses a time before the first commit
      await assert.rejects(() => loadSnapshot(storage, { timestamp: iso }), VersionNotFoundError);
    } else {
      assert.equal((await loadSnapshot(storage, { timestamp: iso })).version, version, iso);
    }
    checked++;
  }
  assert.equal(checked, 8);
});
