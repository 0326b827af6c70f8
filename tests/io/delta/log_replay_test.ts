import assert from "node:assert/strict";
import { canonicalPath, LogReplay } from "../../../src/io/delta/log_replay.ts";
import type { Action } from "../../../src/io/delta/actions.ts";
import { loadSnapshot } from "../../../src/io/delta/snapshot.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { DELTA_FIXTURES } from "../../_fixtures.ts";
import { add, metadata, protocol, remove } from "./_delta_log_builder.ts";

const dv = (id: string) => ({
  storageType: "u",
  pathOrInlineDv: id,
  offset: 1,
  sizeInBytes: 10,
  cardinality: 1,
});

Deno.test("LogReplay reconciles actions", async (t) => {
  await t.step("a remove drops the live file and leaves a tombstone", () => {
    const r = new LogReplay();
    r.applyCommit([add("a.parquet"), add("b.parquet")] as Action[]);
    r.applyCommit([remove("a.parquet")] as Action[]);
    assert.deepEqual([...r.state.files.values()].map((f) => f.path), ["b.parquet"]);
    assert.deepEqual([...r.state.tombstones.values()].map((f) => f.path), ["a.parquet"]);
  });

  await t.step("re-adding a removed path makes it live again and clears its tombstone", () => {
    const r = new LogReplay();
    r.applyCommit([add("a.parquet")] as Action[]);
    r.applyCommit([remove("a.parquet")] as Action[]);
    r.applyCommit([add("a.parquet", { size: 7 })] as Action[]);
    assert.equal(r.state.files.size, 1);
    assert.equal([...r.state.files.values()][0].size, 7);
    assert.equal(r.state.tombstones.size, 0);
  });

  await t.step("a DV update (remove path+dv1, add path+dv2 in one commit) keeps one file", () => {
    const r = new LogReplay();
    r.applyCommit([add("a.parquet", { deletionVector: dv("11111111111111111111") })] as Action[]);
    // adds listed before removes: order inside a commit must not matter
    r.applyCommit([
      add("a.parquet", { deletionVector: dv("22222222222222222222") }),
      remove("a.parquet", { deletionVector: dv("11111111111111111111") }),
    ] as Action[]);
    const live = [...r.state.files.values()];
    assert.equal(live.length, 1);
    assert.equal(live[0].deletionVector?.pathOrInlineDv, "22222222222222222222");
  });

  await t.step("a remove without the DV does not remove the file with a DV", () => {
    const r = new LogReplay();
    r.applyCommit([add("a.parquet", { deletionVector: dv("11111111111111111111") })] as Action[]);
    r.applyCommit([remove("a.parquet")] as Action[]);
    assert.equal(r.state.files.size, 1);
  });

  await t.step("the latest protocol and metadata win", () => {
    const r = new LogReplay();
    r.applyCommit([protocol(1, 2), metadata([], { configuration: { a: "1" } })] as Action[]);
    r.applyCommit([protocol(3, 7, { readerFeatures: [], writerFeatures: [] })] as Action[]);
    r.applyCommit([metadata([], { configuration: { a: "2" } })] as Action[]);
    assert.equal(r.state.protocol?.minReaderVersion, 3);
    assert.equal(r.state.metadata?.configuration.a, "2");
  });

  await t.step("txn keeps the latest version per app id", () => {
    const r = new LogReplay();
    r.applyCommit([{ txn: { appId: "x", version: 1 } }, { txn: { appId: "y", version: 5 } }]);
    r.applyCommit([{ txn: { appId: "x", version: 2 } }]);
    assert.equal(r.state.txns.get("x")?.version, 2);
    assert.equal(r.state.txns.get("y")?.version, 5);
  });

  await t.step("domain metadata: latest wins, removed deletes the domain", () => {
    const r = new LogReplay();
    r.applyCommit([
      { domainMetadata: { domain: "a", configuration: "1", removed: false } },
      { domainMetadata: { domain: "b", configuration: "1", removed: false } },
    ]);
    r.applyCommit([
      { domainMetadata: { domain: "a", configuration: "2", removed: false } },
      { domainMetadata: { domain: "b", configuration: "", removed: true } },
    ]);
    assert.deepEqual([...r.state.domainMetadata.keys()], ["a"]);
    assert.equal(r.state.domainMetadata.get("a")?.configuration, "2");
  });

  await t.step("an encoded add and a decoded remove name the same file", () => {
    const r = new LogReplay();
    r.applyCommit([add("d=2024-01-01%2000%3A00%3A00/a%20b.parquet")] as Action[]);
    assert.equal([...r.state.files.values()][0].path, "d=2024-01-01 00:00:00/a b.parquet");
    r.applyCommit([remove("d=2024-01-01 00:00:00/a b.parquet")] as Action[]);
    assert.equal(r.state.files.size, 0);
  });

  await t.step("checkpoint actions: adds are live files, removes are tombstones", () => {
    const r = new LogReplay();
    r.applyCheckpoint(
      [add("a.parquet"), remove("b.parquet"), protocol(), metadata([])] as Action[],
    );
    assert.equal(r.state.files.size, 1);
    assert.equal(r.state.tombstones.size, 1);
    r.applyCommit([remove("a.parquet")] as Action[]);
    assert.equal(r.state.files.size, 0);
  });
});

Deno.test("canonicalPath", async (t) => {
  await t.step("decodes exactly once", () => {
    assert.equal(canonicalPath("a%2520b"), "a%20b");
    assert.equal(canonicalPath("a+b"), "a+b");
  });
  await t.step("makes absolute paths inside the table relative, in every file: spelling", () => {
    for (const p of ["file:/t/x/a.parquet", "file:///t/x/a.parquet", "/t/x/a.parquet"]) {
      assert.equal(canonicalPath(p, "/t/x"), "a.parquet", p);
    }
    assert.equal(canonicalPath("file:/elsewhere/a.parquet", "/t/x"), "/elsewhere/a.parquet");
    assert.equal(canonicalPath("s3://b/k.parquet", "/t/x"), "s3://b/k.parquet");
  });
});

Deno.test("log replay on fixtures", async (t) => {
  const snap = (rel: string) => loadSnapshot(new LocalStorage(`${DELTA_FIXTURES}/${rel}`));
  await t.step(
    "absolute add and file: remove of the same path cancel (canonicalized-paths)",
    async () => {
      for (const c of ["normal-a", "normal-b", "special-a", "special-b"]) {
        const s = await snap(`kernel-rs-golden/canonicalized-paths-${c}/delta`);
        assert.equal(s.files.length, 0, c);
      }
    },
  );
  await t.step("txn versions survive a checkpoint", async () => {
    const s = await snap("kernel-rs-data/app-txn-checkpoint");
    assert.equal(s.txns.get("my-app")?.version, 3);
    assert.equal(s.txns.get("my-app2")?.version, 2);
  });
  await t.step("a V2 checkpoint with sidecars yields the files of its sidecars", async () => {
    const s = await snap("kernel-rs-data/v2-checkpoints-parquet-with-sidecars");
    assert.ok(s.segment.checkpoint, "expected a checkpoint");
    assert.ok(s.files.length > 0);
    assert.equal(new Set(s.files.map((f) => f.path)).size, s.files.length);
  });
});
