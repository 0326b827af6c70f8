/**
 * Interoperability with delta-rs (python `deltalake`, the reference implementation):
 * - every version pointline writes (partitioned and not; create, append, replaceWhere, schema
 *   merge, merge, delete, optimize, checkpoint, vacuum) opens in delta-rs with equal rows,
 *   protocol and file list; a copy whose commits up to the checkpoint are deleted still opens;
 * - every version delta-rs writes reads identically in pointline;
 * - both write to one table in turns and read the same result.
 *
 * The tests run whenever `python3 -c "import deltalake, polars, pyarrow"` succeeds. In CI
 * (`CI=true`) a missing peer is a failing test with an install hint; elsewhere the tests are
 * registered as ignored (Deno counts them in its "ignored" total, the names say why).
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { REPO_ROOT } from "../../_fixtures.ts";
import { pythonCanImport, runPython } from "../../_python_peer.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { mergeDelta } from "../../../src/io/delta/merge_delta.ts";
import { deleteDelta } from "../../../src/io/delta/delete_delta.ts";
import { optimize } from "../../../src/io/delta/optimize.ts";
import { vacuum } from "../../../src/io/delta/vacuum.ts";
import { createCheckpoint } from "../../../src/io/delta/checkpoint_writer.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";

const PEER = `${REPO_ROOT}/tests/io/delta/_py/delta_peer.py`;
const INSTALL_HINT = "install the python peer with: pip install deltalake==1.6.6 polars pyarrow";

const AVAILABLE = pythonCanImport(["deltalake", "polars", "pyarrow"]);
const IN_CI = Deno.env.get("CI") === "true";
const PREFIX = AVAILABLE ? "interop" : "interop (not run: python deltalake is not installed)";

if (!AVAILABLE && IN_CI) {
  Deno.test("interop: the python deltalake peer is installed (required in CI)", () => {
    throw new Error(`python3 cannot import deltalake, polars and pyarrow: ${INSTALL_HINT}`);
  });
}

interface VersionView {
  protocol: [number, number, string[], string[]];
  files: string[];
  partitionColumns: string[];
  columns: string[];
  rows: string[];
}

interface PeerDescription {
  latest: number;
  versions: Record<string, VersionView>;
  txn_job: number | null;
  stats: Record<string, { numRecords: number; minK: number; maxK: number; nullCountV: number }>;
}

async function peer(...args: string[]): Promise<unknown> {
  const out = await runPython({ file: PEER, args });
  if (!out.success) {
    throw new Error(`delta-rs peer ${args.join(" ")} failed (${INSTALL_HINT}):\n${out.stderr}`);
  }
  return JSON.parse(out.stdout);
}

async function rsDescribe(dir: string, versions: number[] = []): Promise<PeerDescription> {
  const d = await peer("describe", dir, ...versions.map(String)) as PeerDescription;
  for (const v of Object.values(d.versions)) {
    v.rows = v.rows.map((r) => JSON.stringify(JSON.parse(r))).sort();
  }
  return d;
}

/** What pointline reads at one version, canonicalised exactly like the python peer does. */
async function plView(dir: string, version?: number): Promise<VersionView> {
  const t = await DeltaTable.open(dir, version === undefined ? {} : { version });
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

function frame(
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
async function pointlineScenario(dir: string, partitioned: boolean): Promise<number> {
  await writeDelta(dir, frame([0, 1, 2, 3], "v0", partitioned), {
    partitionBy: partitioned ? ["p"] : [],
    txn: { appId: "job", version: 1 },
  });
  await writeDelta(dir, frame([4, 5], "v1", partitioned), { mode: "append" });
  const pred = partitioned
    ? [["p", "=", "a"] as ["p", "=", string]]
    : [["k", "<=", 1n] as ["k", "<=", bigint]];
  const repl = partitioned
    ? frame([10], "v2", true).withColumns(pl.lit("a").alias("p"))
    : frame([0], "v2", false);
  await writeDelta(dir, repl, { mode: "overwrite", predicate: pred });
  await writeDelta(dir, frame([6], "v3", partitioned, [1.5]), {
    mode: "append",
    schemaMode: "merge",
  });
  await mergeDelta(dir, frame([1, 7], "merged", partitioned, [null, 2.5]), { on: ["k"] });
  await deleteDelta(dir, [["k", "=", 5n]]);
  await optimize(dir);
  const r = await writeDelta(dir, frame([8], "v7", partitioned), { mode: "append" });
  await createCheckpoint(new LocalStorage(dir));
  return r.version;
}

async function assertSameEverywhere(dir: string, versions: number[]): Promise<void> {
  const rs = await rsDescribe(dir, versions);
  for (const v of versions) {
    const mine = await plView(dir, v);
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

const range = (n: number) => Array.from({ length: n + 1 }, (_, i) => i);

for (const partitioned of [true, false]) {
  Deno.test({
    name: `${PREFIX}: delta-rs reads every version pointline writes (${
      partitioned ? "partitioned" : "unpartitioned"
    })`,
    ignore: !AVAILABLE,
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "pointline_interop_" });
      const last = await pointlineScenario(dir, partitioned);
      assert.equal(last, 7);
      await assertSameEverywhere(dir, range(last));
      const rs = await rsDescribe(dir, [last]);
      assert.equal(rs.txn_job, 1, "delta-rs reads pointline's txn action");
      const files = (await DeltaTable.open(dir)).files();
      assert.deepEqual(
        Object.keys(rs.stats).map(decodeURIComponent).sort(),
        files.map((f) => f.path).sort(),
      );
      for (const f of files) {
        const mine = JSON.parse(f.stats!);
        const theirs = Object.entries(rs.stats).find(([p]) => decodeURIComponent(p) === f.path)![1];
        assert.deepEqual(
          [theirs.numRecords, theirs.minK, theirs.maxK, theirs.nullCountV],
          [mine.numRecords, mine.minValues.k, mine.maxValues.k, mine.nullCount.v],
          `delta-rs parses the stats of ${f.path}`,
        );
      }

      const gone = await vacuum(dir, {
        retentionHours: 0,
        enforceRetention: false,
        dryRun: false,
        now: Date.now() + 1000,
      });
      assert.ok(gone.files.length > 0);
      await assertSameEverywhere(dir, [last]);

      const copy = await Deno.makeTempDir({ prefix: "pointline_interop_ckpt_" });
      await new Deno.Command("cp", { args: ["-r", `${dir}/.`, copy] }).output();
      for (let v = 0; v <= last; v++) {
        await Deno.remove(`${copy}/_delta_log/${String(v).padStart(20, "0")}.json`);
      }
      const fromCheckpoint = await rsDescribe(copy, [last]);
      const expected = await plView(dir, last);
      assert.deepEqual(fromCheckpoint.versions[String(last)].rows, expected.rows);
      assert.deepEqual(fromCheckpoint.versions[String(last)].files, expected.files);
      assert.deepEqual((await plView(copy)).rows, expected.rows);
    },
  });
}

Deno.test({
  name: `${PREFIX}: pointline reads every version delta-rs writes`,
  ignore: !AVAILABLE,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "pointline_interop_rs_" });
    const s = await peer("scenario", dir) as { ops: string[]; version: number };
    assert.equal(s.version, 7);
    await assertSameEverywhere(dir, range(s.version));
    await peer("turn", dir, "vacuum");
    const latest = (await DeltaTable.open(dir)).version;
    await assertSameEverywhere(dir, [latest]);
  },
});

Deno.test({
  name: `${PREFIX}: pointline and delta-rs write one table in turns and read the same result`,
  ignore: !AVAILABLE,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "pointline_interop_turns_" });
    await writeDelta(dir, frame([0, 1, 2, 3], "pl", true), { partitionBy: ["p"] });
    await peer("turn", dir, "append");
    await writeDelta(dir, frame([50, 51], "pl-append", true), { mode: "append" });
    await peer("turn", dir, "merge");
    await mergeDelta(dir, frame([2, 60], "pl-merged", true), { on: ["k"] });
    await peer("turn", dir, "delete");
    await deleteDelta(dir, [["k", "=", 3n]]);
    await optimize(dir);
    await createCheckpoint(new LocalStorage(dir));
    await peer("turn", dir, "append");
    const latest = (await DeltaTable.open(dir)).version;
    assert.ok(latest >= 8, `expected at least 8 commits, got ${latest}`);
    await assertSameEverywhere(dir, range(latest));
    const keys = (await plView(dir)).rows.map((r) => Number(JSON.parse(r)[0])).sort((a, b) =>
      a - b
    );
    assert.deepEqual(keys, [0, 2, 50, 51, 60, 100, 100, 101, 101, 102]);
  },
});
