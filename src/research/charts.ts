/**
 * Charts that render everywhere without network access. Each chart is a Vega-Lite v5 spec with
 * its data inline (JupyterLab renders `application/vnd.vegalite.v5+json` with its bundled
 * renderer), an SVG drawn here, and a PNG rasterized from that SVG in process (resvg, with the
 * fonts of an npm package). The display bundle carries the Vega-Lite spec, the PNG and a text
 * line, and deliberately not the SVG: `nbconvert`'s HTML export prefers SVG over PNG and then
 * strips the SVG's markup (blank charts), while every front-end, export and PDF keeps a PNG.
 * The SVG stays available as {@linkcode Chart.svg}.
 *
 * Time axes accept Datetime columns (any unit, with or without a time zone) and Int64
 * microsecond columns named `*_us` / `*_ts`.
 *
 * In a Deno notebook, a chart as the last expression of a cell displays itself.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import pl from "nodejs-polars";
import { type PngImage, svgToPng } from "./svg_to_png.ts";
import { _checkOptions } from "./_check_options.ts";
import type { DataFrame } from "../polars_types.ts";

/** A Vega-Lite specification (a plain JSON object). */
export type VegaLiteSpec = Record<string, unknown>;

/** Options of {@linkcode lineChart} and {@linkcode barChart}. */
export interface ChartOptions {
  /** The x column: a Datetime column, a `*_us` / `*_ts` microsecond column, or a number. */
  x: string;
  /** The y column, or several (one line or color per column). */
  y: string | string[];
  /**
   * Chart title.
   *
   * @default {""}
   */
  title?: string;
  /**
   * Plot width in pixels.
   *
   * @default {640}
   */
  width?: number;
  /**
   * Plot height in pixels.
   *
   * @default {240}
   */
  height?: number;
  /**
   * Draw at most this many points; longer frames are thinned to every n-th row (the
   * subtitle says so).
   *
   * @default {5000}
   */
  maxPoints?: number;
  /**
   * Start the y axis at zero.
   *
   * @default {false} for lines, `true` for bars
   */
  zero?: boolean;
}

const _PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2"];

/** A chart: a Vega-Lite spec, an SVG drawing of the same data, and its PNG rendering. */
export class Chart {
  /** The Vega-Lite v5 spec, data inline. */
  readonly spec: VegaLiteSpec;
  /** The static SVG drawing. */
  readonly svg: string;
  /** A one-line text description (the `text/plain` representation). */
  readonly text: string;
  #png: PngImage | undefined;

  /**
   * Create a `Chart`.
   *
   * @param spec Vega-Lite spec.
   * @param svg SVG markup.
   * @param text Plain-text description.
   */
  constructor(spec: VegaLiteSpec, svg: string, text: string) {
    this.spec = spec;
    this.svg = svg;
    this.text = text;
  }

  /**
   * The SVG rasterized to PNG (rendered once, on first use).
   *
   * @returns PNG bytes and pixel size.
   * @example
   * ```ts
   * import pl from "nodejs-polars";
   * import { lineChart } from "./charts.ts";
   * const chart = lineChart(pl.DataFrame({ x: [1, 2], y: [3, 4] }), { x: "x", y: "y" });
   * if (chart.png().width !== 640) throw new Error("640 px wide by default");
   * ```
   */
  png(): PngImage {
    this.#png ??= svgToPng(this.svg);
    return this.#png;
  }

  /**
   * The Jupyter MIME bundle: Vega-Lite, PNG (base64) and plain text.
   *
   * @returns The bundle the Deno kernel displays.
   * @example
   * ```ts
   * import pl from "nodejs-polars";
   * import { barChart } from "./charts.ts";
   * const bundle = barChart(pl.DataFrame({ x: [1, 2], y: [3, 4] }), { x: "x", y: "y" })
   *   .toMimeBundle();
   * if (typeof bundle["image/png"] !== "string") throw new Error("a PNG for every front-end");
   * ```
   */
  toMimeBundle(): Record<string, unknown> {
    return {
      "application/vnd.vegalite.v5+json": this.spec,
      "image/png": Buffer.from(this.png().png).toString("base64"),
      "text/plain": this.text,
    };
  }

  /**
   * Display hook of the Deno Jupyter kernel.
   *
   * @returns {@linkcode Chart.toMimeBundle}.
   */
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return this.toMimeBundle();
  }
}

/** Data of one chart, as plain numbers. */
interface _Points {
  xs: number[];
  series: { name: string; ys: (number | null)[] }[];
  temporal: boolean;
  step: number;
}

function _toNumber(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === "bigint") return Number(v);
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Extract x and y values; time columns become epoch milliseconds for temporal axes. */
function _points(df: pl.DataFrame, x: string, ys: string[], maxPoints = 5000): _Points {
  for (const c of [x, ...ys]) {
    if (!df.columns.includes(c)) {
      throw new RangeError(
        `Cannot chart column "${c}": the frame has ${df.columns.map((n) => `"${n}"`).join(", ")}`,
      );
    }
  }
  const step = Math.max(1, Math.ceil(df.height / maxPoints));
  const thin = step > 1 ? df.gatherEvery(step) : df;
  const xSeries = thin.getColumn(x);
  const kind = String(xSeries.dtype.variant ?? xSeries.dtype);
  const isDatetime = kind.startsWith("Datetime") || kind === "Date";
  const isMicros = !isDatetime && /_(us|ts)$/.test(x);
  const xs =
    (isDatetime
      ? (xSeries.cast(pl.Datetime("ms")).cast(pl.Int64).toArray() as unknown[])
      : (xSeries.toArray() as unknown[])).map(_toNumber).map((v) =>
        v === null ? NaN : isMicros ? v / 1000 : v
      );
  const series = ys.map((name) => ({
    name,
    ys: (thin.getColumn(name).cast(pl.Float64).toArray() as unknown[]).map(_toNumber),
  }));
  return { xs, series, temporal: isDatetime || isMicros, step };
}

/** Inline rows of the Vega-Lite data. */
function _values(points: _Points, x: string): Record<string, number | null>[] {
  return points.xs.map((xv, i) => {
    const row: Record<string, number | null> = { [x]: Number.isFinite(xv) ? xv : null };
    for (const s of points.series) row[s.name] = s.ys[i];
    return row;
  });
}

/** The spec's frame: schema, title (with the thinning subtitle), size and inline data. */
function _specFrame(points: _Points, options: _Frame, x: string): VegaLiteSpec {
  const subtitle = points.step > 1 ? `every ${points.step}th row shown` : undefined;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    ...(options.title || subtitle
      ? { title: { text: options.title ?? "", ...(subtitle ? { subtitle } : {}) } }
      : {}),
    width: options.width ?? 640,
    height: options.height ?? 240,
    data: { values: _values(points, x) },
  };
}

function _spec(
  points: _Points,
  options: ChartOptions,
  mark: Record<string, unknown>,
  zero: boolean,
): VegaLiteSpec {
  const names = points.series.map((s) => s.name);
  const multi = names.length > 1;
  return {
    ..._specFrame(points, options, options.x),
    ...(multi ? { transform: [{ fold: names, as: ["series", "value"] }] } : {}),
    mark: { ...mark, tooltip: true },
    encoding: {
      x: { field: options.x, type: points.temporal ? "temporal" : "quantitative" },
      y: {
        field: multi ? "value" : names[0],
        type: "quantitative",
        scale: { zero },
        ...(multi ? { title: names.join(", ") } : {}),
      },
      ...(multi ? { color: { field: "series", type: "nominal" } } : {}),
    },
  };
}

function _escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function _fmtNumber(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(6)));
}

function _fmtX(v: number, temporal: boolean, span: number): string {
  if (!temporal) return _fmtNumber(v);
  const iso = new Date(v).toISOString();
  if (span < 86_400_000) return iso.slice(11, 19);
  return iso.slice(0, 16).replace("T", " ");
}

/** Size and title of a drawing. */
interface _Frame {
  title?: string;
  width?: number;
  height?: number;
}

/** Scales of a drawing's plot area. */
interface _Scales {
  sx: (x: number) => number;
  sy: (y: number) => number;
  /** Plot width in pixels. */
  pw: number;
  /** The y value of the baseline (0 when in range, else the nearest end). */
  base: number;
}

/**
 * Draw an SVG: white background, title, axes with min/mid/max labels, then the marks `draw`
 * returns for the scales; "no data" when there is nothing finite to draw.
 */
function _drawSvg(
  frame: _Frame,
  xs: number[],
  yValues: number[],
  temporal: boolean,
  zero: boolean,
  draw: (scales: _Scales) => string[],
  padForBars = false,
): string {
  const w = frame.width ?? 640;
  const h = frame.height ?? 240;
  const left = 64, right = 16, top = frame.title ? 28 : 12, bottom = 28;
  const pw = w - left - right, ph = h - top - bottom;
  const finiteX = xs.filter(Number.isFinite);
  const finiteY = yValues.filter(Number.isFinite);
  const parts: string[] = [];
  if (frame.title) {
    parts.push(`<text x="${left}" y="16" font-weight="bold">${_escape(frame.title)}</text>`);
  }
  if (finiteX.length === 0 || finiteY.length === 0) {
    parts.push(`<text x="${w / 2}" y="${h / 2}" text-anchor="middle">no data</text>`);
  } else {
    let x0 = Math.min(...finiteX), x1 = Math.max(...finiteX);
    let y0 = Math.min(...finiteY), y1 = Math.max(...finiteY);
    if (zero) y0 = Math.min(0, y0), y1 = Math.max(0, y1);
    if (x1 === x0) x0 -= 1, x1 += 1;
    if (y1 === y0) y0 -= 1, y1 += 1;
    // Bars are centred on their x: widen the range by half a bar so the first and last fit.
    const pad = padForBars ? (x1 - x0) / Math.max(1, finiteX.length - 1) / 2 : 0;
    const [lo, hi] = [x0, x1];
    x0 -= pad, x1 += pad;
    const sx = (x: number) => left + ((x - x0) / (x1 - x0)) * pw;
    const sy = (y: number) => top + ph - ((y - y0) / (y1 - y0)) * ph;
    const axis = "#888";
    parts.push(
      `<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="${axis}"/>`,
      `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="${axis}"/>`,
    );
    for (const f of [0, 0.5, 1]) {
      const yv = y0 + f * (y1 - y0), xv = lo + f * (hi - lo);
      parts.push(
        `<text x="${left - 4}" y="${sy(yv) + 4}" text-anchor="end">${_fmtNumber(yv)}</text>`,
        `<text x="${sx(xv).toFixed(1)}" y="${top + ph + 16}" text-anchor="${
          f === 0 ? "start" : f === 1 ? "end" : "middle"
        }">${_escape(_fmtX(xv, temporal, hi - lo))}</text>`,
      );
    }
    parts.push(...draw({ sx, sy, pw, base: Math.max(y0, Math.min(0, y1)) }));
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" ` +
    `viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">` +
    `<rect width="${w}" height="${h}" fill="white"/>${parts.join("")}</svg>`;
}

/** The marks of one series: a polyline, bars from the baseline, or points. */
function _seriesMarks(
  points: _Points,
  s: _Points["series"][number],
  color: string,
  kind: _Kind,
  { sx, sy, pw, base }: _Scales,
): string[] {
  const at = points.xs.flatMap((x, i) =>
    Number.isFinite(x) && s.ys[i] !== null ? [[sx(x), sy(s.ys[i]!)]] : []
  );
  if (kind === "line") {
    const coords = at.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" ");
    return [`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${coords}"/>`];
  }
  if (kind === "point") {
    return at.map(([px, py]) =>
      `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="2.5" fill="${color}" ` +
      `fill-opacity="0.7"/>`
    );
  }
  const barW = Math.max(1, (pw / Math.max(1, points.xs.length)) * 0.8);
  const y0 = sy(base);
  return at.map(([px, py]) =>
    `<rect x="${(px - barW / 2).toFixed(1)}" y="${Math.min(py, y0).toFixed(1)}" width="${
      barW.toFixed(1)
    }" height="${Math.abs(y0 - py).toFixed(1)}" fill="${color}"/>`
  );
}

type _Kind = "line" | "bar" | "point";

/** Draw the SVG of a line, bar or scatter chart. */
function _svg(points: _Points, options: ChartOptions, kind: _Kind, zero: boolean): string {
  const allY = points.series.flatMap((s) => s.ys).filter((v): v is number => v !== null);
  return _drawSvg(options, points.xs, allY, points.temporal, zero, (scales) => {
    const parts = points.series.flatMap((s, k) =>
      _seriesMarks(points, s, _PALETTE[k % _PALETTE.length], kind, scales)
    );
    if (points.series.length > 1) {
      const right = scales.sx(Math.max(...points.xs.filter(Number.isFinite)));
      points.series.forEach((s, k) => {
        parts.push(
          `<text x="${right - 4}" y="${(options.title ? 28 : 12) + 12 + 14 * k}" ` +
            `text-anchor="end" fill="${_PALETTE[k % _PALETTE.length]}">${_escape(s.name)}</text>`,
        );
      });
    }
    return parts;
  }, kind === "bar");
}

const _MARKS: Record<_Kind, Record<string, unknown>> = {
  line: { type: "line" },
  bar: { type: "bar" },
  point: { type: "point", filled: true },
};

const _KIND_NAMES: Record<_Kind, string> = { line: "line", bar: "bar", point: "scatter" };

/** The size, title and thinning options every chart takes. */
const _FRAME_OPTIONS = {
  title: ["string"],
  width: ["number"],
  height: ["number"],
  maxPoints: ["number"],
} as const;

function _chart(df: pl.DataFrame, options: ChartOptions, kind: _Kind): Chart {
  _checkOptions(`${kind === "point" ? "scatter" : kind}Chart`, options, {
    required: { x: ["string"], y: ["string", "array"] },
    optional: { ..._FRAME_OPTIONS, zero: ["boolean"] },
  });
  const zero = options.zero ?? kind === "bar";
  const ys = Array.isArray(options.y) ? options.y : [options.y];
  const points = _points(df, options.x, ys, options.maxPoints);
  const names = points.series.map((s) => s.name).join(", ");
  return new Chart(
    _spec(points, options, _MARKS[kind], zero),
    _svg(points, options, kind, zero),
    `${_KIND_NAMES[kind]} chart${options.title ? ` "${options.title}"` : ""}: ${names} by ` +
      `${options.x}, ${points.xs.length} points`,
  );
}

/**
 * A line chart of one or more columns against a time or number column.
 *
 * @param df The data (e.g. bars from `bars()`).
 * @param options Columns, title, size, thinning.
 * @returns A {@linkcode Chart} that displays itself in Jupyter.
 * @throws {RangeError} When a column is missing.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { lineChart } from "./charts.ts";
 * const df = pl.DataFrame({ bar_start_us: [0, 60_000_000], close: [10, 11] });
 * const chart = lineChart(df, { x: "bar_start_us", y: "close", title: "Close" });
 * const bundle = chart.toMimeBundle();
 * if (!("application/vnd.vegalite.v5+json" in bundle)) throw new Error("no Vega-Lite");
 * if (!chart.svg.includes("<polyline")) throw new Error("no line in the SVG");
 * ```
 */
export function lineChart(df: DataFrame, options: ChartOptions): Chart {
  return _chart(df, options, "line");
}

/**
 * A bar chart (e.g. volume per bar) of one or more columns against a time or number column.
 *
 * @param df The data.
 * @param options Columns, title, size, thinning.
 * @returns A {@linkcode Chart} that displays itself in Jupyter.
 * @throws {RangeError} When a column is missing.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { barChart } from "./charts.ts";
 * const df = pl.DataFrame({ bar_start_us: [0, 60_000_000], volume: [3, 5] });
 * const chart = barChart(df, { x: "bar_start_us", y: "volume" });
 * if ((chart.svg.match(/<rect /g) ?? []).length !== 3) throw new Error("background + 2 bars");
 * ```
 */
export function barChart(df: DataFrame, options: ChartOptions): Chart {
  return _chart(df, options, "bar");
}

/**
 * A scatter chart: one point per row, for one or more y columns against an x column (time or
 * number), e.g. trade size against price, or spread against quote age.
 *
 * @param df The data.
 * @param options Columns, title, size, thinning (`zero` defaults to `false`).
 * @returns A {@linkcode Chart} that displays itself in Jupyter.
 * @throws {RangeError} When a column is missing.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { scatterChart } from "./charts.ts";
 * const df = pl.DataFrame({ px: [10, 10.5, 11], qty: [3, 1, 2] });
 * const chart = scatterChart(df, { x: "px", y: "qty", title: "Size by price" });
 * if ((chart.svg.match(/<circle /g) ?? []).length !== 3) throw new Error("one point per row");
 * ```
 */
export function scatterChart(df: DataFrame, options: ChartOptions): Chart {
  return _chart(df, options, "point");
}

/** Options of {@linkcode candlestickChart}; the column defaults are those of `bars()`. */
export interface CandlestickOptions {
  /**
   * The time column: Datetime or `*_us` microseconds.
   *
   * @default {"bar_time"} else `"bar_start_us"`
   */
  x?: string;
  /**
   * Open price column.
   *
   * @default {"open"}
   */
  open?: string;
  /**
   * High price column.
   *
   * @default {"high"}
   */
  high?: string;
  /**
   * Low price column.
   *
   * @default {"low"}
   */
  low?: string;
  /**
   * Close price column.
   *
   * @default {"close"}
   */
  close?: string;
  /**
   * Chart title.
   *
   * @default {""}
   */
  title?: string;
  /**
   * Plot width in pixels.
   *
   * @default {640}
   */
  width?: number;
  /**
   * Plot height in pixels.
   *
   * @default {240}
   */
  height?: number;
  /**
   * Draw at most this many bars; longer frames are thinned to every n-th bar (the subtitle
   * says so). Build coarser bars instead for a faithful picture.
   *
   * @default {500}
   */
  maxPoints?: number;
}

const _UP = "#54a24b";
const _DOWN = "#e45756";

/**
 * A candlestick (OHLC) chart of bars: a wick from low to high and a body from open to close,
 * green when the close is at or above the open, red otherwise.
 *
 * @param bars OHLC rows, e.g. from `bars(trades, "5m")`.
 * @param options Column names (defaults: `bars()`'s), title, size, thinning.
 * @returns A {@linkcode Chart} that displays itself in Jupyter.
 * @throws {RangeError} When a column is missing.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { candlestickChart } from "./charts.ts";
 * const ohlc = pl.DataFrame({
 *   bar_start_us: [0, 60_000_000],
 *   open: [10, 11], high: [12, 11.5], low: [9.5, 10], close: [11, 10.2],
 * });
 * const chart = candlestickChart(ohlc, { title: "OHLC" });
 * if ((chart.svg.match(/<line /g) ?? []).length !== 2 + 2) throw new Error("axes + 2 wicks");
 * ```
 */
export function candlestickChart(bars: DataFrame, options: CandlestickOptions = {}): Chart {
  _checkOptions("candlestickChart", options, {
    optional: {
      x: ["string"],
      open: ["string"],
      high: ["string"],
      low: ["string"],
      close: ["string"],
      ..._FRAME_OPTIONS,
    },
  });
  const x = options.x ?? (bars.columns.includes("bar_time") ? "bar_time" : "bar_start_us");
  const [open, high, low, close] = [
    options.open ?? "open",
    options.high ?? "high",
    options.low ?? "low",
    options.close ?? "close",
  ];
  const points = _points(bars, x, [open, high, low, close], options.maxPoints ?? 500);
  const [o, hi, lo, c] = points.series.map((s) => s.ys);
  const up = `datum[${JSON.stringify(close)}] >= datum[${JSON.stringify(open)}]`;
  const spec: VegaLiteSpec = {
    ..._specFrame(points, options, x),
    encoding: {
      x: { field: x, type: points.temporal ? "temporal" : "quantitative" },
      y: { type: "quantitative", scale: { zero: false }, title: "price" },
      color: { condition: { test: up, value: _UP }, value: _DOWN },
    },
    layer: [
      { mark: { type: "rule" }, encoding: { y: { field: low }, y2: { field: high } } },
      {
        mark: { type: "bar", tooltip: true },
        encoding: { y: { field: open }, y2: { field: close } },
      },
    ],
  };
  const prices = [...o, ...hi, ...lo, ...c].filter((v): v is number => v !== null);
  const svg = _drawSvg(options, points.xs, prices, points.temporal, false, ({ sx, sy, pw }) => {
    const bodyW = Math.max(1, (pw / Math.max(1, points.xs.length)) * 0.7);
    return points.xs.flatMap((xv, i) => {
      if (!Number.isFinite(xv) || [o[i], hi[i], lo[i], c[i]].some((v) => v === null)) return [];
      const color = c[i]! >= o[i]! ? _UP : _DOWN;
      const cx = sx(xv);
      const top = sy(Math.max(o[i]!, c[i]!));
      return [
        `<line x1="${cx.toFixed(1)}" y1="${sy(hi[i]!).toFixed(1)}" x2="${cx.toFixed(1)}" ` +
        `y2="${sy(lo[i]!).toFixed(1)}" stroke="${color}"/>`,
        `<rect x="${(cx - bodyW / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${
          bodyW.toFixed(1)
        }" height="${Math.max(1, sy(Math.min(o[i]!, c[i]!)) - top).toFixed(1)}" fill="${color}"/>`,
      ];
    });
  }, true);
  return new Chart(
    spec,
    svg,
    `candlestick chart${options.title ? ` "${options.title}"` : ""}: ${open}, ${high}, ${low}, ` +
      `${close} by ${x}, ${points.xs.length} bars`,
  );
}

/**
 * Stack charts vertically into one chart (Vega-Lite `vconcat`, SVGs one under another).
 *
 * @param charts The charts, top first.
 * @returns One {@linkcode Chart}.
 * @throws {RangeError} When no chart is given.
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { barChart, lineChart, stackCharts } from "./charts.ts";
 * const df = pl.DataFrame({ t_us: [0, 60_000_000], close: [10, 11], volume: [3, 5] });
 * const both = stackCharts([
 *   lineChart(df, { x: "t_us", y: "close" }),
 *   barChart(df, { x: "t_us", y: "volume" }),
 * ]);
 * if (!Array.isArray(both.spec.vconcat)) throw new Error("vconcat expected");
 * ```
 */
export function stackCharts(charts: Chart[]): Chart {
  if (charts.length === 0) throw new RangeError("Cannot stack zero charts");
  const vconcat = charts.map((c) => {
    const { $schema: _schema, ...rest } = c.spec;
    return rest;
  });
  let y = 0;
  let width = 0;
  const inner: string[] = [];
  for (const c of charts) {
    const w = Number(/width="(\d+)"/.exec(c.svg)?.[1] ?? 0);
    const h = Number(/height="(\d+)"/.exec(c.svg)?.[1] ?? 0);
    inner.push(`<g transform="translate(0,${y})">${c.svg}</g>`);
    y += h;
    width = Math.max(width, w);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" ` +
    `viewBox="0 0 ${width} ${y}">${inner.join("")}</svg>`;
  return new Chart(
    { $schema: "https://vega.github.io/schema/vega-lite/v5.json", vconcat },
    svg,
    charts.map((c) => c.text).join("\n"),
  );
}
