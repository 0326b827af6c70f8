import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { lineChart } from "../../src/research/charts.ts";
import { show } from "../../src/research/show.ts";
import { int64Series } from "../../src/domain/int64.ts";

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

Deno.test("show prints Int64 and Datetime(us, UTC) values exactly, for frames and series", async () => {
  const id = int64Series("symbol_id", [-3012303369023998542n, 2n ** 63n - 1n]);
  const ts = int64Series("ts_local_us", [1722427200123456n, -1n]).cast(pl.Datetime("us", "UTC"));
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  await show(pl.DataFrame({ symbol_id: id, ts_local_us: ts }), { log });
  await show(id, { log });
  assert.equal(
    lines[0],
    "2 rows × 2 columns\nsymbol_id\tts_local_us\n" +
      "-3012303369023998542\t2024-07-31 12:00:00.123456\n" +
      "9223372036854775807\t1969-12-31 23:59:59.999999",
  );
  assert.equal(
    lines[1],
    "2 rows × 1 columns\nsymbol_id\n-3012303369023998542\n9223372036854775807",
  );
  await assert.rejects(() => show(id, { flush: 1 } as never), /Unknown option "flush" of show/);
});
