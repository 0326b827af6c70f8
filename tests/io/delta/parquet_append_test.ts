import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import pl from "nodejs-polars";
import {
  appendParquetFiles,
  ParquetAppender,
  ParquetAppendError,
  readParquetFooter,
} from "../../../src/io/delta/parquet_append.ts";
import {
  decodeThriftStruct,
  type ThriftList,
  type ThriftStruct,
} from "../../../src/io/delta/thrift_compact.ts";
import { DELTA_FIXTURES } from "../../_fixtures.ts";
import { runPythonJson } from "../../_python_peer.ts";
import { eventLikeFrame } from "./_event_like_frame.ts";

function encode(df: pl.DataFrame): Uint8Array {
  const b = df.writeParquet({ compression: "zstd" });
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function rowGroups(file: Uint8Array): ThriftStruct[] {
  return (readParquetFooter(file).meta.get(4) as ThriftList).items as ThriftStruct[];
}

Deno.test("appended files read back as the concatenated frames, every column type", () => {
  // the middle input is written from two chunks (as a flush of two parts is)
  const chunked = pl.concat([eventLikeFrame(1000, 3000), eventLikeFrame(4000, 2000)], {
    how: "vertical",
    rechunk: false,
  });
  const frames = [eventLikeFrame(0, 1000), chunked, eventLikeFrame(7, 3)];
  const inputs = frames.map(encode);
  const out = appendParquetFiles(inputs);
  const back = pl.readParquet(Buffer.from(out));
  const want = pl.concat(frames);
  assert.deepEqual(back.schema, want.schema);
  assert.ok(back.frameEqual(want, true));
  // every input's row groups, renumbered; num_rows summed
  const n = inputs.reduce((k, f) => k + rowGroups(f).length, 0);
  const groups = rowGroups(out);
  assert.equal(groups.length, n);
  assert.deepEqual(groups.map((g) => g.get(7)), groups.map((_, i) => i));
  assert.equal(readParquetFooter(out).meta.get(3), BigInt(want.height));
  assertPageIndexes(out, inputs);
});

Deno.test("Polars scans an appended file with a predicate to the same rows", async () => {
  const frames = [eventLikeFrame(0, 40_000), eventLikeFrame(40_000, 50_000), eventLikeFrame(9, 5)];
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/grown.parquet`;
    await Deno.writeFile(path, appendParquetFiles(frames.map(encode)));
    const want = pl.concat(frames);
    for (
      const [lo, hi] of [
        [70_000, 110_000],
        [300_000_000, 300_100_000],
        [356_355_000, 357_000_000],
        [0, 10],
      ]
    ) {
      const keep = pl.col("symbol_id").gtEq(lo).and(pl.col("symbol_id").lt(hi));
      const got = pl.scanParquet(path).filter(keep).collectSync();
      assert.ok(got.frameEqual(want.filter(keep), true), `symbol_id in [${lo}, ${hi})`);
      assert.ok(got.height > 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Every column chunk of `out` has page indexes: its column index is the input's, byte for byte,
 * and every page location of its offset index points at a page header whose page spans exactly
 * the location's size, the first at the chunk's first data page.
 */
function assertPageIndexes(out: Uint8Array, inputs: Uint8Array[]): void {
  const columnIndexes = (file: Uint8Array) =>
    rowGroups(file).flatMap((g) =>
      ((g.get(1) as ThriftList).items as ThriftStruct[]).map((cc) => {
        const at = Number(cc.get(6));
        return file.subarray(at, at + Number(cc.get(7))).join();
      })
    );
  assert.deepEqual(columnIndexes(out), inputs.flatMap(columnIndexes));
  let pages = 0;
  for (const g of rowGroups(out)) {
    for (const cc of (g.get(1) as ThriftList).items as ThriftStruct[]) {
      const at = Number(cc.get(4));
      const { struct: index, end } = decodeThriftStruct(out, at);
      assert.equal(end - at, cc.get(5));
      const locations = (index.get(1) as ThriftList).items as ThriftStruct[];
      assert.equal(locations[0].get(1), (cc.get(3) as ThriftStruct).get(9));
      for (const loc of locations) {
        const offset = Number(loc.get(1));
        const header = decodeThriftStruct(out, offset);
        assert.equal(header.end - offset + Number(header.struct.get(3)), loc.get(2));
        pages++;
      }
    }
  }
  assert.ok(pages > 0);
}

Deno.test("the streaming appender emits views of its inputs and a footer that ends the file", () => {
  const a = encode(eventLikeFrame(0, 10)), b = encode(eventLikeFrame(10, 20));
  const app = new ParquetAppender();
  const first = app.append(a);
  assert.equal(new TextDecoder().decode(first[0]), "PAR1");
  assert.equal(first[1].buffer, a.buffer); // a view, not a copy
  const second = app.append(b);
  assert.equal(second.length, 1);
  assert.equal(app.numRows, 30);
  const footer = app.finish();
  assert.equal(new TextDecoder().decode(footer.subarray(-4)), "PAR1");
  assert.equal(app.bytesEmitted, [...first, ...second, footer].reduce((n, p) => n + p.length, 0));
  assert.throws(() => app.append(a), ParquetAppendError);
  assert.throws(() => app.finish(), ParquetAppendError);
});

Deno.test("inputs of another schema, or not Parquet, are refused with a typed error", () => {
  const app = new ParquetAppender();
  app.append(encode(pl.DataFrame({ x: [1, 2] })));
  assert.throws(
    () => app.append(encode(pl.DataFrame({ x: ["a"] }))),
    (e: Error) => e instanceof ParquetAppendError && /another schema/.test(e.message),
  );
  assert.throws(
    () => app.append(encode(pl.DataFrame({ y: [1] }))),
    ParquetAppendError,
  );
  assert.throws(
    () => app.append(new TextEncoder().encode("not a parquet file at all")),
    /not a complete Parquet file \(no PAR1 magic at the end\)/,
  );
  assert.throws(() => new ParquetAppender().finish(), /nothing was appended/);
  // a refused input emits nothing: the file still reads as the first input
  const ok = app.finish();
  assert.ok(ok.length > 8);
});

Deno.test("pyarrow and DuckDB read an appended file: rows, row groups and offsets", async () => {
  const frames = [eventLikeFrame(0, 5000), eventLikeFrame(5000, 7000), eventLikeFrame(9, 1)];
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/grown.parquet`;
    await Deno.writeFile(path, appendParquetFiles(frames.map(encode)));
    const got = await runPythonJson({
      code: `
import json, sys, duckdb, pyarrow.parquet as pq
f = pq.ParquetFile(sys.argv[1])
md = f.metadata
t = f.read()
offsets_ok = all(
    md.row_group(i).column(j).data_page_offset >= 4 and
    md.row_group(i).column(j).data_page_offset < md.row_group(i).column(j).data_page_offset + md.row_group(i).column(j).total_compressed_size
    for i in range(md.num_row_groups) for j in range(md.num_columns))
indexed = all(md.row_group(i).column(j).has_offset_index and md.row_group(i).column(j).has_column_index
    for i in range(md.num_row_groups) for j in range(md.num_columns))
d = duckdb.sql(f"select count(*), sum(symbol_id)::varchar, count(side), sum(price), sum(len(levels)) from read_parquet('{sys.argv[1]}') where symbol_id > 0").fetchone()
print(json.dumps({"rows": t.num_rows, "groups": md.num_row_groups, "ok": offsets_ok, "indexed": indexed,
  "duck": [d[0], d[1], d[2], int(d[3]), int(d[4])],
  "ids": [str(v) for v in t.column("symbol_id").to_pylist()[::4000]]}))
`,
      args: [path],
    }) as Record<string, unknown>;
    const want = pl.concat(frames);
    assert.equal(got.rows, want.height);
    assert.equal(got.groups, 3);
    assert.equal(got.ok, true);
    assert.equal(got.indexed, true);
    const sums = want.select(
      pl.col("symbol_id").sum().cast(pl.Utf8),
      pl.col("side").count(),
      pl.col("price").cast(pl.Int64).sum(),
      pl.col("levels").lst.lengths().sum(),
    ).row(0);
    assert.deepEqual(got.duck, [want.height, sums[0], sums[1], Number(sums[2]), Number(sums[3])]);
    const ids = want.getColumn("symbol_id").cast(pl.Utf8).toArray() as string[];
    assert.deepEqual(got.ids, ids.filter((_, i) => i % 4000 === 0));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fixture files of other writers append to themselves, read back by pyarrow", async () => {
  // one file per writer and layout: parquet-mr (Spark), parquet-rs (delta-rs, kernel), ...
  const seen = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.name.endsWith(".parquet") && !p.includes("_delta_log")) {
        const file = Deno.readFileSync(p);
        let key: string;
        try {
          const { meta } = readParquetFooter(file);
          const by = new TextDecoder().decode(meta.get(6) as Uint8Array ?? new Uint8Array());
          const groups = rowGroups(file);
          const cc = groups.length > 0 ? (groups[0].get(1) as ThriftList).items[0] : undefined;
          const indexed = (cc as ThriftStruct | undefined)?.get(4) !== undefined;
          key = `${by.split(" ").slice(0, 3).join(" ")}|${indexed}|${groups.length > 1}`;
        } catch {
          continue;
        }
        if (!seen.has(key)) seen.set(key, p);
      }
    }
  };
  walk(DELTA_FIXTURES);
  assert.ok(seen.size >= 5, [...seen.keys()].join("; "));
  const dir = await Deno.makeTempDir();
  try {
    const pairs: string[] = [];
    let n = 0;
    for (const src of seen.values()) {
      const bytes = Deno.readFileSync(src);
      const out = `${dir}/${n++}.parquet`;
      await Deno.writeFile(out, appendParquetFiles([bytes, bytes]));
      pairs.push(src, out);
    }
    const got = await runPythonJson({
      code: `
import json, sys, pyarrow as pa, pyarrow.parquet as pq
args = sys.argv[1:]
bad = []
for src, out in zip(args[0::2], args[1::2]):
    t = pq.read_table(src)
    if not pq.read_table(out).equals(pa.concat_tables([t, t])):
        bad.append(src)
print(json.dumps(bad))
`,
      args: pairs,
    });
    assert.deepEqual(got, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
