import assert from "node:assert/strict";
import {
  buildLogSegment,
  listLogSegment,
  parseLogFileName,
} from "../../../src/io/delta/log_segment.ts";
import {
  CorruptLogError,
  TableNotFoundError,
  VersionNotFoundError,
} from "../../../src/io/delta/errors.ts";
import pl from "nodejs-polars";
import { createCheckpoint } from "../../../src/io/delta/checkpoint_writer.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import type { ListOptions } from "../../../src/io/delta/storage.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { DELTA_FIXTURES } from "../../_fixtures.ts";

const f = (name: string, size = 1) => ({ path: `_delta_log/${name}`, size, lastModified: 0 });
const v = (n: number) => String(n).padStart(20, "0");
const commits = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => f(`${v(from + i)}.json`));

Deno.test("parseLogFileName", async (t) => {
  await t.step("recognises commits, checkpoints of every kind, crc and compaction", () => {
    assert.deepEqual(
      [
        `${v(7)}.json`,
        `${v(7)}.checkpoint.parquet`,
        `${v(7)}.checkpoint.0000000001.0000000002.parquet`,
        `${v(7)}.checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json`,
        `${v(7)}.checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.parquet`,
        `${v(7)}.crc`,
        `${v(5)}.${v(7)}.compacted.json`,
        "_last_checkpoint",
      ].map((n) => parseLogFileName(f(n))?.kind),
      [
        "commit",
        "checkpoint",
        "multipart",
        "uuidCheckpoint",
        "uuidCheckpoint",
        "crc",
        "compaction",
        "lastCheckpoint",
      ],
    );
    const u = parseLogFileName(f(`${v(7)}.checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json`));
    assert.equal(u?.format, "json");
    assert.equal(u?.version, 7);
  });
  await t.step("ignores hidden, temporary, sub-folder and unknown files", () => {
    for (
      const p of [
        `_delta_log/.${v(1)}.json.crc`,
        `_delta_log/.tmp/${v(5)}.json`,
        `_delta_log/_sidecars/${v(1)}.checkpoint.0000000001.0000000001.a.parquet`,
        `_delta_log/_staged_commits/${v(3)}.uuid.json`,
        `_delta_log/${v(1)}.json.tmp`,
        `_delta_log/123.json`,
        `part-0000.parquet`,
        `x/_delta_log/${v(1)}.json`,
      ]
    ) {
      assert.equal(parseLogFileName({ path: p, size: 1, lastModified: 0 }), undefined, p);
    }
  });
});

Deno.test("buildLogSegment", async (t) => {
  await t.step("uses the newest checkpoint at or before the version plus later commits", () => {
    const listing = [
      ...commits(0, 12),
      f(`${v(5)}.checkpoint.parquet`),
      f(`${v(10)}.checkpoint.parquet`),
    ];
    const seg = buildLogSegment(listing);
    assert.equal(seg.version, 12);
    assert.equal(seg.checkpoint?.version, 10);
    assert.deepEqual(seg.commits.map((c) => c.version), [11, 12]);
    const at7 = buildLogSegment(listing, { version: 7 });
    assert.equal(at7.checkpoint?.version, 5);
    assert.deepEqual(at7.commits.map((c) => c.version), [6, 7]);
    const at3 = buildLogSegment(listing, { version: 3 });
    assert.equal(at3.checkpoint, undefined);
    assert.deepEqual(at3.commits.map((c) => c.version), [0, 1, 2, 3]);
  });

  await t.step("a checkpoint at the version itself needs no commits", () => {
    const seg = buildLogSegment([...commits(0, 10), f(`${v(10)}.checkpoint.parquet`)]);
    assert.equal(seg.checkpoint?.version, 10);
    assert.deepEqual(seg.commits, []);
  });

  await t.step("an incomplete multi-part checkpoint is skipped for an older complete one", () => {
    const listing = [
      ...commits(0, 8),
      f(`${v(4)}.checkpoint.0000000001.0000000002.parquet`),
      f(`${v(4)}.checkpoint.0000000002.0000000002.parquet`),
      f(`${v(8)}.checkpoint.0000000001.0000000003.parquet`),
      f(`${v(8)}.checkpoint.0000000003.0000000003.parquet`),
    ];
    const seg = buildLogSegment(listing);
    assert.equal(seg.checkpoint?.version, 4);
    assert.equal(seg.checkpoint?.kind, "multipart");
    assert.deepEqual(seg.checkpoint?.files.map((x) => x.part), [1, 2]);
    assert.deepEqual(seg.commits.map((c) => c.version), [5, 6, 7, 8]);
  });

  await t.step("a stale or wrong _last_checkpoint hint is only a hint", () => {
    const listing = [
      ...commits(0, 9),
      f(`${v(3)}.checkpoint.parquet`),
      f(`${v(6)}.checkpoint.parquet`),
    ];
    assert.equal(
      buildLogSegment(listing, { lastCheckpoint: { version: 3 } }).checkpoint?.version,
      6,
    );
    assert.equal(
      buildLogSegment(listing, { lastCheckpoint: { version: 8 } }).checkpoint?.version,
      6,
    );
    assert.equal(
      buildLogSegment(listing, { version: 4, lastCheckpoint: { version: 6 } }).checkpoint?.version,
      3,
    );
  });

  await t.step("a version gap is a CorruptLogError naming the missing commit", () => {
    const listing = [...commits(0, 3), ...commits(5, 6)];
    assert.throws(() => buildLogSegment(listing), (e: unknown) => {
      assert.ok(e instanceof CorruptLogError);
      assert.match(e.message, /commit 4 is missing/);
      return true;
    });
    // a version before the gap still loads
    assert.equal(buildLogSegment(listing, { version: 3 }).version, 3);
  });

  await t.step("versions outside the log are VersionNotFoundError", () => {
    const cleaned = [...commits(5, 9), f(`${v(5)}.checkpoint.parquet`)];
    assert.equal(buildLogSegment(cleaned).checkpoint?.version, 5);
    assert.equal(buildLogSegment(cleaned).earliestVersion, 5);
    assert.throws(() => buildLogSegment(cleaned, { version: 4 }), VersionNotFoundError);
    assert.throws(() => buildLogSegment(cleaned, { version: 10 }), VersionNotFoundError);
    assert.throws(() => buildLogSegment(cleaned, { version: -1 }), VersionNotFoundError);
  });

  await t.step("a log without commits or checkpoints is TableNotFoundError", () => {
    assert.throws(
      () => buildLogSegment([f("_last_checkpoint"), f(`${v(0)}.crc`)]),
      TableNotFoundError,
    );
  });

  await t.step("a checkpoint newer than every commit file still loads", () => {
    const seg = buildLogSegment([...commits(0, 2), f(`${v(3)}.checkpoint.parquet`)]);
    assert.equal(seg.version, 3);
    assert.equal(seg.checkpoint?.version, 3);
  });
});

Deno.test("listLogSegment on fixtures", async (t) => {
  const open = (rel: string) => new LocalStorage(`${DELTA_FIXTURES}/${rel}`);
  await t.step("ignores the uncommitted .tmp commit of delta-rs simple_table", async () => {
    const seg = await listLogSegment(open("delta-rs/simple_table"));
    assert.equal(seg.version, 4);
    assert.deepEqual(seg.commits.map((c) => c.version), [0, 1, 2, 3, 4]);
  });
  await t.step("finds a classic checkpoint without _last_checkpoint", async () => {
    const seg = await listLogSegment(open("kernel-rs-data/with_checkpoint_no_last_checkpoint"));
    assert.equal(seg.checkpoint?.kind, "checkpoint");
    assert.equal(seg.checkpoint?.version, 2);
  });
  await t.step("finds all five parts of a multi-part checkpoint", async () => {
    const seg = await listLogSegment(open("kernel-rs-data/parquet_row_group_skipping"));
    assert.equal(seg.checkpoint?.kind, "multipart");
    assert.equal(seg.checkpoint?.files.length, 5);
  });
  await t.step(
    "picks a V2 UUID-named JSON checkpoint (sidecars are not top-level files)",
    async () => {
      const seg = await listLogSegment(open("kernel-rs-data/v2-checkpoints-json-with-sidecars"));
      assert.equal(seg.checkpoint?.kind, "uuidCheckpoint");
      assert.equal(seg.checkpoint?.files[0].format, "json");
    },
  );
  await t.step("a folder without _delta_log is TableNotFoundError", async () => {
    await assert.rejects(
      () => listLogSegment(open("kernel-rs-golden/no-delta-log-folder/delta")),
      TableNotFoundError,
    );
  });
});

/** Records the options of every `list` call. */
class ListRecorder extends MemoryStorage {
  lists: { prefix: string; startAfter?: string }[] = [];
  override list(prefix: string, options?: ListOptions) {
    this.lists.push({ prefix, startAfter: options?.startAfter });
    return super.list(prefix, options);
  }
}

Deno.test("opening a table lists _delta_log from the last checkpoint on", async (t) => {
  const s = new ListRecorder();
  for (let i = 0; i <= 10; i++) {
    await writeDelta("mem://t", pl.DataFrame({ x: [i] }), { storage: s, mode: "append" });
  }
  await createCheckpoint(s, { version: 8 });
  await t.step("the newest version: one listing after the checkpoint's version", async () => {
    s.lists = [];
    const seg = await listLogSegment(s);
    assert.deepEqual(s.lists, [{ prefix: "_delta_log/", startAfter: `_delta_log/${v(8)}` }]);
    assert.equal(seg.version, 10);
    assert.equal(seg.checkpoint?.version, 8);
    assert.deepEqual(seg.commits.map((c) => c.version), [9, 10]);
    assert.equal(seg.listedFrom, 8);
  });
  await t.step("history still lists every commit", async () => {
    const table = await DeltaTable.open("mem://t", { storage: s });
    assert.equal(table.snapshot.segment.listedFrom, 8);
    assert.deepEqual((await table.history()).map((h) => h.version), range(11).reverse());
  });
  await t.step("a version before the checkpoint lists the whole log", async () => {
    s.lists = [];
    const seg = await listLogSegment(s, { version: 5 });
    assert.deepEqual(s.lists, [{ prefix: "_delta_log/", startAfter: undefined }]);
    assert.equal(seg.version, 5);
    assert.equal(seg.listedFrom, undefined);
  });
  await t.step("a hint naming a missing checkpoint falls back to the whole log", async () => {
    await s.delete(`_delta_log/${v(8)}.checkpoint.parquet`);
    s.lists = [];
    const seg = await listLogSegment(s);
    assert.equal(s.lists.length, 2);
    assert.equal(seg.version, 10);
    assert.equal(seg.checkpoint, undefined);
    assert.equal(seg.commits.length, 11);
    assert.equal((await readDelta("mem://t", { storage: s })).height, 11);
  });
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
