import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  decodeThriftStruct,
  encodeThriftStruct,
  ThriftStruct,
  ThriftType,
} from "../../../src/io/delta/thrift_compact.ts";
import { DELTA_FIXTURES } from "../../_fixtures.ts";

/** The Thrift bytes of a Parquet file's footer. */
function footerBytes(file: Uint8Array): Uint8Array {
  const len = new DataView(file.buffer, file.byteOffset, file.byteLength)
    .getUint32(file.length - 8, true);
  return file.subarray(file.length - 8 - len, file.length - 8);
}

function parquetFiles(dir: string, out: string[] = []): string[] {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) parquetFiles(p, out);
    else if (e.isFile && e.name.endsWith(".parquet")) out.push(p);
  }
  return out.sort();
}

function roundTrip(bytes: Uint8Array): void {
  const { struct, end } = decodeThriftStruct(bytes);
  assert.equal(end, bytes.length);
  assert.deepEqual(encodeThriftStruct(struct), bytes);
}

Deno.test("footers of every fixture Parquet file decode and encode back byte for byte", () => {
  const files = parquetFiles(DELTA_FIXTURES);
  assert.ok(files.length > 1000, `fixtures found: ${files.length}`);
  const writers = new Set<string>();
  let checked = 0;
  for (const f of files) {
    const file = Deno.readFileSync(f);
    if (file.length < 12 || new TextDecoder().decode(file.subarray(-4)) !== "PAR1") continue;
    const footer = footerBytes(file);
    try {
      roundTrip(footer);
    } catch (e) {
      throw new Error(`${f}: ${(e as Error).message}`);
    }
    const createdBy = decodeThriftStruct(footer).struct.get(6);
    if (createdBy instanceof Uint8Array) {
      writers.add(new TextDecoder().decode(createdBy).split(" ")[0]);
    }
    checked++;
  }
  assert.ok(checked > 1000, `footers checked: ${checked}`);
  // footers of several writers (parquet-mr, parquet-rs, parquet-cpp, ...) are covered
  assert.ok(writers.size >= 3, `writers: ${[...writers].join(", ")}`);
});

Deno.test("footers of Polars files of every event-table column type round trip", () => {
  const n = 1000;
  const df = pl.DataFrame({
    i64: Array.from({ length: n }, (_, i) => BigInt(i) * 1_000_000_007n - 5n),
    i32: Array.from({ length: n }, (_, i) => i - 500),
    s: Array.from({ length: n }, (_, i) => i % 7 === 0 ? null : `sym-${i % 13}`),
    b: Array.from({ length: n }, (_, i) => i % 3 === 0),
  }).withColumns(
    pl.col("s").cast(pl.Categorical).alias("cat"),
    pl.col("i64").cast(pl.Datetime("us", "UTC")).alias("ts"),
    pl.concatList([pl.col("i64"), pl.col("i64")]).alias("levels"),
    pl.col("i32").cast(pl.Float64).alias("f"),
  );
  for (const compression of ["zstd", "snappy", "uncompressed"] as const) {
    roundTrip(footerBytes(new Uint8Array(df.writeParquet({ compression }))));
  }
});

Deno.test("every wire type, long field headers and large lists round trip", () => {
  const nested = new ThriftStruct([{ id: 1, type: ThriftType.I16, value: -3 }]);
  const s = new ThriftStruct([
    { id: 1, type: ThriftType.BOOL_TRUE, value: true },
    { id: 2, type: ThriftType.BOOL_TRUE, value: false },
    { id: 3, type: ThriftType.BYTE, value: 200 },
    { id: 4, type: ThriftType.I32, value: -2147483648 },
    { id: 5, type: ThriftType.I64, value: -(2n ** 63n) },
    { id: 6, type: ThriftType.DOUBLE, value: -1.5 },
    { id: 7, type: ThriftType.BINARY, value: new Uint8Array([0, 255]) },
    {
      id: 40, // delta 33: long header
      type: ThriftType.LIST,
      value: { elemType: ThriftType.I64, items: Array.from({ length: 20 }, (_, i) => BigInt(i)) },
    },
    {
      id: 41,
      type: ThriftType.SET,
      value: { elemType: ThriftType.BOOL_TRUE, items: [true, false] },
    },
    {
      id: 42,
      type: ThriftType.MAP,
      value: {
        keyType: ThriftType.BINARY,
        valueType: ThriftType.STRUCT,
        entries: [[new Uint8Array([97]), nested]],
      },
    },
    { id: 43, type: ThriftType.MAP, value: { keyType: 0, valueType: 0, entries: [] } },
    { id: 44, type: ThriftType.I32, value: 1, longHeader: true },
    { id: 45, type: ThriftType.STRUCT, value: nested },
  ]);
  const bytes = encodeThriftStruct(s);
  const back = decodeThriftStruct(bytes).struct;
  assert.deepEqual(back, s);
  assert.deepEqual(encodeThriftStruct(back), bytes);
  assert.equal(back.get(5), -(2n ** 63n)); // i64 stays a bigint
  assert.equal(back.fields.find((f) => f.id === 4)!.type, ThriftType.I32); // i32 stays i32
});

Deno.test("truncated or unknown input fails with a RangeError", () => {
  assert.throws(() => decodeThriftStruct(new Uint8Array([0x15])), /unexpected end of input/);
  assert.throws(() => decodeThriftStruct(new Uint8Array([0x1d, 0x00])), /unknown compact type 13/);
  assert.throws(
    () => encodeThriftStruct(new ThriftStruct([{ id: 1, type: ThriftType.I32, value: 2 ** 31 }])),
    /does not fit 32 bits/,
  );
});
