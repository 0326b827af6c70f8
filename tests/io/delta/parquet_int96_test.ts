import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  decodeInt96Columns,
  footerBlockLength,
  int96Layout,
} from "../../../src/io/delta/parquet_int96.ts";
import { readDelta } from "../../../src/io/delta/read_delta.ts";
import { DELTA_FIXTURES } from "../../_fixtures.ts";

const EDGE = `${DELTA_FIXTURES}/delta-rs/table_with_edge_timestamps`;

function parquetFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.isDirectory && !e.name.startsWith("_") && e.name !== "expected") walk(`${d}/${e.name}`);
      else if (e.isFile && e.name.endsWith(".parquet")) out.push(`${d}/${e.name}`);
    }
  };
  walk(dir);
  return out.sort();
}

Deno.test("INT96 timestamps beyond 2262 decode exactly at microseconds", () => {
  const values: bigint[] = [];
  for (const f of parquetFiles(EDGE)) {
    const bytes = Deno.readFileSync(f);
    const layout = int96Layout(bytes);
    assert.ok(layout, `${f} has INT96 columns`);
    assert.deepEqual(layout.columns, ["BIG_DATE", "NORMAL_DATE"]);
    values.push(decodeInt96Columns(bytes, layout).get("BIG_DATE")![0]!);
  }
  // 9999-12-30 and 9999-12-31 at midnight UTC
  assert.deepEqual(values.sort(), [253402128000000000n, 253402214400000000n]);
});

Deno.test("the footer alone is enough to find INT96 columns", () => {
  const [f] = parquetFiles(EDGE);
  const bytes = Deno.readFileSync(f);
  const need = footerBlockLength(bytes.subarray(bytes.length - 8));
  const tail = bytes.subarray(bytes.length - need);
  assert.deepEqual(int96Layout(tail)?.columns, int96Layout(bytes)?.columns);
});

Deno.test("INT96 decoding agrees with Polars inside Polars' range (Spark golden tables)", () => {
  let checked = 0;
  for (const dir of ["kernel-rs-golden", "delta-golden"]) {
    for (const f of parquetFiles(`${DELTA_FIXTURES}/${dir}`)) {
      const bytes = Deno.readFileSync(f);
      const layout = int96Layout(bytes);
      if (!layout) continue;
      const df = pl.readParquet(f);
      for (const [name, values] of decodeInt96Columns(bytes, layout)) {
        const ns = df.getColumn(name).cast(pl.Int64).toArray() as (number | bigint | null)[];
        assert.equal(values.length, ns.length, `${f} ${name}`);
        values.forEach((v, i) => {
          const ref = ns[i] === null ? null : BigInt(ns[i]!);
          if (v === null || ref === null) assert.equal(v, ref, `${f} ${name} row ${i}`);
          else {
            // Polars' ns value goes through a JS number: allow its rounding
            const diff = v - ref / 1000n;
            assert.ok(diff >= -2n && diff <= 2n, `${f} ${name} row ${i}: ${v} vs ${ref}`);
          }
        });
        checked++;
      }
    }
  }
  assert.ok(checked >= 10, `only ${checked} INT96 columns found`);
});

Deno.test("files without INT96 columns have no layout", () => {
  const bytes = new Uint8Array(pl.DataFrame({ x: [1], t: [new Date(0)] }).writeParquet());
  assert.equal(int96Layout(bytes), undefined);
});

Deno.test("readDelta returns the exact far-future INT96 values", async () => {
  const df = await readDelta(EDGE, { columns: ["BIG_DATE"] });
  const us = df.getColumn("BIG_DATE").cast(pl.Int64).toArray().map(String).sort();
  assert.deepEqual(us, ["253402128000000000", "253402214400000000"]);
});
