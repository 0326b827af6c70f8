/**
 * Data files of a streamed file: its flushes grow one sorted data file (Parquet row groups
 * appended) up to the target size, instead of one small file per flush; a flush that sorts
 * before the previous one starts a new file. The rows equal the whole-file path's.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { diffTables, makeLake, putBronze, sampleFile, snapshotTables } from "../ingest/_lake.ts";
import { DeltaTable } from "../../src/io/delta/delta_table.ts";

/** Part size (bytes of CSV): the 4,000-row files below come in about 40 parts, 20 flushes. */
const PART = 8192;

/** The live data files of a table: rows of each (read back), in file order of the log. */
async function dataFiles(dir: string): Promise<pl.DataFrame[]> {
  const t = await DeltaTable.open(dir);
  return t.snapshot.files.map((f) => pl.readParquet(`${dir}/${decodeURIComponent(f.path)}`));
}

function isSorted(df: pl.DataFrame): boolean {
  return df.frameEqual(df.sort(["symbol_id", "ts_local_us", "file_line_number"]));
}

/** Two symbols' trades of one day interleaved by time in one file (as a multi-symbol export). */
function twoSymbolFile(rows: number): { path: string; csv: string } {
  const btc = sampleFile("trades", "BTCUSDT", "2024-07-30", rows, 21);
  const eth = sampleFile("trades", "ETHUSDT", "2024-07-30", rows, 22);
  const lines = (csv: string) => csv.trimEnd().split("\n");
  const [header, ...a] = lines(btc.csv);
  const body = [...a, ...lines(eth.csv).slice(1)];
  const ts = (l: string) => Number(l.split(",")[3]);
  body.sort((x, y) => ts(x) - ts(y));
  return { path: btc.path, csv: [header, ...body].join("\n") + "\n" };
}

Deno.test("a streamed file grows sorted data files across flushes, rows equal to the whole file", async () => {
  const whole = await makeLake();
  const grown = await makeLake();
  const small = await makeLake();
  try {
    const one = sampleFile("trades", "ETHUSDT", "2024-07-30", 4000, 5);
    const two = twoSymbolFile(2000);
    for (const t of [whole, grown, small]) {
      await putBronze(t.root, one.path, one.csv);
      await putBronze(t.root, two.path.replaceAll("BTCUSDT", "BOTH"), two.csv);
    }
    await whole.services.ingestion.run({ memoryBytes: 2 ** 40 });
    const flushes = Math.ceil(one.csv.length / PART / 2);
    assert.ok(flushes >= 15, `${flushes} flushes`);
    await grown.services.ingestion.run({ memoryBytes: 16 * PART });
    // a small target: every file closes after a few flushes (on two workers: the target
    // reaches them too)
    await small.services.ingestion.run({
      memoryBytes: 2 * 16 * PART,
      fileTargetBytes: 20_000,
      jobs: 2,
    });
    const want = await snapshotTables(whole.lake);
    assert.ok(want.trades.height > 7000, `${want.trades.height} rows`);
    for (const t of [grown, small]) {
      assert.deepEqual(diffTables(want, await snapshotTables(t.lake)), []);
    }
    const idOf = (symbol: string) =>
      Number(
        want.manifest.filter(pl.col("bronze_path").str.contains(`symbol=${symbol}/`))
          .getColumn("file_id").toArray()[0],
      );
    const oneId = idOf("ETHUSDT"), twoId = idOf("BOTH");
    const perFile = async (root: string) => {
      const files = await dataFiles(`${root}/silver/trades`);
      for (const f of files) assert.ok(isSorted(f), "every data file is sorted");
      const ids = (f: pl.DataFrame) => new Set(f.getColumn("file_id").toArray().map(Number));
      return [oneId, twoId].map((id) => files.filter((f) => ids(f).has(id)).map((f) => f.height));
    };
    const [grownOne, grownTwo] = await perFile(grown.root);
    // the single-symbol file: one data file for about 20 flushes
    assert.deepEqual(grownOne, [want.trades.filter(pl.col("file_id").eq(oneId)).height]);
    // the two-symbol file: each flush sorts from the first symbol again, so each starts a file
    assert.ok(grownTwo.length > 1, `${grownTwo.length} files`);
    const [smallOne] = await perFile(small.root);
    assert.ok(smallOne.length > 2 && smallOne.length < flushes, `${smallOne.length} files`);
  } finally {
    for (const t of [whole, grown, small]) await t.cleanup();
  }
});
