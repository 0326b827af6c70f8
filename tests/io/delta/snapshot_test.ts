import assert from "node:assert/strict";
import { loadSnapshot } from "../../../src/io/delta/snapshot.ts";
import {
  CorruptLogError,
  TableNotFoundError,
  UnsupportedFeatureError,
  VersionNotFoundError,
} from "../../../src/io/delta/errors.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import { DELTA_FIXTURES, REPO_ROOT } from "../../_fixtures.ts";
import { runPython } from "../../_python_peer.ts";
import {
  add,
  commitKey,
  field,
  metadata,
  protocol,
  remove,
  writeCommit,
} from "./_delta_log_builder.ts";

const SCHEMA = [field("x", "long")];

/**
 * Fixtures where delta-rs is known to be wrong, with the reason: pointline follows the
 * protocol (and the Spark golden test) there.
 */
const PEER_KNOWN_WRONG: Record<string, string> = {
  "kernel-rs-golden/canonicalized-paths-normal-a/delta":
    "an absolute add and a file: URI remove of the same path cancel (Spark's golden test expects no live file; delta-rs keeps it; kernel-rs skips the case as a bug)",
  "kernel-rs-golden/canonicalized-paths-normal-b/delta": "same as canonicalized-paths-normal-a",
  "kernel-rs-golden/canonicalized-paths-special-a/delta": "same, with URL-encoded characters",
  "kernel-rs-golden/canonicalized-paths-special-b/delta": "same, with URL-encoded characters",
};

async function table(commits: unknown[][]): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  for (let i = 0; i < commits.length; i++) await writeCommit(s, i, commits[i]);
  return s;
}

Deno.test("loadSnapshot errors are typed and name the problem", async (t) => {
  await t.step("no _delta_log: TableNotFoundError", async () => {
    await assert.rejects(() => loadSnapshot(new MemoryStorage()), TableNotFoundError);
  });
  await t.step("an empty commit: CorruptLogError naming the file", async () => {
    const s = await table([[protocol(), metadata(SCHEMA)]]);
    await s.put(commitKey(1), new Uint8Array(0));
    await assert.rejects(() => loadSnapshot(s), (e: unknown) => {
      assert.ok(e instanceof CorruptLogError);
      assert.equal(
        e.message,
        'Cannot read commit "_delta_log/00000000000000000001.json": file is empty',
      );
      return true;
    });
    // the version before it still loads
    assert.equal((await loadSnapshot(s, { version: 0 })).version, 0);
  });
  await t.step("a corrupt JSON line: CorruptLogError with the line number", async () => {
    const s = await table([[protocol(), metadata(SCHEMA)]]);
    await s.put(commitKey(1), new TextEncoder().encode('{"add":{}}\n{"remove": nope'));
    await assert.rejects(() => loadSnapshot(s), /line 2 is not valid JSON/);
  });
  await t.step("missing protocol or metadata: CorruptLogError", async () => {
    await assert.rejects(
      () => table([[metadata(SCHEMA)]]).then(loadSnapshot),
      /no protocol action/,
    );
    await assert.rejects(() => table([[protocol()]]).then(loadSnapshot), /no metaData action/);
  });
  await t.step("a version gap: CorruptLogError", async () => {
    const s = await table([[protocol(), metadata(SCHEMA)], [add("a.parquet")]]);
    await writeCommit(s, 3, [add("b.parquet")]);
    await assert.rejects(() => loadSnapshot(s), CorruptLogError);
  });
  await t.step("an unknown reader feature: UnsupportedFeatureError naming it", async () => {
    const s = await table([[
      protocol(3, 7, { readerFeatures: ["deletionVectors", "variantType"], writerFeatures: [] }),
      metadata(SCHEMA),
    ]]);
    await assert.rejects(() => loadSnapshot(s), (e: unknown) => {
      assert.ok(e instanceof UnsupportedFeatureError);
      assert.equal(e.feature, "variantType");
      return true;
    });
  });
  await t.step("reader version 4: UnsupportedFeatureError", async () => {
    const s = await table([[protocol(4, 7), metadata(SCHEMA)]]);
    await assert.rejects(() => loadSnapshot(s), UnsupportedFeatureError);
  });
  await t.step("every supported reader feature opens", async () => {
    const s = await table([[
      protocol(3, 7, {
        readerFeatures: [
          "deletionVectors",
          "columnMapping",
          "timestampNtz",
          "v2Checkpoint",
          "vacuumProtocolCheck",
          "typeWidening",
          "typeWidening-preview",
        ],
        writerFeatures: [],
      }),
      metadata(SCHEMA),
    ]]);
    assert.equal((await loadSnapshot(s)).version, 0);
  });
  await t.step("a version beyond the log: VersionNotFoundError", async () => {
    const s = await table([[protocol(), metadata(SCHEMA)]]);
    await assert.rejects(() => loadSnapshot(s, { version: 1 }), VersionNotFoundError);
  });
  await t.step("fixtures missing protocol or metadata fail with CorruptLogError", async () => {
    for (
      const rel of [
        "kernel-rs-golden/deltalog-state-reconstruction-from-checkpoint-missing-metadata/delta",
        "kernel-rs-golden/deltalog-state-reconstruction-from-checkpoint-missing-protocol/delta",
        "kernel-rs-golden/deltalog-state-reconstruction-without-metadata/delta",
      ]
    ) {
      await assert.rejects(
        () => loadSnapshot(new LocalStorage(`${DELTA_FIXTURES}/${rel}`)),
        CorruptLogError,
        rel,
      );
    }
  });
});

Deno.test("loadSnapshot state", async (t) => {
  await t.step("tombstones expire after delta.deletedFileRetentionDuration", async () => {
    const now = 1_000_000_000_000;
    const s = await table([
      [
        protocol(),
        metadata(SCHEMA, {
          configuration: { "delta.deletedFileRetentionDuration": "interval 1 hour" },
        }),
        add("a.parquet"),
        add("b.parquet"),
      ],
      [remove("a.parquet", { deletionTimestamp: now - 2 * 3_600_000 })],
      [remove("b.parquet", { deletionTimestamp: now - 60_000 })],
    ]);
    const snap = await loadSnapshot(s, { now });
    assert.deepEqual(snap.files, []);
    assert.deepEqual(snap.tombstones.map((r) => r.path), ["b.parquet"]);
  });
  await t.step("the snapshot timestamp is the in-commit timestamp when present", async () => {
    const s = await table([
      [{ commitInfo: { inCommitTimestamp: 123456 } }, protocol(), metadata(SCHEMA)],
    ]);
    const snap = await loadSnapshot(s);
    assert.equal(snap.timestamp, 123456);
    assert.equal(snap.commitInfo?.inCommitTimestamp, 123456);
  });
  await t.step("a multi-part checkpoint plus commits equals the JSON-only replay", async () => {
    const storage = new LocalStorage(`${DELTA_FIXTURES}/kernel-rs-data/parquet_row_group_skipping`);
    const viaCheckpoint = await loadSnapshot(storage);
    assert.equal(viaCheckpoint.segment.checkpoint?.kind, "multipart");
    assert.ok(viaCheckpoint.files.length > 0);
  });
});

Deno.test({
  name: "loadSnapshot agrees with delta-rs (python deltalake) on every fixture both can open",
  async fn() {
    const script = `${REPO_ROOT}/tests/io/delta/_deltalake_peer.py`;
    const out = await runPython({ file: script, args: [DELTA_FIXTURES] });
    assert.ok(
      out.success,
      `python deltalake peer failed (install with: pip install deltalake==1.6.6):\n${out.stderr}`,
    );
    const peer: Record<string, {
      error?: string;
      version?: number;
      files?: string[];
      minReaderVersion?: number;
      metadataId?: string;
      partitionColumns?: string[];
    }> = JSON.parse(out.stdout);
    let compared = 0;
    const onlyPeerOpens: string[] = [];
    const onlyWeOpen: string[] = [];
    let bothFail = 0;
    let knownWrong = 0;
    const mismatches: string[] = [];
    for (const [rel, ref] of Object.entries(peer)) {
      let snap;
      try {
        snap = await loadSnapshot(new LocalStorage(`${DELTA_FIXTURES}/${rel}`));
      } catch (e) {
        if (ref.error) bothFail++;
        else onlyPeerOpens.push(`${rel}: ${(e as Error).name}: ${(e as Error).message}`);
        continue;
      }
      if (ref.error) {
        onlyWeOpen.push(`${rel}: delta-rs says ${ref.error}`);
        continue;
      }
      compared++;
      const ours = snap.files.map((f) => f.path).sort();
      const diff: string[] = [];
      if (snap.version !== ref.version) diff.push(`version ${snap.version} vs ${ref.version}`);
      if (JSON.stringify(ours) !== JSON.stringify(ref.files)) {
        const odd = ours.find((f) => !ref.files!.includes(f)) ??
          ref.files!.find((f) => !ours.includes(f));
        diff.push(`files ${ours.length} vs ${ref.files!.length} (first difference "${odd}")`);
      }
      if (snap.protocol.minReaderVersion !== ref.minReaderVersion) diff.push("minReaderVersion");
      if (snap.metadata.id !== ref.metadataId) diff.push("metadata id");
      if (JSON.stringify(snap.partitionColumns) !== JSON.stringify(ref.partitionColumns)) {
        diff.push("partition columns");
      }
      if (diff.length && PEER_KNOWN_WRONG[rel]) {
        console.log(
          `  delta-rs known wrong on ${rel} (${diff.join(", ")}): ${PEER_KNOWN_WRONG[rel]}`,
        );
        knownWrong++;
      } else if (diff.length) mismatches.push(`${rel}: ${diff.join(", ")}`);
    }
    console.log(
      `snapshot vs delta-rs: ${compared} compared, ${mismatches.length} mismatched, ` +
        `${knownWrong} where delta-rs is known wrong, ` +
        `${bothFail} fail in both, ${onlyWeOpen.length} only pointline opens, ` +
        `${onlyPeerOpens.length} only delta-rs opens`,
    );
    for (const l of onlyWeOpen) console.log(`  only pointline opens: ${l}`);
    for (const l of onlyPeerOpens) console.log(`  only delta-rs opens: ${l}`);
    assert.deepEqual(mismatches, []);
    assert.ok(compared >= 180, `only ${compared} fixtures compared`);
  },
});
