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
import { pythonCanImport } from "../../_python_peer.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { mergeDelta } from "../../../src/io/delta/merge_delta.ts";
import { deleteDelta } from "../../../src/io/delta/delete_delta.ts";
import { optimize } from "../../../src/io/delta/optimize.ts";
import { vacuum } from "../../../src/io/delta/vacuum.ts";
import { createCheckpoint } from "../../../src/io/delta/checkpoint_writer.ts";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { LocalStorage } from "../../../src/io/delta/local_storage.ts";
import {
  assertSameEverywhere,
  frame,
  INSTALL_HINT,
  peer,
  plView,
  pointlineScenario,
  range,
  rsDescribe,
} from "./_interop.ts";

const AVAILABLE = pythonCanImport(["deltalake", "polars", "pyarrow"]);
const IN_CI = Deno.env.get("CI") === "true";
const PREFIX = AVAILABLE ? "interop" : "interop (not run: python deltalake is not installed)";

if (!AVAILABLE && IN_CI) {
  Deno.test("interop: the python deltalake peer is installed (required in CI)", () => {
    throw new Error(`python3 cannot import deltalake, polars and pyarrow: ${INSTALL_HINT}`);
  });
}

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
    const s = await peer(["scenario", dir]) as { ops: string[]; version: number };
    assert.equal(s.version, 7);
    await assertSameEverywhere(dir, range(s.version));
    await peer(["turn", dir, "vacuum"]);
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
    await peer(["turn", dir, "append"]);
    await writeDelta(dir, frame([50, 51], "pl-append", true), { mode: "append" });
    await peer(["turn", dir, "merge"]);
    await mergeDelta(dir, frame([2, 60], "pl-merged", true), { on: ["k"] });
    await peer(["turn", dir, "delete"]);
    await deleteDelta(dir, [["k", "=", 3n]]);
    await optimize(dir);
    await createCheckpoint(new LocalStorage(dir));
    await peer(["turn", dir, "append"]);
    const latest = (await DeltaTable.open(dir)).version;
    assert.ok(latest >= 8, `expected at least 8 commits, got ${latest}`);
    await assertSameEverywhere(dir, range(latest));
    const keys = (await plView(dir)).rows.map((r) => Number(JSON.parse(r)[0])).sort((a, b) =>
      a - b
    );
    assert.deepEqual(keys, [0, 2, 50, 51, 60, 100, 100, 101, 101, 102]);
  },
});
