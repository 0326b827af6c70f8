/**
 * Rasterize an SVG to PNG in process, with no network and no system fonts: resvg (the
 * `@resvg/resvg-js` npm package, a native build per platform) draws it, and text uses the DejaVu
 * Sans fonts of the `dejavu-fonts-ttf` npm package, so a PNG looks the same on every machine
 * (system fonts are never loaded; without a font file resvg would silently draw no text).
 *
 * Charts use it for their `image/png` rendering, the one every notebook front-end and
 * `nbconvert` export keeps.
 *
 * @module
 */
import { Resvg } from "@resvg/resvg-js";
import { fileURLToPath } from "node:url";

/** The font family every `sans-serif` (and unnamed) text is drawn with. */
export const PNG_FONT_FAMILY = "DejaVu Sans";

let _fontFiles: string[] | undefined;

/** The font files, resolved once from the npm package. */
function _fonts(): string[] {
  _fontFiles ??= ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((name) =>
    fileURLToPath(import.meta.resolve(`dejavu-fonts-ttf/ttf/${name}`))
  );
  return _fontFiles;
}

/** Options of {@linkcode svgToPng}. */
export interface SvgToPngOptions {
  /**
   * Scale factor: 2 draws twice as many pixels per side (for high-density screens).
   *
   * @default {1}
   */
  scale?: number;
}

/** A rasterized image: PNG bytes and the pixel size. */
export interface PngImage {
  /** The PNG file bytes. */
  png: Uint8Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/**
 * Rasterize an SVG document to PNG.
 *
 * @param svg SVG markup with a width and height.
 * @param options Scale.
 * @returns The PNG bytes and size.
 * @throws {RangeError} When the scale is not a positive number.
 * @throws {Error} When resvg cannot parse the SVG.
 * @example
 * ```ts
 * import { svgToPng } from "./svg_to_png.ts";
 * const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">' +
 *   '<text x="2" y="14" font-family="sans-serif">Hi</text></svg>';
 * const { png, width } = svgToPng(svg);
 * if (width !== 40 || png[1] !== 0x50) throw new Error("not a 40 px PNG");
 * ```
 */
export function svgToPng(svg: string, options: SvgToPngOptions = {}): PngImage {
  const scale = options.scale ?? 1;
  if (!(typeof scale === "number" && scale > 0 && Number.isFinite(scale))) {
    throw new RangeError(`Invalid scale ${scale}: expected a positive number`);
  }
  const image = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: _fonts(),
      defaultFontFamily: PNG_FONT_FAMILY,
      sansSerifFamily: PNG_FONT_FAMILY,
    },
    fitTo: { mode: "zoom", value: scale },
    background: "white",
  }).render();
  return { png: new Uint8Array(image.asPng()), width: image.width, height: image.height };
}
