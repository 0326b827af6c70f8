/**
 * Opening a long S3 table costs a fixed number of requests: one `_last_checkpoint` GET, one
 * listing from the checkpoint on, the checkpoint, and the commits after it, however long the
 * log is before the checkpoint. (`bench/s3_open_bench.ts` times the same on 10,000 commits.)
 */
import assert from "node:assert/strict";
import { DeltaTable } from "../../../src/io/delta/delta_table.ts";
import { S3Storage } from "../../../src/io/delta/s3_storage.ts";
import { startMoto } from "../../_moto.ts";
import { buildLongLog } from "./_s3_long_log.ts";

const v = (n: number) => String(n).padStart(20, "0");

Deno.test("opening an S3 table lists from the checkpoint and reads only the tail", async () => {
  const moto = await startMoto();
  try {
    const bucket = await moto.createBucket();
    const seen: string[] = [];
    const counting: typeof fetch = (input, init) => {
      const req = input instanceof Request ? input : new Request(input, init);
      const url = new URL(req.url);
      const startAfter = url.searchParams.get("start-after");
      seen.push(
        `${req.method} ${decodeURIComponent(url.pathname)}` +
          (url.searchParams.has("list-type") ? ` LIST start-after=${startAfter}` : ""),
      );
      return fetch(req, init);
    };
    // pages of 100 keys: the whole log of 300 commits would take 4 listing pages
    const s = new S3Storage(
      `s3://${bucket}/t`,
      moto.options({ fetch: counting, listPageSize: 100 }),
    );
    await buildLongLog(s, 300, 290);
    seen.length = 0;
    const table = await DeltaTable.open(s.root, { storage: s });
    assert.equal(table.version, 299);
    assert.equal(table.files().length, 299);
    const tail = Array.from(
      { length: 9 },
      (_, i) => `GET /${bucket}/t/_delta_log/${v(291 + i)}.json`,
    );
    // first the hint, then one listing page; the checkpoint and the tail are read in parallel
    assert.deepEqual(seen.slice(0, 2), [
      `GET /${bucket}/t/_delta_log/_last_checkpoint`,
      `GET /${bucket}/ LIST start-after=t/_delta_log/${v(290)}`,
    ]);
    assert.deepEqual(
      seen.slice(2).sort(),
      [
        `GET /${bucket}/t/_delta_log/${v(290)}.checkpoint.parquet`,
        ...tail,
      ].sort(),
    );
    console.log(`opening a 300-commit S3 table with a checkpoint at 290: ${seen.length} requests`);
  } finally {
    await moto.stop();
  }
});
