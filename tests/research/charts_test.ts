import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { barChart, lineChart, stackCharts } from "../../src/research/charts.ts";

const bars = pl.DataFrame({
  bar_start_us: pl.Series(
    "bar_start_us",
    [1714521600000000, 1714521660000000, 1714521720000000],
    pl.Int64,
  ),
  close: [100.5, 101, 100.75],
  open: [100, 100.5, 101],
  volume: [3, 0, 5],
});

Deno.test("lineChart builds an offline Vega-Lite spec with inline data in milliseconds", () => {
  const chart = lineChart(bars, { x: "bar_start_us", y: "close", title: "Close" });
  const spec = chart.spec as {
    data: { values: Record<string, number>[] };
    encoding: { x: { type: string } };
    mark: { type: string };
  };
  assert.equal(spec.mark.type, "line");
  assert.equal(spec.encoding.x.type, "temporal");
  assert.deepEqual(spec.data.values[0], { bar_start_us: 1714521600000, close: 100.5 });
  assert.ok(!JSON.stringify(spec).includes('"url"'), "no data fetched at render time");
});

Deno.test("the Jupyter display bundle carries Vega-Lite, SVG and text", () => {
  const chart = lineChart(bars, { x: "bar_start_us", y: ["open", "close"] });
  const bundle = (chart as unknown as Record<symbol, () => Record<string, unknown>>)[
    Symbol.for("Jupyter.display")
  ]();
  assert.deepEqual(Object.keys(bundle).sort(), [
    "application/vnd.vegalite.v5+json",
    "image/svg+xml",
    "text/plain",
  ]);
  const svg = bundle["image/svg+xml"] as string;
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2, "one line per series");
  assert.match(svg, /00:00:00/);
});

Deno.test("barChart draws one bar per row, zero-height included, from a zero baseline", () => {
  const chart = barChart(bars, { x: "bar_start_us", y: "volume", title: "Volume" });
  assert.equal((chart.svg.match(/<rect /g) ?? []).length, 1 + 3);
  assert.equal((chart.spec.encoding as { y: { scale: { zero: boolean } } }).y.scale.zero, true);
});

Deno.test("long frames are thinned to maxPoints and the subtitle says so", () => {
  const n = 1000;
  const df = pl.DataFrame({ x: Array.from({ length: n }, (_, i) => i), y: Array(n).fill(1) });
  const chart = lineChart(df, { x: "x", y: "y", maxPoints: 100 });
  const spec = chart.spec as { data: { values: unknown[] }; title: { subtitle: string } };
  assert.equal(spec.data.values.length, 100);
  assert.match(spec.title.subtitle, /every 10th row/);
});

Deno.test("stackCharts stacks specs and SVGs; a missing column is a RangeError", () => {
  const both = stackCharts([
    lineChart(bars, { x: "bar_start_us", y: "close" }),
    barChart(bars, { x: "bar_start_us", y: "volume" }),
  ]);
  assert.equal((both.spec.vconcat as unknown[]).length, 2);
  assert.match(both.svg, /height="480"/);
  assert.throws(() => lineChart(bars, { x: "bar_start_us", y: "vwap" }), RangeError);
  assert.throws(() => stackCharts([]), RangeError);
});
