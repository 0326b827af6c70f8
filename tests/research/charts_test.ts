import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  barChart,
  candlestickChart,
  lineChart,
  scatterChart,
  stackCharts,
} from "../../src/research/charts.ts";
import { svgToPng } from "../../src/research/svg_to_png.ts";

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

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47], "PNG signature");
  const view = new DataView(png.buffer, png.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

Deno.test("the display bundle is Vega-Lite, a drawn PNG and text; never the SVG nbconvert strips", () => {
  const chart = lineChart(bars, { x: "bar_start_us", y: ["open", "close"] });
  const bundle = (chart as unknown as Record<symbol, () => Record<string, unknown>>)[
    Symbol.for("Jupyter.display")
  ]();
  assert.deepEqual(Object.keys(bundle).sort(), [
    "application/vnd.vegalite.v5+json",
    "image/png",
    "text/plain",
  ]);
  const png = Uint8Array.from(atob(bundle["image/png"] as string), (c) => c.charCodeAt(0));
  assert.deepEqual(pngSize(png), { width: 640, height: 240 });
  const blank = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="240"/>');
  assert.ok(png.length > 4 * blank.png.length, `${png.length} vs blank ${blank.png.length}`);
  assert.equal((chart.svg.match(/<polyline/g) ?? []).length, 2, "one line per series");
  assert.match(chart.svg, /00:00:00/);
});

Deno.test("the PNG draws text with the packaged font (no system fonts, no network)", () => {
  const frame = (body: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" font-family="sans-serif">` +
    `${body}</svg>`;
  const empty = svgToPng(frame("")).png.length;
  const text = svgToPng(frame('<text x="4" y="24" font-size="16">BTCUSDT 12:00</text>')).png;
  assert.ok(text.length > empty + 300, `text drew nothing: ${text.length} vs ${empty} bytes`);
  assert.deepEqual(pngSize(svgToPng(frame(""), { scale: 2 }).png), { width: 400, height: 80 });
  assert.throws(() => svgToPng(frame(""), { scale: 0 }), RangeError);
});

Deno.test("charts take Datetime time columns (with a zone) as well as Int64 microseconds", () => {
  const withTime = bars.withColumns(
    pl.col("bar_start_us").cast(pl.Datetime("us", "UTC")).alias("bar_time"),
  );
  const a = lineChart(withTime, { x: "bar_time", y: "close" });
  const b = lineChart(bars, { x: "bar_start_us", y: "close" });
  const xs = (c: typeof a) =>
    (c.spec.data as { values: Record<string, number>[] }).values.map((r) =>
      r.bar_time ?? r.bar_start_us
    );
  assert.deepEqual(xs(a), [1714521600000, 1714521660000, 1714521720000]);
  assert.deepEqual(xs(a), xs(b));
  assert.equal((a.spec.encoding as { x: { type: string } }).x.type, "temporal");
  assert.match(a.svg, /00:00:00/);
});

Deno.test("candlestickChart draws a wick and a body per bar, colored by direction", () => {
  const ohlc = bars.withColumns(
    pl.col("bar_start_us").cast(pl.Datetime("us")).alias("bar_time"),
    pl.lit(102).alias("high"),
    pl.lit(99).alias("low"),
  );
  const chart = candlestickChart(ohlc, { title: "OHLC" });
  assert.equal((chart.svg.match(/<line /g) ?? []).length, 2 + 3, "two axes and three wicks");
  assert.equal((chart.svg.match(/<rect [^>]*fill="#54a24b"/g) ?? []).length, 2, "two up bars");
  assert.equal((chart.svg.match(/<rect [^>]*fill="#e45756"/g) ?? []).length, 1, "one down bar");
  const layer = chart.spec.layer as { mark: { type: string } }[];
  assert.deepEqual(layer.map((l) => l.mark.type), ["rule", "bar"]);
  assert.deepEqual(pngSize(chart.png().png), { width: 640, height: 240 });
  assert.throws(() => candlestickChart(ohlc.drop("close")), /Cannot chart column "close"/);
});

Deno.test("scatterChart draws one point per row and does not force zero", () => {
  const chart = scatterChart(bars, { x: "open", y: "close" });
  assert.equal((chart.svg.match(/<circle /g) ?? []).length, 3);
  assert.deepEqual(chart.spec.mark, { type: "point", filled: true, tooltip: true });
  assert.match(chart.text, /^scatter chart: close by open, 3 points$/);
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
  assert.deepEqual(pngSize(both.png().png), { width: 640, height: 480 });
  assert.throws(() => lineChart(bars, { x: "bar_start_us", y: "vwap" }), RangeError);
  assert.throws(() => stackCharts([]), RangeError);
});

Deno.test("chart options are checked at run time", () => {
  const df = pl.DataFrame({ t_us: [0, 60_000_000], close: [10, 11] });
  assert.throws(
    () => lineChart(df, { x: "t_us", y: "close", tittle: "x" } as never),
    /Unknown option "tittle" of lineChart \(did you mean "title"\?\)/,
  );
  assert.throws(
    () => lineChart(df, { x: "t_us" } as never),
    /Missing option "y" of lineChart: required are "x", "y"/,
  );
});
