/**
 * Writing a large gzipped Tardis-format file (millions of rows) in bounded memory, for
 * benchmarks and memory tests of the streaming ingest.
 *
 * Rows are generated block by block with {@linkcode sampleTardisCsv}'s `range` (so the file is
 * the same rows for the same options, and every `local_timestamp` lies inside the day, in
 * order), and each block goes through a streamed gzip to the file: memory stays at one block
 * however many rows are written.
 *
 * @module
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { createGzip } from "node:zlib";
import { type SampleCsvOptions, type SampleDataType, sampleTardisCsv } from "./sample_bronze.ts";

/** Options of {@linkcode writeLargeTardisFile}. */
export interface LargeTardisFileOptions extends Omit<SampleCsvOptions, "range"> {
  /** Rows per generated block. @default {200000} */
  blockRows?: number;
  /** gzip level (1 fast ... 9 small). @default {1} */
  level?: number;
}

/** What {@linkcode writeLargeTardisFile} wrote. */
export interface LargeTardisFile {
  /** Data rows written. */
  rows: number;
  /** Bytes of CSV (before gzip). */
  csvBytes: number;
  /** Bytes of the gzipped file. */
  gzBytes: number;
}

/**
 * Write a gzipped Tardis CSV file of `options.rows` rows to `path`, block by block.
 *
 * @param path Where to write the `.csv.gz` file (its folder must exist).
 * @param dataType Which Tardis data type.
 * @param options Exchange, symbol, day, rows and grids (as {@linkcode sampleTardisCsv}), block
 * size and gzip level.
 * @returns Rows and sizes written.
 * @example
 * ```ts
 * import { gunzipSync } from "node:zlib";
 * import { writeLargeTardisFile } from "./large_tardis_file.ts";
 * const dir = await Deno.makeTempDir();
 * const out = await writeLargeTardisFile(`${dir}/t.csv.gz`, "trades", {
 *   exchange: "deribit", symbol: "BTC-PERPETUAL", date: "2024-07-30", rows: 5, blockRows: 2,
 * });
 * const text = new TextDecoder().decode(gunzipSync(await Deno.readFile(`${dir}/t.csv.gz`)));
 * await Deno.remove(dir, { recursive: true });
 * if (text.split("\n").length !== 7 || out.csvBytes !== text.length) throw new Error(text);
 * ```
 */
export async function writeLargeTardisFile(
  path: string,
  dataType: SampleDataType,
  options: LargeTardisFileOptions,
): Promise<LargeTardisFile> {
  const rows = options.rows ?? 400;
  const block = Math.max(1, options.blockRows ?? 200_000);
  const gzip = createGzip({ level: options.level ?? 1 });
  const file = createWriteStream(path);
  gzip.pipe(file);
  const closed = once(file, "close");
  let csvBytes = 0;
  const encoder = new TextEncoder();
  for (let from = 0; from < rows; from += block) {
    const text = sampleTardisCsv(dataType, {
      ...options,
      rows,
      range: { from, to: Math.min(rows, from + block) },
    });
    const bytes = encoder.encode(text);
    csvBytes += bytes.length;
    if (!gzip.write(bytes)) await once(gzip, "drain");
  }
  gzip.end();
  await closed;
  return { rows, csvBytes, gzBytes: (await Deno.stat(path)).size };
}
