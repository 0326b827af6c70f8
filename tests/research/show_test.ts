import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { lineChart } from "../../src/research/charts.ts";
import { show } from "../../src/research/show.ts";

function recorder() {
  const calls: { obj: unknown; options: Record<string, unknown> }[] = [];
  return {
    calls,
    jupyter: {
      display(obj: unknown, options: Record<string, unknown> = {}) {
        calls.push({ obj, options });
        return Promise.resolve();
      },
    },
  };
}

Deno.test("show sends a chart's MIME bundle as a raw display message", async () => {
  const { calls, jupyter } = recorder();
  const chart = lineChart(pl.DataFrame({ x: [1, 2], y: [3, 4] }), { x: "x", y: "y" });
  await show(chart, { jupyter });
  assert.equal(calls.length, 1);
  assert.equal(calls[0].options.raw, true);
  assert.ok("application/vnd.vegalite.v5+json" in (calls[0].obj as object));
});

Deno.test("show renders a DataFrame as a table view and other values through the kernel", async () => {
  const { calls, jupyter } = recorder();
  await show(pl.DataFrame({ a: [1] }), { jupyter });
  await show({ plain: true }, { jupyter });
  assert.match((calls[0].obj as Record<string, string>)["text/html"], /<table>/);
  assert.deepEqual(calls[1], { obj: { plain: true }, options: { raw: false } });
});

Deno.test("show logs the text form outside Jupyter", async () => {
  const lines: string[] = [];
  await show(pl.DataFrame({ a: [1] }), { log: (l) => lines.push(l) });
  assert.equal(lines.length, 1);
  assert.match(lines[0], /1 rows × 1 columns/);
});
