/**
 * Delta on S3 benchmarks (issue 11), against a local `moto_server` started here. Every group
 * has an in-run baseline, so `deno bench` prints ratios; the Python peer's figure is printed
 * with `console.log` at the end.
 *
 * 1. `s3-read-2M`: `readDelta` of a 2,000,000-row, 20-file table on S3 vs `pl.scanParquet` of
 *    the same `s3://` files directly (a glob, same cloud options; target: <= 1.15).
 * 2. `s3-write-2M`: `writeDelta` of the 2,000,000-row frame to a new S3 table vs
 *    `writeParquet` of the frame to a buffer plus one `put` of it (the IO floor), and Python
 *    `deltalake.write_deltalake` of the same frame to the same server, printed as
 *    pointline / delta-rs (goal <= 1.0; its timer excludes interpreter start-up and imports)
 *    with the same codec on both sides (zstd, pointline's default) and with each side's default
 *    (delta-rs writes snappy); the codec found in delta-rs's files is printed.
 *
 * @module
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { readDelta } from "../src/io/delta/read_delta.ts";
import { storageForUri } from "../src/io/delta/storage_for_uri.ts";
import { writeDelta } from "../src/io/delta/write_delta.ts";
import { startMoto } from "../tests/_moto.ts";
import { loadAverage, mean, timed, timings } from "./_timings.ts";
import { benchTradesFrame } from "./_trades_frame.ts";

const moto = await startMoto();
const storageOptions = moto.storageOptions();
const bucket = await moto.createBucket();
const tmp = await Deno.makeTempDir({ prefix: "pointline_s3_bench_" });

const N = 2_000_000;
const FILES = 20;
const frame = benchTradesFrame(N);

// ---- the 20-file table ------------------------------------------------------------------
const table = `s3://${bucket}/read_table`;
for (let f = 0; f < FILES; f++) {
  const part = frame.slice((f * N) / FILES, N / FILES);
  await writeDelta(table, part, { mode: f === 0 ? "error" : "append", storageOptions });
}
const cloudOptions = storageForUri(table, { storageOptions }).polarsSource!("x").cloudOptions!;

Deno.bench({
  name: "pl.scanParquet of the s3:// files (baseline)",
  group: "s3-read-2M",
  baseline: true,
  n: 8,
  warmup: 2,
  fn: timed("scanParquet", async () => {
    await pl.scanParquet(`${table}/*.parquet`, { cloudOptions }).collect();
  }),
});

Deno.bench({
  name: "readDelta of the s3:// table",
  group: "s3-read-2M",
  n: 8,
  warmup: 2,
  fn: timed("readDelta", async () => {
    const df = await readDelta(table, { storageOptions });
    if (df.height !== N) throw new Error(`read ${df.height} rows`);
  }),
});

// ---- writes -----------------------------------------------------------------------------
let run = 0;
const floor = storageForUri(`s3://${bucket}/floor`, { storageOptions });

Deno.bench({
  name: "writeParquet to a buffer + one put (baseline)",
  group: "s3-write-2M",
  baseline: true,
  n: 4,
  warmup: 1,
  fn: timed("floor", async () => {
    const buf = frame.writeParquet({ compression: "zstd" });
    await floor.put(`f${run++}.parquet`, new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
  }),
});

Deno.bench({
  name: "writeDelta to a new s3:// table",
  group: "s3-write-2M",
  n: 4,
  warmup: 1,
  fn: timed("writeDelta", async () => {
    await writeDelta(`s3://${bucket}/write_${run++}`, frame, { storageOptions });
  }),
});

const PEER_SCRIPT = `
import json, os, sys, time
import polars as pl
import pyarrow.parquet as pq
import pyarrow.fs as pafs
from deltalake import DeltaTable, WriterProperties, write_deltalake
src, bucket = sys.argv[1], sys.argv[2]
opts = {k: os.environ[k] for k in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
        "AWS_ENDPOINT_URL", "AWS_ALLOW_HTTP"]}
opts["conditional_put"] = "etag"
t = pl.read_parquet(src).to_arrow()
fs = pafs.S3FileSystem(access_key=opts["AWS_ACCESS_KEY_ID"], secret_key=opts["AWS_SECRET_ACCESS_KEY"],
                       region=opts["AWS_REGION"],
                       endpoint_override=opts["AWS_ENDPOINT_URL"].split("://")[-1], scheme="http")
out = {}
for codec, props in [("snappy", None), ("zstd", WriterProperties(compression="ZSTD"))]:
    times = []
    for i in range(3):
        uri = f"s3://{bucket}/rs_{codec}_{i}"
        t0 = time.perf_counter()
        write_deltalake(uri, t, storage_options=opts, writer_properties=props)
        times.append(time.perf_counter() - t0)
    first = DeltaTable(uri, storage_options=opts).file_uris()[0].removeprefix("s3://")
    found = pq.ParquetFile(first, filesystem=fs).metadata.row_group(0).column(0).compression
    out[codec] = {"write_s": sum(times) / len(times), "found": found.lower()}
print(json.dumps(out))
`;

globalThis.addEventListener("unload", () => {
  const r = mean(timings.readDelta), s = mean(timings.scanParquet);
  console.log(
    `\n[s3_bench] s3-read-2M: readDelta / scanParquet of the s3:// files = ${
      (r / s).toFixed(3)
    } (readDelta ${r.toFixed(0)} ms, scanParquet ${s.toFixed(0)} ms; target <= 1.15)`,
  );
  const w = mean(timings.writeDelta), f = mean(timings.floor);
  console.log(
    `[s3_bench] s3-write-2M: writeDelta / (writeParquet + put) = ${
      (w / f).toFixed(3)
    } (both zstd; load average ${loadAverage()})`,
  );
  const src = join(tmp, "frame.parquet");
  frame.writeParquet(src);
  const res = new Deno.Command("python3", {
    args: ["-c", PEER_SCRIPT, src, bucket],
    env: storageOptions,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (!res.success) {
    console.log(`[s3_bench] Python peer failed: ${new TextDecoder().decode(res.stderr)}`);
  } else {
    const rs = JSON.parse(new TextDecoder().decode(res.stdout));
    for (const [codec, what] of [["zstd", "zstd on both sides"], ["snappy", "default codecs"]]) {
      const peer = rs[codec];
      const goal = codec === "zstd" ? "; goal <= 1.0" : "";
      console.log(
        `[s3_bench] s3-write-2M vs delta-rs write_deltalake, ${what} (pointline zstd, delta-rs ${peer.found}): pointline / delta-rs = ${
          (w / (peer.write_s * 1000)).toFixed(3)
        } (pointline ${w.toFixed(0)} ms, delta-rs ${(peer.write_s * 1000).toFixed(0)} ms${goal})`,
      );
    }
  }
  void moto.stop(); // sends SIGTERM at once; the process is exiting
  try {
    Deno.removeSync(tmp, { recursive: true });
  } catch { /* already gone */ }
});
