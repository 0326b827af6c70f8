/**
 * Ingest manifest benchmarks: how loading the manifest's state grows with its status log, and
 * what automatic compaction costs on the write path. Every group has an in-run baseline, so
 * `deno bench` prints ratios.
 *
 * The manifest is written the normal way at module load: 2,500 files minted in batches of
 * 100 (25 commits), then one `updateStatus` per file (2,500 commits; one in ten `failed`),
 * so 5,000 status rows in 2,525 tiny Parquet files, with compaction off. Copies of it:
 * - `compacted`: after one `compact()` (one file);
 * - `maintained`: compacted, then 63 more statuses (retried failed files succeed): the most
 *   small files automatic maintenance (threshold 64) leaves, so the worst read between two
 *   compactions.
 *
 * 1. `load-pending-state`: `filterPending` of the 2,500 known files (read the log, latest
 *    row per file, join) and `resolveFileIds` of them (nothing to mint: the mint counter and
 *    the log) on each copy, vs `pl.readParquet` of one Parquet file holding the same 5,000
 *    rows.
 * 2. `update-status`: 128 `updateStatus` calls on a compacted manifest with automatic
 *    compaction on (threshold 64: two compactions amortised in) vs off.
 *
 * The machine is shared and noisy: read the ratios with `cat /proc/loadavg`, over several
 * runs. Building the log takes a few minutes (it is 2,525 real commits).
 *
 * @module
 */
import pl from "nodejs-polars";
import { DeltaManifestRepo } from "../src/io/delta_manifest_repo.ts";
import type { BronzeFileMetadata } from "../src/io/protocols.ts";

const FILES = 2_500;
const root = await Deno.makeTempDir({ prefix: "pointline_manifest_bench_" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(root, { recursive: true });
  } catch { /* already gone */ }
});

function meta(i: number): BronzeFileMetadata {
  const day = `2024-${String(1 + (i % 12)).padStart(2, "0")}-${
    String(1 + (i % 28)).padStart(2, "0")
  }`;
  return {
    vendor: "tardis",
    exchange: "binance-futures",
    data_type: "trades",
    symbol: `SYM${i % 50}`,
    date: day,
    bronze_path: `tardis/binance-futures/trades/${day}/SYM${i % 50}_${i}.csv.gz`,
    file_size_bytes: 1_000_000 + i,
    last_modified_ts: 1_700_000_000_000_000 + i,
    sha256: i.toString(16).padStart(64, "0"),
  };
}

const off = { compactThreshold: Infinity };
const metas = Array.from({ length: FILES }, (_, i) => meta(i));
const logUri = `${root}/log`;
const t0 = performance.now();
{
  const repo = new DeltaManifestRepo(logUri, off);
  for (let b = 0; b < FILES; b += 100) await repo.resolveFileIds(metas.slice(b, b + 100));
  for (let i = 0; i < FILES; i++) {
    if (i % 10 === 3) {
      await repo.updateStatus(i + 1, "failed", metas[i], { error_message: "bench" });
    } else {
      await repo.updateStatus(i + 1, "success", metas[i], { rows_read: 1000, rows_written: 990 });
    }
  }
}
console.log(`built the 5,000-row manifest in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

async function copy(from: string, to: string): Promise<void> {
  const out = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

const compactedUri = `${root}/compacted`;
await copy(logUri, compactedUri);
const compaction = await new DeltaManifestRepo(compactedUri, off).compact();
if (!compaction.committed) throw new Error("the bench manifest did not compact");

const maintainedUri = `${root}/maintained`;
await copy(compactedUri, maintainedUri);
{
  // 63 of the failed files are retried and succeed.
  const repo = new DeltaManifestRepo(maintainedUri, off);
  for (let k = 0; k < 63; k++) {
    const i = 10 * k + 3;
    await repo.updateStatus(i + 1, "success", metas[i], { rows_read: 1000, rows_written: 990 });
  }
}

const repos = {
  log: new DeltaManifestRepo(logUri, off),
  compacted: new DeltaManifestRepo(compactedUri, off),
  maintained: new DeltaManifestRepo(maintainedUri, off),
};
const onePath = `${root}/one.parquet`;
const rows = await repos.log.readLog();
rows.writeParquet(onePath);
for (const [name, repo] of Object.entries(repos)) {
  console.log(
    `${name}: ${await repo.countSmallFiles()} small files, ${(await repo.readLog()).height} rows`,
  );
}
if (pl.readParquet(onePath).height !== rows.height) throw new Error("baseline rows differ");

const failedLeft = { log: FILES / 10, compacted: FILES / 10, maintained: FILES / 10 - 63 };

Deno.bench({
  name: "one Parquet file, same rows (readParquet)",
  group: "load-pending-state",
  baseline: true,
  fn: () => {
    if (pl.readParquet(onePath).height !== rows.height) throw new Error("rows");
  },
});
for (const [name, repo] of Object.entries(repos)) {
  Deno.bench({
    name: `filterPending, ${name}`,
    group: "load-pending-state",
    fn: async () => {
      const pending = await repo.filterPending(metas);
      if (pending.length !== failedLeft[name as keyof typeof failedLeft]) {
        throw new Error("pending");
      }
    },
  });
  Deno.bench({
    name: `resolveFileIds (all known), ${name}`,
    group: "load-pending-state",
    fn: async () => {
      const entries = await repo.resolveFileIds(metas);
      if (entries.length !== FILES) throw new Error("entries");
    },
  });
}

const writeOffUri = `${root}/write_off`;
const writeOnUri = `${root}/write_on`;
await copy(compactedUri, writeOffUri);
await copy(compactedUri, writeOnUri);
const writers = {
  off: new DeltaManifestRepo(writeOffUri, off),
  on: new DeltaManifestRepo(writeOnUri),
};
const written = { off: 0, on: 0 };
for (const mode of ["off", "on"] as const) {
  Deno.bench({
    name: `updateStatus, automatic compaction ${mode}`,
    group: "update-status",
    baseline: mode === "off",
    n: 128,
    warmup: 0,
    fn: async () => {
      const i = written[mode]++ % FILES;
      await writers[mode].updateStatus(i + 1, "success", metas[i], { rows_written: 1 });
    },
  });
}
