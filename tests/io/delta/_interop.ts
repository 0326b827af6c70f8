/**
 * Shared helpers of the delta-rs interop tests (local folders in `interop_test.ts`, `s3://`
 * tables on moto in `s3_interop_test.ts`): the peer, both engines' view of a version, and the
 * pointline scenario that writes one table through every kind of version.
 *
 * @module
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { REPO_ROOT } from "../../_fixtures.ts";
import { runPython } from "../../_python_peer.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { mergeDelta } from "../../../src/io/delta/merge_delta.ts";
import { deleteDelta } from "../../../src/io/delta/delete_delta.ts";
import { optimize } from "../../../src/io/delta/optimize.ts";
import { createCheckpoint } from "../../../src/io/delta/checkpoint_writer.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { storageForUri } from "../../../src/io/delta/storage_for_uri.ts";

/** The delta-rs peer script. */
export const PEER = `${REPO_ROOT}/tests/io/delta/_py/delta_peer.py`;
/** How to install the peer. */
export const INSTALL_HINT =
  "install the python peer with: pip install deltalake==1.6.6 polars pyarrow";

/** Where the tables live: storage options of an `s3://` table (AWS variable names). */
export interface InteropIo {
  storageOptions?: Record<string, string>;
}

/** What one engine reads at one version, canonicalised. */
export interface VersionView {
  protocol: [number, number, string[], string[]];
  files: string[];
  partitionColumns: string[];
  columns: string[];
  rows: string[];
}

/** What the delta-rs peer reads at each version. */
export interface PeerDescription {
  latest: number;
  versions: Record<string, VersionView>;
  txn_job: number | null;
  stats: Record<string, { numRecords: number; minK: number; maxK: number; nullCountV: number }>;
}

/**
 * Run the delta-rs peer; `io.storageOptions` (AWS variable names) become its environment, so
 * delta-rs reaches an `s3://` table on the same server (with conditional put by ETag).
 */
export async function peer(args: string[], io: InteropIo = {}): Promise<unknown> {
  const env = io.storageOptions ? { ...io.storageOptions, AWS_CONDITIONAL_PUT: "etag" } : undefined;
  const out = await runPython({ file: PEER, args, env });
  if (!out.success) {
    throw new Error(`delta-rs peer ${args.join(" ")} failed (${INSTALL_HINT}):\n${out.stderr}`);
  }
  return JSON.parse(out.stdout);
}

/** What delta-rs reads at these versions (all when none given). */
export async function rsDescribe(
  dir: string,
  versions: number[] = [],
  io: InteropIo = {},
): Promise<PeerDescription> {
  const d = await peer(["describe", dir, ...versions.map(String)], io) as PeerDescription;
  for (const v of Object.values(d.versions)) {
    v.rows = v.rows.map((r) => JSON.stringify(JSON.parse(r))).sort();
  }
  return d;
}

/** What pointline reads at one version, canonicalised exactly like the python peer does. */
export async function plView(
  dir: string,
  version?: number,
  io: InteropIo = {},
): Promise<VersionView> {
  const t = await DeltaTable.open(dir, {
    ...(version === undefined ? {} : { version }),
    storageOptions: io.storageOptions,
  });
  const df = await (await t.scan()).collect();
  const columns = [...df.columns].sort();
  const asText = df.select(...columns.map((c) => pl.col(c).cast(pl.Utf8)));
  const rows = asText.rows().map((r) => JSON.stringify(r)).sort();
  return {
    protocol: [
      t.protocol.minReaderVersion,
      t.protocol.minWriterVersion,
      [...(t.protocol.readerFeatures ?? [])].sort(),
      [...(t.protocol.writerFeatures ?? [])].sort(),
    ],
    files: t.files().map((f) => f.path).sort(),
    partitionColumns: t.partitionColumns,
    columns,
    rows,
  };
}

/** A small test frame: key `k`, value `v`, partition `p` ("a" or "b:c"), optional `extra`. */
export function frame(
  keys: number[],
  v: string,
  partitioned: boolean,
  extra?: (number | null)[],
): pl.DataFrame {
  let df = pl.DataFrame({ k: keys.map(String), v: keys.map(() => v) }).withColumns(
    pl.col("k").cast(pl.Int64),
  );
  if (partitioned) {
    df = df.withColumns(pl.Series("p", keys.map((k) => (k % 2 === 0 ? "a" : "b:c"))));
  }
  if (extra) df = df.withColumns(pl.Series("extra", extra, pl.Float64));
  return df;
}

/** pointline writes one table through every kind of version; returns the checkpoint version. */
export async function pointlineScenario(
  dir: string,
  partitioned: boolean,
  io: InteropIo = {},
): Promise<number> {
  const so = { storageOptions: io.storageOptions };
  await writeDelta(dir, frame([0, 1, 2, 3], "v0", partitioned), {
    partitionBy: partitioned ? ["p"] : [],
    txn: { appId: "job", version: 1 },
    ...so,
  });
  await writeDelta(dir, frame([4, 5], "v1", partitioned), { mode: "append", ...so });
  const pred = partitioned
    ? [["p", "=", "a"] as ["p", "=", string]]
    : [["k", "<=", 1n] as ["k", "<=", bigint]];
  const repl = partitioned
    ? frame([10], "v2", true).withColumns(pl.lit("a").alias("p"))
    : frame([0], "v2", false);
  await writeDelta(dir, repl, { mode: "overwrite", predicate: pred, ...so });
  await writeDelta(dir, frame([6], "v3", partitioned, [1.5]), {
    mode: "append",
    schemaMode: "merge",
    ...so,
  });
  await mergeDelta(dir, frame([1, 7], "merged", partitioned, [null, 2.5]), { on: ["k"], ...so });
  await deleteDelta(dir, [["k", "=", 5n]], so);
  await optimize(dir, so);
  const r = await writeDelta(dir, frame([8], "v7", partitioned), { mode: "append", ...so });
  await createCheckpoint(storageForUri(dir, so));
  return r.version;
}

/** delta-rs and pointline read the same protocol, files, columns and rows at each version. */
export async function assertSameEverywhere(
  dir: string,
  versions: number[],
  io: InteropIo = {},
): Promise<void> {
  const rs = await rsDescribe(dir, versions, io);
  for (const v of versions) {
    const mine = await plView(dir, v, io);
    const theirs = rs.versions[String(v)];
    assert.deepEqual(mine.protocol, theirs.protocol, `protocol at version ${v}`);
    assert.deepEqual(mine.files, theirs.files, `file list at version ${v}`);
    assert.deepEqual(
      mine.partitionColumns,
      theirs.partitionColumns,
      `partition columns at version ${v}`,
    );
    assert.deepEqual(mine.columns, theirs.columns, `columns at version ${v}`);
    assert.deepEqual(mine.rows, theirs.rows, `rows at version ${v}`);
  }
}

/** `[0, 1, ..., n]`. */
export const range = (n: number): number[] => Array.from({ length: n + 1 }, (_, i) => i);
