/**
 * Opening a 10,000-commit Delta table on S3 (moto on 127.0.0.1) with a checkpoint at 9,990,
 * against the raw requests of the same objects without any protocol work: GET
 * `_last_checkpoint`, one listing page from the checkpoint on, then the checkpoint and the 9
 * tail commits in parallel. Goal: opening ≤ 1.2× the raw requests. The number of requests
 * of one open is printed (and pinned in `tests/io/delta/s3_open_requests_test.ts`).
 *
 * The log is written as log objects directly (no data files); seeding 10,000 objects into
 * moto takes about a minute. `S3_BENCH_COMMITS` changes the size.
 *
 * @module
 */
import { DeltaTable } from "../src/io/delta/delta_table.ts";
import { S3Storage } from "../src/io/delta/s3_storage.ts";
import { startMoto } from "../tests/_moto.ts";
import { buildLongLog } from "../tests/io/delta/_s3_long_log.ts";

const COMMITS = Number(Deno.env.get("S3_BENCH_COMMITS") ?? 10_000);
const CHECKPOINT = COMMITS - 10;
const moto = await startMoto();
globalThis.addEventListener("unload", () => void moto.stop());

let requests = 0;
const counting: typeof fetch = (input, init) => {
  requests++;
  return fetch(input, init);
};
const storage = new S3Storage(
  `s3://${await moto.createBucket()}/lake/t`,
  moto.options({ fetch: counting }),
);
const t0 = performance.now();
await buildLongLog(storage, COMMITS, CHECKPOINT);
console.log(
  `seeded ${COMMITS} commits and a checkpoint at ${CHECKPOINT} into moto in ${
    ((performance.now() - t0) / 1000).toFixed(0)
  } s`,
);

const v = (n: number) => String(n).padStart(20, "0");
const tail = Array.from(
  { length: COMMITS - 1 - CHECKPOINT },
  (_, i) => `_delta_log/${v(CHECKPOINT + 1 + i)}.json`,
);

requests = 0;
const opened = await DeltaTable.open(storage.root, { storage });
if (opened.version !== COMMITS - 1 || opened.files().length !== COMMITS - 1) {
  throw new Error(`opened version ${opened.version} with ${opened.files().length} files`);
}
console.log(
  `one open of the ${COMMITS}-commit table: ${requests} HTTP requests ` +
    `(1 _last_checkpoint GET, 1 listing page, 1 checkpoint GET, ${tail.length} commit GETs)`,
);

requests = 0;
await storage.list("_delta_log/");
console.log(`listing the whole log instead would take ${requests} ListObjectsV2 pages`);

Deno.bench({
  name: "raw requests of the same objects",
  group: "open-10k-commit-s3-table",
  baseline: true,
  async fn() {
    await storage.read("_delta_log/_last_checkpoint");
    await storage.list("_delta_log/", { startAfter: `_delta_log/${v(CHECKPOINT)}` });
    await Promise.all([
      storage.read(`_delta_log/${v(CHECKPOINT)}.checkpoint.parquet`),
      ...tail.map((k) => storage.read(k)),
    ]);
  },
});

Deno.bench({
  name: "DeltaTable.open",
  group: "open-10k-commit-s3-table",
  async fn() {
    await DeltaTable.open(storage.root, { storage });
  },
});
