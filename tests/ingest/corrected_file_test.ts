/**
 * Re-ingesting a corrected file (same path, new content) leaves only the new rows; going back
 * to the old content restores the old rows, again without duplicates.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { makeLake, putBronze, sampleFile } from "./_lake.ts";

Deno.test("a corrected file at the same path replaces its older rows in the event and quarantine tables", async () => {
  const t = await makeLake();
  try {
    const v1 = sampleFile("trades", "BTCUSDT", "2024-07-30", 30, 1);
    const other = sampleFile("trades", "ETHUSDT", "2024-07-30", 10, 1);
    // Version 1 has one bad row (negative amount) that goes to quarantine.
    const lines = v1.csv.trimEnd().split("\n");
    lines[3] = lines[3].replace(/,[0-9.]+$/, ",-1");
    await putBronze(t.root, v1.path, lines.join("\n") + "\n");
    await putBronze(t.root, other.path, other.csv);
    const first = await t.services.ingestion.run();
    assert.equal(first.byStatus.success, 2);
    const oldId = first.files.find((f) => f.meta.bronze_path === v1.path)!.fileId!;
    assert.equal((await t.lake.quarantine.readAll()).height, 1);

    // The vendor re-exports the day: same path, 20 different rows, none bad.
    const v2 = sampleFile("trades", "BTCUSDT", "2024-07-30", 20, 2);
    await putBronze(t.root, v2.path, v2.csv);
    const second = await t.services.ingestion.run();
    assert.equal(second.pending, 1, "only the changed file is pending");
    const newId = second.files[0].fileId!;
    assert.ok(newId > oldId);

    const trades = await t.lake.events.trades.readAll();
    const btc = trades.filter(
      pl.col("file_id").neq(pl.lit(
        first.files.find((f) => f.meta.bronze_path === other.path)!.fileId!,
      )),
    );
    assert.equal(btc.height, 20, "only the new version's rows");
    assert.deepEqual(btc.getColumn("file_id").unique().toArray(), [newId]);
    assert.equal(trades.height, 30, "the other file is untouched");
    assert.equal(
      (await t.lake.quarantine.readAll()).height,
      0,
      "the old version's rejected row is gone",
    );

    // A third run changes nothing.
    assert.equal((await t.services.ingestion.run()).pending, 0);

    // Reverting to version 1's content restores exactly its rows (under its original id).
    await putBronze(t.root, v1.path, lines.join("\n") + "\n");
    const revert = await t.services.ingestion.run();
    assert.equal(revert.pending, 1);
    assert.equal(revert.files[0].fileId, oldId);
    const after = await t.lake.events.trades.readAll();
    assert.equal(after.filter(pl.col("file_id").eq(pl.lit(oldId))).height, 29);
    assert.equal(after.filter(pl.col("file_id").eq(pl.lit(newId))).height, 0);
    assert.equal((await t.lake.quarantine.readAll()).height, 1);
  } finally {
    await t.cleanup();
  }
});
