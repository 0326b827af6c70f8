import assert from "node:assert/strict";
import { type CsvLineChunk, csvLineChunks } from "../../src/services/csv_line_chunks.ts";

/** A deterministic pseudo-random generator (so a failure is reproducible). */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** `bytes` as a stream of blocks of the sizes `size()` picks (at least one byte each). */
async function* blocksOf(bytes: Uint8Array, size: () => number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length;) {
    const n = Math.max(1, size());
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

async function partsOf(stream: AsyncIterable<Uint8Array>, target: number) {
  const parts: CsvLineChunk[] = [];
  for await (const p of csvLineChunks(stream, target)) parts.push(p);
  return parts;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("csv parts do not depend on how the stream is cut into blocks", async () => {
  const rnd = random(7);
  const pieces = ["a", "b1", ",", "\n", "\r\n", "\n\n", "xyzxyzxyz"];
  let checked = 0;
  for (let trial = 0; trial < 600; trial++) {
    let csv = trial % 10 === 0 ? "" : "h1,h2\n";
    const len = Math.floor(rnd() * 120);
    for (let i = 0; i < len; i++) csv += pieces[Math.floor(rnd() * pieces.length)];
    if (trial % 9 === 0) csv = csv.replaceAll("\n", ""); // a header without a newline
    const bytes = new TextEncoder().encode(csv);
    const target = 1 + Math.floor(rnd() * 24);
    const whole = await partsOf(blocksOf(bytes, () => bytes.length), target);
    const max = 1 + Math.floor(rnd() * 9);
    const split = await partsOf(blocksOf(bytes, () => Math.floor(rnd() * max)), target);
    const view = (ps: CsvLineChunk[]) =>
      ps.map((p) => [text(p.bytes), p.firstLine, p.lines, p.dataBytes]);
    assert.deepEqual(view(split), view(whole), JSON.stringify({ csv, target }));
    if (whole.length === 0) {
      assert.equal(csv, "");
      continue;
    }
    // Each part is the header and whole lines; together they are the file, lines numbered on.
    const headerEnd = csv.indexOf("\n");
    const header = headerEnd < 0 ? csv : csv.slice(0, headerEnd + 1);
    let body = "";
    let line = 2;
    for (const [i, p] of whole.entries()) {
      const t = text(p.bytes);
      assert.ok(t.startsWith(header));
      const data = t.slice(header.length);
      assert.equal(p.firstLine, line);
      assert.equal(p.dataBytes, new TextEncoder().encode(data).length);
      const newlines = data.split("\n").length - 1;
      assert.equal(p.lines, data === "" ? 0 : newlines + (data.endsWith("\n") ? 0 : 1));
      if (i < whole.length - 1) {
        assert.ok(data.endsWith("\n"), `part ${i} ends inside a line: ${JSON.stringify(t)}`);
        // Within the target, unless it is a single line longer than it.
        assert.ok(data.length <= target || newlines === 1, JSON.stringify({ data, target }));
      }
      body += data;
      line += p.lines;
      checked++;
    }
    assert.equal(header + body, csv);
  }
  assert.ok(checked > 1000, `${checked} parts checked`);
});

Deno.test("csv parts count lines across word boundaries of large parts", async () => {
  // Lines of every length 1..40, so line ends fall at every byte of a 4-byte word.
  let csv = "h\n";
  for (let n = 1; n <= 40; n++) csv += "x".repeat(n - 1) + "\n";
  csv += "tail";
  const bytes = new TextEncoder().encode(csv);
  for (const target of [1, 3, 64, 200, 10_000]) {
    const parts = await partsOf(blocksOf(bytes, () => 5), target);
    assert.equal(parts.reduce((n, p) => n + p.lines, 0), 41, `target ${target}`);
    assert.equal(parts.at(-1)!.firstLine + parts.at(-1)!.lines, 43);
  }
});
