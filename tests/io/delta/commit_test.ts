import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  buildCommitInfo,
  commitPath,
  commitWithRetry,
  type ConflictContext,
  ENGINE_INFO,
  findConflict,
  resolveIsolationLevel,
  serializeCommit,
  tryCommit,
} from "../../../src/io/delta/commit.ts";
import type { Action, AddAction } from "../../../src/io/delta/actions.ts";
import { CommitConflictError, UnsupportedFeatureError } from "../../../src/io/delta/errors.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import type { PutOptions } from "../../../src/io/delta/storage.ts";
import { Transaction } from "../../../src/io/delta/transaction.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { loadSnapshot } from "../../../src/io/delta/snapshot.ts";
import { deleteDelta } from "../../../src/io/delta/delete_delta.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";

const blind: ConflictContext = { readFiles: new Set(), removedFiles: new Set(), appIds: new Set() };

function add(
  path: string,
  partitionValues: Record<string, string | null> = {},
): { add: AddAction } {
  return { add: { path, partitionValues, size: 1, modificationTime: 0, dataChange: true } };
}

Deno.test("commit files are zero-padded JSON lines with a commitInfo naming pointline", () => {
  assert.equal(commitPath(12), "_delta_log/00000000000000000012.json");
  assert.throws(() => commitPath(-1), RangeError);
  const info = buildCommitInfo({
    operation: "WRITE",
    operationParameters: { mode: "Append", partitionBy: ["a"] },
    commitMetadata: { userName: "ci" },
    timestamp: 5,
  });
  assert.deepEqual(info.commitInfo.operationParameters, { mode: "Append", partitionBy: '["a"]' });
  assert.equal(info.commitInfo.engineInfo, ENGINE_INFO);
  assert.match(ENGINE_INFO, /^pointline\/\d+\.\d+\.\d+/);
  assert.equal(info.commitInfo.userName, "ci");
  const text = new TextDecoder().decode(serializeCommit([info, add("a.parquet")]));
  const lines = text.trimEnd().split("\n");
  assert.equal(lines.length, 2);
  assert.ok(text.endsWith("\n"));
  assert.deepEqual(JSON.parse(lines[1]).add.path, "a.parquet");
});

Deno.test("tryCommit returns a value: committed once, then conflict for the same version", async () => {
  const s = new MemoryStorage();
  const body = serializeCommit([add("a.parquet")]);
  assert.deepEqual(await tryCommit(s, 0, body), { kind: "committed", version: 0 });
  const second = await tryCommit(s, 0, serializeCommit([add("b.parquet")]));
  assert.equal(second.kind, "conflict");
  const kept = new TextDecoder().decode(await s.read(commitPath(0)));
  assert.ok(kept.includes("a.parquet"), "the winner's commit is unchanged");
});

Deno.test("findConflict applies the protocol's rules", async (t) => {
  await t.step("blind appends never conflict", () => {
    assert.equal(findConflict([add("x.parquet")], blind), undefined);
  });
  await t.step("metadata and protocol changes conflict with everything", () => {
    const meta = { metaData: {} } as unknown as Action;
    assert.equal(findConflict([meta], blind), "concurrent metadata change");
    assert.equal(
      findConflict([{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }], blind),
      "concurrent protocol change",
    );
  });
  await t.step("removal of a file this transaction read", () => {
    const ctx = { ...blind, readFiles: new Set(["p=1/a b.parquet"]) };
    const reason = findConflict([{ remove: { path: "p=1/a%20b.parquet", dataChange: true } }], ctx);
    assert.match(reason!, /removal of a file this transaction read/);
  });
  await t.step("same txn app id", () => {
    const ctx = { ...blind, appIds: new Set(["ingest"]) };
    assert.match(
      findConflict([{ txn: { appId: "ingest", version: 3 } }], ctx)!,
      /same app id "ingest"/,
    );
    assert.equal(findConflict([{ txn: { appId: "other", version: 3 } }], ctx), undefined);
  });
  await t.step("append into what a non-blind transaction read", () => {
    const ctx = { ...blind, readMayMatch: (a: AddAction) => a.partitionValues.p === "1" };
    assert.match(findConflict([add("p=1/x.parquet", { p: "1" })], ctx)!, /would have read/);
    assert.equal(findConflict([add("p=2/x.parquet", { p: "2" })], ctx), undefined);
    const compaction = { add: { ...add("p=1/y.parquet", { p: "1" }).add, dataChange: false } };
    assert.equal(
      findConflict([compaction], ctx),
      undefined,
      "dataChange=false adds are not appends",
    );
  });
});

function remove(
  path: string,
  partitionValues?: Record<string, string | null>,
  dataChange = true,
): Action {
  return { remove: { path, dataChange, ...(partitionValues ? { partitionValues } : {}) } };
}

Deno.test("findConflict under WriteSerializable and Serializable", async (t) => {
  const appendTo = (...parts: Record<string, string | null>[]) => ({
    ...blind,
    writtenPartitions: parts,
  });
  const serial = (ctx: ConflictContext): ConflictContext => ({
    ...ctx,
    isolationLevel: "Serializable",
  });
  await t.step("WriteSerializable: an append retries after an overwrite of its partition", () => {
    const ctx = appendTo({ p: "a" });
    assert.equal(findConflict([remove("p=a/old.parquet", { p: "a" })], ctx), undefined);
    assert.equal(
      findConflict([remove("p=a/old.parquet", { p: "a" })], {
        ...ctx,
        isolationLevel: "WriteSerializable",
      }),
      undefined,
    );
  });
  await t.step("Serializable: an append conflicts with a removal in a partition it writes", () => {
    const reason = findConflict(
      [add("p=a/new.parquet", { p: "a" }), remove("p=a/old%20f.parquet", { p: "a" })],
      serial(appendTo({ p: "b" }, { p: "a" })),
    );
    assert.equal(
      reason,
      'concurrent overwrite or delete in partition p=a this transaction writes to (isolation level Serializable): removed "p=a/old f.parquet"',
    );
  });
  await t.step("Serializable: partition keys compare by value, not column order", () => {
    const ctx = serial(appendTo({ d: "2024-01-01", p: null }));
    assert.match(
      findConflict([remove("x.parquet", { p: null, d: "2024-01-01" })], ctx)!,
      /in partition p=null\/d=2024-01-01 /,
    );
    assert.equal(findConflict([remove("x.parquet", { p: "a", d: "2024-01-01" })], ctx), undefined);
  });
  await t.step("Serializable: removals in other partitions do not conflict", () => {
    assert.equal(
      findConflict([remove("p=b/old.parquet", { p: "b" })], serial(appendTo({ p: "a" }))),
      undefined,
    );
  });
  await t.step("Serializable: an unpartitioned table is one partition", () => {
    assert.match(
      findConflict([remove("old.parquet", {})], serial(appendTo({})))!,
      /^concurrent overwrite or delete in partition \(the whole table: it is unpartitioned\)/,
    );
  });
  await t.step("Serializable: a remove without partition values counts as every partition", () => {
    assert.match(
      findConflict([remove("p=z/old.parquet")], serial(appendTo({ p: "a" })))!,
      /in partition \(unknown: the remove has no partitionValues\)/,
    );
  });
  await t.step("Serializable: compaction (dataChange false) never conflicts", () => {
    assert.equal(
      findConflict(
        [remove("p=a/old.parquet", { p: "a" }, false), {
          add: { ...add("p=a/big.parquet", { p: "a" }).add, dataChange: false },
        }],
        serial(appendTo({ p: "a" })),
      ),
      undefined,
    );
  });
  await t.step("Serializable: concurrent blind appends still never conflict", () => {
    const winner = [add("p=a/x.parquet", { p: "a" }), add("y.parquet")];
    assert.equal(findConflict(winner, serial(appendTo({ p: "a" }))), undefined);
    assert.equal(findConflict(winner, serial(appendTo({}))), undefined);
    assert.equal(findConflict(winner, serial(blind)), undefined);
  });
  await t.step("Serializable: a transaction that adds nothing is not affected by the rule", () => {
    assert.equal(findConflict([remove("old.parquet", {})], serial(blind)), undefined);
  });
});

Deno.test("Serializable: partitions are compared by typed value, whoever wrote the remove", async () => {
  const s = new MemoryStorage();
  const ts = (iso: string) =>
    pl.DataFrame({ x: [1] }).withColumns(
      pl.lit(new Date(iso)).cast(pl.Datetime("us", "UTC")).alias("ts"),
    );
  await writeDelta("mem://t", ts("2024-01-01T10:00:00Z"), {
    storage: s,
    partitionBy: ["ts"],
    configuration: { "delta.isolationLevel": "Serializable" },
  });
  const snap = await loadSnapshot(s);
  const [file] = snap.files;
  const raceWith = async (partitionValues: Record<string, string | null> | undefined) => {
    const v = (await loadSnapshot(s)).version;
    const tx = new Transaction(s, await loadSnapshot(s), { operation: "WRITE" });
    tx.addFiles([add(`late-${v}.parquet`, file.partitionValues).add]);
    // Another engine's delete of the same partition, formatted its own way.
    await tryCommit(
      s,
      v + 1,
      serializeCommit([{ remove: { path: file.path, dataChange: true, partitionValues } }]),
    );
    return await tx.commit().then((r) => r.version, (e) => e);
  };
  assert.equal(file.partitionValues.ts, "2024-01-01 10:00:00.000000");
  const iso = await raceWith({ ts: "2024-01-01T10:00:00.000000Z" });
  assert.ok(iso instanceof CommitConflictError, "the same instant in ISO form conflicts");
  assert.match(iso.reason, /in partition ts=2024-01-01T10:00:00.000000Z /);
  assert.equal(await raceWith({ ts: "2024-01-02 10:00:00" }), 3, "another instant lands");
  const garbled = await raceWith({ ts: "not a timestamp" });
  assert.ok(garbled instanceof CommitConflictError, "an unparsable partition counts as unknown");
});

Deno.test("resolveIsolationLevel: override, then delta.isolationLevel, then WriteSerializable", () => {
  assert.equal(resolveIsolationLevel(undefined), "WriteSerializable");
  assert.equal(resolveIsolationLevel({}), "WriteSerializable");
  const serializable = { "delta.isolationLevel": "Serializable" };
  assert.equal(resolveIsolationLevel(serializable), "Serializable");
  assert.equal(resolveIsolationLevel(serializable, "WriteSerializable"), "WriteSerializable");
  assert.equal(resolveIsolationLevel({}, "Serializable"), "Serializable");
  assert.throws(
    () => resolveIsolationLevel({ "delta.isolationLevel": "SnapshotIsolation" }),
    UnsupportedFeatureError,
  );
});

Deno.test("commitWithRetry retries blind appends at the next free version", async () => {
  const s = new MemoryStorage();
  await commitWithRetry(s, [add("0.parquet")], -1, blind);
  for (let i = 1; i <= 3; i++) await tryCommit(s, i, serializeCommit([add(`${i}.parquet`)]));
  const v = await commitWithRetry(s, [add("late.parquet")], 0, blind, { backoffMs: 0 });
  assert.equal(v, 4);
});

Deno.test("commitWithRetry throws CommitConflictError naming the winning version", async () => {
  const s = new MemoryStorage();
  await commitWithRetry(s, [add("0.parquet")], -1, blind);
  await tryCommit(s, 1, serializeCommit([{ remove: { path: "0.parquet", dataChange: true } }]));
  const ctx = { ...blind, readFiles: new Set(["0.parquet"]) };
  const err = await commitWithRetry(s, [add("1.parquet")], 0, ctx).catch((e) => e);
  assert.ok(err instanceof CommitConflictError);
  assert.equal(err.winningVersion, 1);
  assert.match(err.reason, /0\.parquet/);
});

Deno.test("commitWithRetry checks every commit that won meanwhile and lands after the newest in one retry", async () => {
  const s = new MemoryStorage();
  for (let i = 0; i <= 150; i++) await tryCommit(s, i, serializeCommit([add(`${i}.parquet`)]));
  const v = await commitWithRetry(s, [add("late.parquet")], 0, blind, {
    maxRetries: 1,
    backoffMs: 0,
  });
  assert.equal(v, 151, "one lost put, then the first free version");
  const conflicting = { ...blind, readFiles: new Set(["120.parquet"]) };
  await tryCommit(s, 152, serializeCommit([{ remove: { path: "120.parquet", dataChange: true } }]));
  const err = await commitWithRetry(s, [add("x.parquet")], 0, conflicting, { maxRetries: 1 })
    .catch((e) => e);
  assert.ok(err instanceof CommitConflictError, "a conflict far past the first lost version");
  assert.equal(err.winningVersion, 152);
});

Deno.test("commitWithRetry gives up after maxRetries", async () => {
  /** A competitor that always commits the version this writer is about to take. */
  class AlwaysBeaten extends MemoryStorage {
    override async put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<void> {
      if (/\d{20}\.json$/.test(path)) {
        await super.put(path, serializeCommit([add(`rival-${path}`)]), { overwrite: false });
      }
      return await super.put(path, bytes, options);
    }
  }
  const s = new AlwaysBeaten();
  await MemoryStorage.prototype.put.call(s, commitPath(0), serializeCommit([add("0.parquet")]));
  const err = await commitWithRetry(s, [add("x.parquet")], 0, blind, {
    maxRetries: 2,
    backoffMs: 0,
  })
    .catch((e) => e);
  assert.ok(err instanceof CommitConflictError);
  assert.match(err.reason, /gave up after 3 attempts/);
});

Deno.test("creating a table that another writer created first is a conflict", async () => {
  const s = new MemoryStorage();
  await writeDelta("mem://t", pl.DataFrame({ x: [1] }), { storage: s });
  const tx = new Transaction(s, undefined, { operation: "CREATE TABLE" });
  tx.addFiles([add("y.parquet").add]);
  await assert.rejects(tx.commit(), /created concurrently/);
});

Deno.test("an overwrite that lost to an append conflicts; an append that lost to an overwrite lands", async (t) => {
  await t.step("append wins, overwrite is rejected", async () => {
    const s = new MemoryStorage();
    await writeDelta("mem://t", pl.DataFrame({ x: [1] }), { storage: s });
    const snap = await loadSnapshot(s);
    const overwrite = new Transaction(s, snap, { operation: "WRITE" });
    overwrite.readAll();
    for (const f of snap.files) overwrite.removeFile(f);
    await writeDelta("mem://t", pl.DataFrame({ x: [2] }), { storage: s, mode: "append" });
    const err = await overwrite.commit().catch((e) => e);
    assert.ok(err instanceof CommitConflictError);
    assert.equal(err.winningVersion, 1);
  });
  await t.step("overwrite wins, the blind append retries after it", async () => {
    const s = new MemoryStorage();
    await writeDelta("mem://t", pl.DataFrame({ x: [1] }), { storage: s });
    const snap = await loadSnapshot(s);
    const append = new Transaction(s, snap, { operation: "WRITE" });
    append.addFiles([add("late.parquet").add]);
    await writeDelta("mem://t", pl.DataFrame({ x: [3] }), { storage: s, mode: "overwrite" });
    assert.equal((await append.commit()).version, 2);
  });
});

Deno.test("a delete racing a delete of the same file: the second is rejected", async () => {
  const s = new MemoryStorage();
  await writeDelta("mem://t", pl.DataFrame({ x: [1, 2, 3] }), { storage: s });
  const snap = await loadSnapshot(s);
  const slow = new Transaction(s, snap, { operation: "DELETE" });
  slow.removeFile(snap.files[0]);
  await deleteDelta("mem://t", [["x", "=", 1]], { storage: s });
  await assert.rejects(slow.commit(), CommitConflictError);
  assert.deepEqual((await readDelta("mem://t", { storage: s })).getColumn("x").toArray().sort(), [
    2,
    3,
  ]);
});

Deno.test("two writers with the same txn app id: the second is rejected", async () => {
  const s = new MemoryStorage();
  await writeDelta("mem://t", pl.DataFrame({ x: [1] }), { storage: s });
  const snap = await loadSnapshot(s);
  const tx = new Transaction(s, snap, { operation: "WRITE" });
  tx.addFiles([add("a.parquet").add]);
  tx.setTxn("job", 1);
  await writeDelta("mem://t", pl.DataFrame({ x: [2] }), {
    storage: s,
    mode: "append",
    txn: { appId: "job", version: 1 },
  });
  const err = await tx.commit().catch((e) => e);
  assert.ok(err instanceof CommitConflictError);
  assert.match(err.reason, /same app id "job"/);
});

Deno.test("removing files of an append-only table is refused", async () => {
  const s = new MemoryStorage();
  await writeDelta("mem://t", pl.DataFrame({ x: [1] }), {
    storage: s,
    configuration: { "delta.appendOnly": "true" },
  });
  await assert.rejects(
    writeDelta("mem://t", pl.DataFrame({ x: [2] }), { storage: s, mode: "overwrite" }),
    /append-only/,
  );
});

/** A put that lands and then reports "exists", as a retried S3 PUT whose response was lost. */
class LostResponseStorage extends MemoryStorage {
  lose = 0;
  override async put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<void> {
    await super.put(path, bytes, options);
    if (this.lose > 0 && path.startsWith("_delta_log/") && !options?.overwrite) {
      this.lose--;
      await super.put(path, bytes, options); // the retry: throws FileAlreadyExistsError
    }
  }
}

Deno.test("an exclusive put that answers 'exists' for the writer's own bytes is its commit", async (t) => {
  await t.step("tryCommit: identical bytes are committed, other bytes a conflict", async () => {
    const s = new LostResponseStorage();
    const body = serializeCommit([add("a.parquet")]);
    s.lose = 1;
    assert.deepEqual(await tryCommit(s, 0, body), { kind: "committed", version: 0 });
    const other = await tryCommit(s, 0, serializeCommit([add("b.parquet")]));
    assert.equal(other.kind, "conflict");
  });
  await t.step(
    "commitWithRetry: no conflict, no duplicate, for a new table and after",
    async () => {
      const s = new LostResponseStorage();
      s.lose = 2;
      assert.equal(await commitWithRetry(s, [add("a.parquet")], -1, blind), 0);
      assert.equal(await commitWithRetry(s, [add("b.parquet")], 0, blind), 1);
      assert.deepEqual((await s.list("_delta_log/")).map((m) => m.path), [
        commitPath(0),
        commitPath(1),
      ]);
    },
  );
});
