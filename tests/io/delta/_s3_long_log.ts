/**
 * A long Delta log on S3 for the open-request test and benchmark: `commits` one-add commits
 * (written as log objects directly, no data files: opening reads only the log) with a
 * checkpoint at `checkpointAt`. The log is built in memory (pointline writes the checkpoint
 * and `_last_checkpoint`) and copied to the target with a few uploads in flight.
 *
 * @module
 */
import { createCheckpoint } from "../../../src/io/delta/checkpoint_writer.ts";
import { MemoryStorage } from "../../../src/io/delta/memory_storage.ts";
import type { ObjectStorage } from "../../../src/io/delta/storage.ts";
import { add, field, metadata, protocol, writeCommit } from "./_delta_log_builder.ts";

/**
 * Build the log and copy it to `target`.
 *
 * @param target Storage rooted at the (empty) table.
 * @param commits The number of commits (versions `0..commits-1`).
 * @param checkpointAt The checkpoint version.
 * @returns Every key written.
 */
export async function buildLongLog(
  target: ObjectStorage,
  commits: number,
  checkpointAt: number,
): Promise<string[]> {
  const mem = new MemoryStorage();
  await writeCommit(mem, 0, [
    protocol(),
    metadata([field("id", "long")]),
  ]);
  for (let v = 1; v < commits; v++) {
    await writeCommit(mem, v, [
      { commitInfo: { timestamp: 1_700_000_000_000 + v, operation: "WRITE" } },
      add(`part-${String(v).padStart(5, "0")}.parquet`, { size: 1000 + v }),
    ]);
  }
  await createCheckpoint(mem, { version: checkpointAt });
  const keys = (await mem.list("")).map((m) => m.path);
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < keys.length) {
      const key = keys[next++];
      await target.put(key, await mem.read(key), { overwrite: true });
    }
  }));
  return keys;
}
