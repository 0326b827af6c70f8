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
 * - Tardis never quotes fields, so a quoted field spanning lines is not kept together: as for
 *   a whole file, its lines are separate rows, quarantined for their stray quote.
 *
 * @module
 */
import { countLines } from "../domain/csv_lines.ts";

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
  // Blocks of the stream not yet in a part (the first may be the tail of a block).
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let nextLine = 2;
  let emitted = false;
  // The header, then the first `bodyBytes` pending bytes, copied once into one new buffer.
  const part = (bodyBytes: number): CsvLineChunk => {
    const head = header!;
    const bytes = new Uint8Array(head.length + bodyBytes);
    bytes.set(head, 0);
    let at = head.length;
    let used = 0;
    while (at < bytes.length) {
      const block = pending[used];
      const take = Math.min(block.length, bytes.length - at);
      bytes.set(take === block.length ? block : block.subarray(0, take), at);
      at += take;
      if (take === block.length) used++;
      else pending[used] = block.subarray(take);
    }
    pending = pending.slice(used);
    pendingBytes -= bodyBytes;
    const lines = countLines(bytes, head.length);
    const out = { bytes, firstLine: nextLine, lines, dataBytes: bodyBytes };
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
    while (pendingBytes >= target) {
      const cut = _cutAt(pending, target);
      if (cut < 0) break; // one line longer than the target so far: wait for its end
      yield part(cut);
    }
  }
  if (header === undefined) {
    if (pendingBytes === 0) return; // an empty stream
    header = concatBytes(pending, pendingBytes); // a header without a newline, no data
    pending = [];
    pendingBytes = 0;
  }
  if (pendingBytes > 0 || !emitted) yield part(pendingBytes);
}

/**
 * Where to cut `blocks` (holding at least `target` bytes): after the last `\n` within the first
 * `target` bytes, else after the first `\n` past them (a line longer than the target), else
 * -1 (no line end yet).
 */
function _cutAt(blocks: Uint8Array[], target: number): number {
  let i = 0;
  let start = 0; // offset of blocks[i]
  while (start + blocks[i].length < target) start += blocks[i++].length;
  for (let j = i, s = start; j >= 0; j--) {
    const k = blocks[j].lastIndexOf(0x0a, j === i ? target - 1 - s : blocks[j].length - 1);
    if (k >= 0) return s + k + 1;
    if (j > 0) s -= blocks[j - 1].length;
  }
  for (let j = i, s = start; j < blocks.length; s += blocks[j].length, j++) {
    const k = blocks[j].indexOf(0x0a, j === i ? target - s : 0);
    if (k >= 0) return s + k + 1;
  }
  return -1;
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
