/**
 * Charts that render inside Jupyter without network access: each chart is a Vega-Lite v5
 * spec with its data inline (JupyterLab renders the `application/vnd.vegalite.v5+json` MIME
 * type with its bundled renderer) plus a static SVG fallback drawn here, for front-ends
 * without Vega-Lite (classic notebook, nbconvert HTML, GitHub).
 *
 * In a Deno notebook, a chart as the last expression of a cell displays itself.
 *
 * @module
 */
import pl from "nodejs-polars";
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

/** A chart: a Vega-Lite spec and an SVG drawing of the same data. */
export class Chart {
  /** The Vega-Lite v5 spec, data inline. */
  readonly spec: VegaLiteSpec;
  /** The static SVG fallback. */
  readonly svg: string;
  /** A one-line text description (the `text/plain` representation). */
  readonly text: string;

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
   * The Jupyter MIME bundle: Vega-Lite, SVG and plain text.
   *
   * @returns The bundle the Deno kernel displays.
   */
  toMimeBundle(): Record<string, unknown> {
    return {
      "application/vnd.vegalite.v5+json": this.spec,
      "image/svg+xml": this.svg,
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

/** Extract x and y values; microsecond columns become milliseconds for temporal axes. */
function _points(df: pl.DataFrame, options: ChartOptions): _Points {
  const ys = Array.isArray(options.y) ? options.y : [options.y];
  for (const c of [options.x, ...ys]) {
    if (!df.columns.includes(c)) {
      throw new RangeError(
        `Cannot chart column "${c}": the frame has ${df.columns.map((n) => `"${n}"`).join(", ")}`,
      );
    }
  }
  const max = options.maxPoints ?? 5000;
  const step = Math.max(1, Math.ceil(df.height / max));
  const thin = step > 1 ? df.gatherEvery(step) : df;
  const xSeries = thin.getColumn(options.x);
  const isDatetime = String(xSeries.dtype.variant ?? xSeries.dtype).startsWith("Datetime") ||
    String(xSeries.dtype.variant ?? xSeries.dtype) === "Date";
  const isMicros = !isDatetime && /_(us|ts)$/.test(options.x);
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

function _spec(
  points: _Points,
  options: ChartOptions,
  mark: Record<string, unknown>,
  zero: boolean,
): VegaLiteSpec {
  const values = points.xs.map((x, i) => {
    const row: Record<string, number | null> = { [options.x]: x };
    for (const s of points.series) row[s.name] = s.ys[i];
    return row;
  });
  const names = points.series.map((s) => s.name);
  const multi = names.length > 1;
  const subtitle = points.step > 1 ? `every ${points.step}th row shown` : undefined;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    ...(options.title || subtitle
      ? { title: { text: options.title ?? "", ...(subtitle ? { subtitle } : {}) } }
      : {}),
    width: options.width ?? 640,
    height: options.height ?? 240,
    data: { values },
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

/** Draw the SVG: axes with min/mid/max labels, then lines or bars. */
function _svg(points: _Points, options: ChartOptions, kind: "line" | "bar", zero: boolean): string {
  const w = options.width ?? 640;
  const h = options.height ?? 240;
  const left = 64, right = 16, top = options.title ? 28 : 12, bottom = 28;
  const pw = w - left - right, ph = h - top - bottom;
  const finiteX = points.xs.filter(Number.isFinite);
  const allY = points.series.flatMap((s) => s.ys).filter((v): v is number => v !== null);
  let parts: string[] = [];
  if (finiteX.length === 0 || allY.length === 0) {
    parts.push(`<text x="${w / 2}" y="${h / 2}" text-anchor="middle">no data</text>`);
  } else {
    let x0 = Math.min(...finiteX), x1 = Math.max(...finiteX);
    let y0 = Math.min(...allY), y1 = Math.max(...allY);
    if (zero) y0 = Math.min(0, y0), y1 = Math.max(0, y1);
    if (x1 === x0) x0 -= 1, x1 += 1;
    if (y1 === y0) y0 -= 1, y1 += 1;
    const sx = (x: number) => left + ((x - x0) / (x1 - x0)) * pw;
    const sy = (y: number) => top + ph - ((y - y0) / (y1 - y0)) * ph;
    const axis = "#888";
    parts.push(
      `<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="${axis}"/>`,
      `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="${axis}"/>`,
    );
    for (const f of [0, 0.5, 1]) {
      const yv = y0 + f * (y1 - y0), xv = x0 + f * (x1 - x0);
      parts.push(
        `<text x="${left - 4}" y="${sy(yv) + 4}" text-anchor="end">${_fmtNumber(yv)}</text>`,
        `<text x="${sx(xv)}" y="${top + ph + 16}" text-anchor="${
          f === 0 ? "start" : f === 1 ? "end" : "middle"
        }">${_escape(_fmtX(xv, points.temporal, x1 - x0))}</text>`,
      );
    }
    points.series.forEach((s, k) => {
      const color = _PALETTE[k % _PALETTE.length];
      if (kind === "line") {
        const coords = points.xs
          .map((
            x,
            i,
          ) => (Number.isFinite(x) && s.ys[i] !== null
            ? `${sx(x).toFixed(1)},${sy(s.ys[i]!).toFixed(1)}`
            : "")
          )
          .filter((c) => c !== "");
        parts.push(
          `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${
            coords.join(" ")
          }"/>`,
        );
      } else {
        const barW = Math.max(1, (pw / Math.max(1, points.xs.length)) * 0.8);
        const base = sy(Math.max(y0, Math.min(0, y1)));
        points.xs.forEach((x, i) => {
          const y = s.ys[i];
          if (!Number.isFinite(x) || y === null) return;
          const top_ = Math.min(sy(y), base);
          parts.push(
            `<rect x="${(sx(x) - barW / 2).toFixed(1)}" y="${top_.toFixed(1)}" width="${
              barW.toFixed(1)
            }" height="${Math.abs(base - sy(y)).toFixed(1)}" fill="${color}"/>`,
          );
        });
      }
    });
    if (points.series.length > 1) {
      points.series.forEach((s, k) => {
        parts.push(
          `<text x="${left + pw - 4}" y="${top + 12 + 14 * k}" text-anchor="end" fill="${
            _PALETTE[k % _PALETTE.length]
          }">${_escape(s.name)}</text>`,
        );
      });
    }
  }
  if (options.title) {
    parts = [
      `<text x="${left}" y="16" font-weight="bold">${_escape(options.title)}</text>`,
      ...parts,
    ];
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" ` +
    `viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">` +
    `<rect width="${w}" height="${h}" fill="white"/>${parts.join("")}</svg>`;
}

function _chart(
  df: pl.DataFrame,
  options: ChartOptions,
  kind: "line" | "bar",
): Chart {
  _checkOptions(`${kind}Chart`, options, {
    required: { x: ["string"], y: ["string", "array"] },
    optional: {
      title: ["string"],
      width: ["number"],
      height: ["number"],
      maxPoints: ["number"],
      zero: ["boolean"],
    },
  });
  const zero = options.zero ?? kind === "bar";
  const points = _points(df, options);
  const mark = kind === "line" ? { type: "line" } : { type: "bar" };
  const names = points.series.map((s) => s.name).join(", ");
  return new Chart(
    _spec(points, options, mark, zero),
    _svg(points, options, kind, zero),
    `${kind} chart${options.title ? ` "${options.title}"` : ""}: ${names} by ${options.x}, ` +
      `${points.xs.length} points`,
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
