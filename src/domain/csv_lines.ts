/**
 * Counting the physical lines of CSV bytes: the `\n` count, plus one for an unterminated last
 * line. A blank line is a line; a `\r\n` ending is one line. Both the CSV parser (to see that
 * quotes joined lines) and the streaming cutter (to number the lines of each part) count this
 * way, so their line numbers agree.
 *
 * @module
 */

/**
 * Physical lines in `bytes` from `from` on (whole lines): the `\n` count, plus one for an
 * unterminated last line. Counted four bytes at a time (a word's zero bytes after XOR with
 * `\n\n\n\n`), about twice as fast as `indexOf` from line to line.
 *
 * @param bytes CSV bytes.
 * @param from Offset of the first line to count (e.g. just after the header's `\n`).
 * @returns The number of lines from `from` to the end; 0 when nothing is left.
 * @example
 * ```ts
 * import { countLines } from "./csv_lines.ts";
 * const csv = new TextEncoder().encode("a,b\n1,2\n\n3,4");
 * if (countLines(csv, 4) !== 3) throw new Error("two rows and a blank line");
 * ```
 */
export function countLines(bytes: Uint8Array, from: number): number {
  if (bytes.length <= from) return 0;
  let n = 0;
  let i = from;
  for (; i < bytes.length && (bytes.byteOffset + i) % 4 !== 0; i++) if (bytes[i] === 0x0a) n++;
  const words = i < bytes.length
    ? new Uint32Array(bytes.buffer, bytes.byteOffset + i, (bytes.length - i) >>> 2)
    : new Uint32Array(0);
  for (let w = 0; w < words.length; w++) {
    const x = words[w] ^ 0x0a0a0a0a;
    // The high bit of each byte of `zero` is set exactly where that byte of x is zero.
    const zero = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
    if (zero !== 0) n += (((zero >>> 7) * 0x01010101) >>> 24) & 0xff;
  }
  for (i += words.length * 4; i < bytes.length; i++) if (bytes[i] === 0x0a) n++;
  return bytes[bytes.length - 1] === 0x0a ? n : n + 1;
}
