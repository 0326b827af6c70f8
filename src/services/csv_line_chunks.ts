/**
 * Cutting a CSV byte stream into parts at line boundaries, so a file larger than memory is
 * parsed part by part with the physical line numbers of the whole file.
 *
 * Rules:
 * - The first line is the header; every part is `header line + whole lines`, ready for the
 *   same CSV parser as a whole file.
 * - A part ends at the last `\n` within its first `chunkBytes` bytes; a line is never split
 *   (a single line longer than `chunkBytes` makes a larger part). `\r\n` endings
 *   stay whole, as the cut is after the `\n`.
 * - `firstLine` is the physical line (header = 1) of a part's first line; each part holds
 *   `lines` physical lines (the `\n` count, plus one for a last line without `\n`), so the next
 *   part starts at `firstLine + lines`. A blank line is a line.
 * - A file with a header and no data lines gives one part with no lines (so the header is
 *   still checked); an empty stream gives none.
 * - Limit (as for whole files): Tardis never quotes fields, so a quoted field spanning lines
 *   is not kept together.
 *
 * @module
 */

/** One part of a CSV file. */
export interface CsvLineChunk {
  /** The header line, then the part's lines (a CSV document of its own). */
  bytes: Uint8Array;
  /** Physical line number of the part's first data line (the header is line 1). */
  firstLine: number;
  /** Physical lines in the part (header not counted). */
  lines: number;
  /** Bytes of the part's data lines (header not counted). */
  dataBytes: number;
}

/**
 * Cut a CSV byte stream into parts of about `chunkBytes` bytes at line boundaries.
 *
 * @param stream The decompressed CSV bytes.
 * @param chunkBytes Target bytes of data lines per part (at least 1).
 * @yields Parts in file order, each a CSV document starting with the header line.
 * @example
 * ```ts
 * import { csvLineChunks } from "./csv_line_chunks.ts";
 * const text = "a,b\r\n1,2\r\n3,4\r\n\r\n5,6";
 * const stream = new Blob([text]).stream();
 * const parts = [];
 * for await (const part of csvLineChunks(stream, 4)) parts.push(part);
 * const decoded = parts.map((p) => new TextDecoder().decode(p.bytes));
 * // One line per part (each longer than 4 bytes); the blank line is a line of its own.
 * if (decoded[1] !== "a,b\r\n3,4\r\n" || parts[1].firstLine !== 3) throw new Error(decoded[1]);
 * if (parts[2].lines !== 1 || parts.at(-1)!.firstLine !== 5) throw new Error("blank line");
 * ```
 */
export async function* csvLineChunks(
  stream: AsyncIterable<Uint8Array>,
  chunkBytes: number,
): AsyncGenerator<CsvLineChunk> {
  const target = Math.max(1, Math.floor(chunkBytes));
  let header: Uint8Array | undefined;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let nextLine = 2;
  let emitted = false;
  const part = (body: Uint8Array): CsvLineChunk => {
    const bytes = new Uint8Array(header!.length + body.length);
    bytes.set(header!, 0);
    bytes.set(body, header!.length);
    const lines = _countLines(body);
    const out = { bytes, firstLine: nextLine, lines, dataBytes: body.length };
    nextLine += lines;
    emitted = true;
    return out;
  };
  for await (const piece of stream) {
    if (piece.length === 0) continue;
    pending.push(piece);
    pendingBytes += piece.length;
    if (header === undefined) {
      const all = concatBytes(pending, pendingBytes);
      const end = all.indexOf(0x0a);
      if (end < 0) {
        pending = [all];
        continue;
      }
      header = all.slice(0, end + 1);
      pending = [all.subarray(end + 1)];
      pendingBytes = all.length - end - 1;
    }
    if (pendingBytes < target) continue;
    const all = concatBytes(pending, pendingBytes);
    let at = 0;
    while (all.length - at >= target) {
      // The last line end within the target, else the first after it (a line longer than it).
      let cut = all.lastIndexOf(0x0a, at + target - 1) + 1;
      if (cut <= at) cut = all.indexOf(0x0a, at + target) + 1;
      if (cut <= at) break; // one line longer than the target so far: wait for its end
      yield part(all.subarray(at, cut));
      at = cut;
    }
    const rest = at === 0 ? all : all.slice(at); // a copy, so the parts' buffer can be freed
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
  }
  if (header === undefined) {
    if (pendingBytes === 0) return; // an empty stream
    header = concatBytes(pending, pendingBytes); // a header without a newline, no data
    pending = [];
    pendingBytes = 0;
  }
  if (pendingBytes > 0 || !emitted) yield part(concatBytes(pending, pendingBytes));
}

/** Physical lines in a run of whole lines: `\n` count, plus one for an unterminated last line. */
function _countLines(body: Uint8Array): number {
  if (body.length === 0) return 0;
  let n = 0;
  for (let i = body.indexOf(0x0a); i >= 0; i = body.indexOf(0x0a, i + 1)) n++;
  return body[body.length - 1] === 0x0a ? n : n + 1;
}

/**
 * The bytes of `parts` in one buffer (the part itself when there is one).
 *
 * @param parts Byte blocks, in order.
 * @param total Their total length.
 * @returns One buffer.
 * @example
 * ```ts
 * import { concatBytes } from "./csv_line_chunks.ts";
 * const out = concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])], 3);
 * if (out.join() !== "1,2,3") throw new Error(out.join());
 * ```
 */
export function concatBytes(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
