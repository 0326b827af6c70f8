/**
 * Subprocess of tests/io/delta/crash_test.ts: writes to the table at `dir` in a loop until it is
 * killed. Each append is one batch of `rows` rows over 4 partitions, tagged with its batch id in
 * the data and in `commitInfo.batch`; every 5th step compacts instead (optimize). The table has
 * `delta.checkpointInterval=4`, so kills also land in checkpoint writes.
 * Usage: deno run -A crash_writer.ts <dir> <firstBatchId> <rows> <readyFile>
 */
import pl from "nodejs-polars";
import { writeDelta } from "../../../../src/io/delta/write_delta.ts";
import { optimize } from "../../../../src/io/delta/optimize.ts";

const [dir, first, rows, readyFile] = Deno.args;
const n = Number(rows);
await Deno.writeTextFile(readyFile, "");
for (let step = 0;; step++) {
  if (step % 5 === 4) {
    await optimize(dir);
    continue;
  }
  const batch = Number(first) + step;
  const df = pl.DataFrame({
    part: Array.from({ length: n }, (_, i) => `p${i % 4}`),
    i: Array.from({ length: n }, (_, i) => i),
  }).withColumns(pl.lit(batch).cast(pl.Int64).alias("batch"));
  await writeDelta(dir, df, { mode: "append", commitMetadata: { batch } });
}
