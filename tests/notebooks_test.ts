/**
 * The notebooks: committed clean (always), and executed headless on the Deno kernel when
 * Jupyter and the kernel are installed, and always in CI (`CI=true`), where missing tools
 * fail with an install hint. Elsewhere the execution test is reported by Deno as "ignored"
 * (one test, named with the reason), never silently skipped.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkClean,
  drawnPngs,
  INSTALL_HINT,
  jupyterAvailable,
  listNotebooks,
  runNotebook,
} from "../tasks/notebooks.ts";

const EXPECTED = [
  "01_ingest_step_by_step.ipynb",
  "02_dim_symbol_scd2.ipynb",
  "03_research_trades.ipynb",
  "04_lake_maintenance.ipynb",
];

Deno.test("the four notebooks are committed without outputs and on the Deno kernel", async () => {
  const names = (await listNotebooks()).map((p) => p.split("/").pop());
  assert.deepEqual(names, EXPECTED);
  assert.deepEqual(await checkClean(), []);
});

Deno.test("checkClean reports a notebook with outputs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const nb = {
      cells: [{
        cell_type: "code",
        source: ["1 + 1"],
        metadata: {},
        execution_count: 1,
        outputs: [{ output_type: "execute_result", data: { "text/plain": "2" } }],
      }],
      metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    await Deno.writeTextFile(join(dir, "x.ipynb"), JSON.stringify(nb));
    const problems = await checkClean(dir);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /x\.ipynb: cell 1 has 1 output/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Every file under a lake with its size and modification time; empty when there is no lake. */
async function lakeListing(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory) out.push(...await lakeListing(p));
      else {
        const st = await Deno.stat(p);
        out.push(`${p} ${st.size} ${st.mtime?.getTime()}`);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
}

Deno.test("drawnPngs counts embedded PNGs of a drawn size only", () => {
  const big = btoa("x".repeat(6000));
  const html = `<img src="data:image/png;base64,${big}"><img src="data:image/png;base64,iVBO">`;
  assert.deepEqual(drawnPngs(html), [6000]);
});

const inCi = (Deno.env.get("CI") ?? "").toLowerCase() === "true";
const tools = await jupyterAvailable();

Deno.test({
  name: tools.ok || inCi
    ? "every notebook executes on the Deno kernel without a cell error, and 03 draws a chart"
    : `every notebook executes on the Deno kernel (not run: ${tools.reason}; ${INSTALL_HINT})`,
  ignore: !tools.ok && !inCi,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.ok(tools.ok, `Cannot run notebooks in CI: ${tools.reason}: ${INSTALL_HINT}`);
    const tmp = await Deno.makeTempDir({ prefix: "pointline-nbtest-" });
    try {
      const lakeRoot = join(tmp, "lake");
      const outDir = join(tmp, "out");
      await Deno.mkdir(outDir);
      const failures: string[] = [];
      for (const path of await listNotebooks()) {
        // Once a notebook has built the shared demo lake, no other notebook may change it.
        const before = await lakeListing(lakeRoot);
        const run = await runNotebook(path, { lakeRoot, outDir });
        if (run.problems.length > 0) failures.push(`${run.name}: ${run.problems.join("; ")}`);
        else {
          assert.equal(run.executedCells, run.codeCells, run.name);
          if (run.name === "03_research_trades.ipynb") {
            assert.ok(run.chartOutputs >= 4, `${run.chartOutputs} charts`);
            assert.ok(run.htmlCharts >= 4, `${run.htmlCharts} charts drawn in the HTML export`);
          }
        }
        if (before.length > 0) {
          assert.deepEqual(
            await lakeListing(lakeRoot),
            before,
            `${run.name} changed the demo lake`,
          );
        }
      }
      assert.deepEqual(failures, []);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

function _notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source, i) => ({
      cell_type: "code",
      id: `c${i}`,
      source: [source],
      metadata: {},
      execution_count: null,
      outputs: [],
    })),
    metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

Deno.test({
  name: tools.ok || inCi
    ? "runNotebook reports a failing cell, a missing chart and an HTML export without one"
    : `runNotebook reports failures (not run: ${tools.reason})`,
  ignore: !tools.ok && !inCi,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.ok(tools.ok, `Cannot run notebooks in CI: ${tools.reason}: ${INSTALL_HINT}`);
    const tmp = await Deno.makeTempDir({ prefix: "pointline-nbfail-" });
    try {
      const path = join(tmp, "03_research_trades.ipynb");
      await Deno.writeTextFile(path, _notebook(["1 + 1", 'throw new RangeError("boom")', "2"]));
      const outDir = join(tmp, "out");
      await Deno.mkdir(outDir);
      const run = await runNotebook(path, { lakeRoot: join(tmp, "lake"), outDir });
      assert.equal(run.codeCells, 3);
      assert.equal(run.executedCells, 3, "--allow-errors runs the cells after a failure");
      assert.equal(run.problems.length, 3, run.problems.join("\n"));
      assert.match(run.problems[0], /cell 2 .* failed: RangeError: boom/);
      assert.match(run.problems[1], /no chart output/);
      assert.match(run.problems[2], /HTML export shows no drawn chart/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
