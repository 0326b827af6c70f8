/**
 * Streaming ingest equals the whole-file path: the same files ingested through many small parts
 * (a tiny memory budget) and whole give exactly the same event rows, quarantine rows (rule,
 * detail, raw, line number), manifest counts and messages, on the real Tardis samples and on
 * generated files whose bad rows sit at part boundaries (CRLF, a BOM, blank lines, unreadable
 * cells, off-grid and unresolved rows); also after a changed file supersedes its older rows,
 * after a forced re-ingest, and for a file whose exchange column turns wrong in a later part.
 * Every data file a streamed file writes is sorted by `(symbol_id, ts_local_us, line)`.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import pl from "nodejs-polars";
import {
  addRealSamples,
  diffTables,
  makeLake,
  putBronze,
  sampleFile,
  snapshotTables,
} from "../ingest/_lake.ts";
import { DeltaTable } from "../../src/io/delta/delta_table.ts";
import { csvLineChunks } from "../../src/services/csv_line_chunks.ts";

/** Part size (bytes of CSV) of the generated files: a dozen parts per file. */
const SMALL_PART = 2048;

/**
 * `text` with the first and last line of every part (as cut at `part` bytes) made bad without
 * changing its length, so the part boundaries stay where they are and every one of them has a
 * bad row on each side: an unreadable last cell (`parse_error`), an unknown symbol
 * (`symbol_resolved`), a `local_timestamp` in another year (`date_matches_path`), a stray quote
 * opening or closing a field (`parse_error`; some pair up across a part's lines, which must not
 * join them). Then a blank line and an off-grid price in the last part.
 */
async function withBadRowsAtBoundaries(text: string, part: number): Promise<string> {
  const lines = text.split(/(?<=\n)/);
  const kinds = [
    (l: string) => l.replace(/,([^,\r\n])([^,\r\n]*)(\r?\n?)$/, ",x$2$3"),
    (l: string) => l.replace(/^([^,]*),([^,]*)[^,],/, "$1,$2X,"),
    (l: string) => l.replace(/^([^,]*),([^,]*),([^,]*),\d/, "$1,$2,$3,9"),
    (l: string) => l.replace(/^([^,]*),[^,]/, '$1,"'),
    (l: string) => l.replace(/^([^,]*),([^,]*)[^,],/, '$1,$2",'),
  ];
  let k = 0;
  for await (const p of csvLineChunks(new Blob([text]).stream(), part)) {
    if (p.lines === 0) continue;
    for (const line of new Set([p.firstLine, p.firstLine + p.lines - 1])) {
      const before = lines[line - 1];
      lines[line - 1] = kinds[k++ % kinds.length](before);
      assert.equal(lines[line - 1].length, before.length, before);
    }
  }
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const last = lines.length - 3;
  lines.splice(last, 0, eol, lines[last].replace(/\.(\d+),([^,]*)$/, ".$1" + "5,$2"));
  return lines.join("");
}

/** How many parts of `csv` start or end on a line holding a bad row. */
async function boundaryHits(csv: string, part: number): Promise<number> {
  const lines = csv.split(/\r?\n/);
  const good = (line: number) =>
    !lines[line - 1].includes('"') && /,\d+(\.\d+)?$/.test(lines[line - 1]) &&
    /^[^,]*,[^,]*T,/.test(lines[line - 1]) && !/^[^,]*,[^,]*,[^,]*,9/.test(lines[line - 1]);
  let hits = 0;
  for await (const p of csvLineChunks(new Blob([csv]).stream(), part)) {
    if (p.lines === 0) continue;
    if (!good(p.firstLine) || !good(p.firstLine + p.lines - 1)) hits++;
  }
  return hits;
}

/** The generated bronze files: [path, contents]; the first three have bad rows. */
async function generatedFiles(version = 0): Promise<[string, string | Uint8Array][]> {
  const eth = (date: string, rows: number, seed: number) =>
    sampleFile("trades", "ETHUSDT", date, rows, seed);
  const a = eth("2024-07-30", 300, 11 + version);
  const b = sampleFile("quotes", "ETHUSDT", "2024-07-30", 200, 12);
  const crlf = eth("2024-07-31", 250, 13);
  const bom = sampleFile("incremental_book_L2", "BTC-PERPETUAL", "2024-07-30", 150, 14);
  const misfiled = eth("2024-07-29", 200, 15);
  const misfiledCsv =
    misfiled.csv.trimEnd().split("\n").map((l, i) =>
      i === 150 ? l.replace(/^binance-futures,/, "deribit,") : l
    ).join("\n") + "\n";
  const bomBytes = new TextEncoder().encode("\uFEFF" + bom.csv);
  return [
    [a.path, await withBadRowsAtBoundaries(a.csv, SMALL_PART)],
    [b.path, await withBadRowsAtBoundaries(b.csv, SMALL_PART)],
    [crlf.path, await withBadRowsAtBoundaries(crlf.csv.replaceAll("\n", "\r\n"), SMALL_PART)],
    [bom.path, gzipSync(bomBytes)],
    [misfiled.path, misfiledCsv],
  ];
}

async function realLake() {
  const t = await makeLake();
  await addRealSamples(t);
  return t;
}

/** Every data file of every event table is sorted by the table's sort order. */
async function assertDataFilesSorted(root: string): Promise<number> {
  let files = 0;
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory && e.name !== "_delta_log") await walk(path);
      else if (e.name.endsWith(".parquet") && !dir.includes("quarantine")) {
        const df = pl.readParquet(path);
        if (!df.columns.includes("ts_local_us")) continue; // dim_symbol, manifest
        const sorted = df.sort(["symbol_id", "ts_local_us", "file_line_number"]);
        assert.ok(df.frameEqual(sorted), `${path} is not sorted`);
        files++;
      }
    }
  };
  await walk(`${root}/silver`);
  return files;
}

Deno.test("a streamed file equals the whole file: real samples and bad rows at part boundaries", async () => {
  const whole = await realLake();
  const streamed = await realLake();
  try {
    for (const t of [whole, streamed]) {
      for (const [path, content] of await generatedFiles()) await putBronze(t.root, path, content);
    }
    for (const [path, content] of (await generatedFiles()).slice(0, 3)) {
      if (typeof content !== "string") continue;
      assert.ok((await boundaryHits(content, SMALL_PART)) > 5, `${path}: no bad row at a boundary`);
    }
    // Same batches in both lakes (so file ids match): the big real files, then the rest.
    const huge = 2 ** 40;
    const bigFiles = "datasets/*_2020-02-22_*";
    await whole.services.ingestion.run({ memoryBytes: huge, glob: bigFiles });
    await whole.services.ingestion.run({ memoryBytes: huge });
    // Big real files (about 1 MB) in 64 KiB parts, the others in SMALL_PART parts.
    const big = await streamed.services.ingestion.run({ memoryBytes: 16 * 65536, glob: bigFiles });
    assert.equal(big.files.length, 2);
    await streamed.services.ingestion.run({ memoryBytes: 16 * SMALL_PART });
    const a = await snapshotTables(whole.lake);
    const b = await snapshotTables(streamed.lake);
    assert.deepEqual(diffTables(a, b), []);
    assert.ok(a.quarantine.height > 100, `only ${a.quarantine.height} quarantined rows`);
    const rules = new Set(a.quarantine.getColumn("rule").toArray());
    for (const rule of ["parse_error", "price_on_grid", "symbol_resolved", "date_matches_path"]) {
      assert.ok(rules.has(rule), `no ${rule} row`);
    }
    // Every physical line is one row (stray quotes never join lines), and the last one keeps
    // its line number.
    for (const [path, content] of (await generatedFiles()).slice(0, 3)) {
      const text = content as string;
      const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0) - 1;
      const entry = b.manifest.filter(pl.col("bronze_path").eq(pl.lit(path))).toRecords()[0];
      assert.equal(Number(entry.rows_read), lines, path);
      const id = Number(entry.file_id);
      const numbers = [...Object.values(b)].flatMap((df) =>
        df.columns.includes("file_line_number")
          ? df.filter(pl.col("file_id").eq(pl.lit(id))).getColumn("file_line_number").toArray()
          : []
      ).map(Number);
      assert.equal(Math.max(...numbers), lines + 1, path);
      assert.equal(new Set(numbers).size, lines, path);
    }
    const failed = b.manifest.filter(pl.col("status").eq(pl.lit("failed"))).toRecords();
    assert.equal(failed.length, 1);
    assert.match(String(failed[0].error_message), /ExchangeMismatchError: .* at line 151,/);
    // every file that wrote rows has at least one data file (flushes grow one, see
    // streamed_data_files_test.ts), and each is sorted
    const withRows = b.manifest.filter(pl.col("rows_written").gt(0)).height;
    assert.ok(withRows > 5, `${withRows} files wrote rows`);
    assert.ok((await assertDataFilesSorted(streamed.root)) >= withRows);
    // The failed file left no data file behind: every file on disk is in a table's log.
    {
      const t = streamed;
      for (const table of ["trades", "quotes", "incremental_book_L2", "quarantine"]) {
        const dir = `${t.root}/silver/${table}`;
        const listed = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
        if (listed.length === 0) continue;
        const dt = await DeltaTable.open(dir);
        const vac = await dt.vacuum({ retentionHours: 0, enforceRetention: false });
        assert.deepEqual(vac.files, [], `${table}: unreferenced files`);
      }
    }

    // A changed file at the same path supersedes its older rows; then a forced re-ingest.
    const [changedPath, changed] = (await generatedFiles(1))[0];
    for (const t of [whole, streamed]) await putBronze(t.root, changedPath, changed);
    await whole.services.ingestion.run({ memoryBytes: huge });
    await streamed.services.ingestion.run({ memoryBytes: 16 * SMALL_PART });
    assert.deepEqual(
      diffTables(await snapshotTables(whole.lake), await snapshotTables(streamed.lake)),
      [],
    );
    await whole.services.ingestion.run({ memoryBytes: huge, force: true, glob: "tardis/**" });
    await streamed.services.ingestion.run({
      memoryBytes: 16 * SMALL_PART,
      force: true,
      glob: "tardis/**",
    });
    const c = await snapshotTables(whole.lake);
    assert.deepEqual(diffTables(c, await snapshotTables(streamed.lake)), []);
    const ids = c.manifest.filter(pl.col("bronze_path").eq(pl.lit(changedPath)))
      .getColumn("file_id").toArray().map(Number).sort((x, y) => x - y);
    assert.equal(ids.length, 2, "the changed file has a new id");
    const rowsOf = (df: pl.DataFrame, id: number) =>
      df.filter(pl.col("file_id").eq(pl.lit(id))).height;
    assert.equal(rowsOf(c.trades, ids[0]) + rowsOf(c.quarantine, ids[0]), 0, "old rows replaced");
    assert.ok(rowsOf(c.trades, ids[1]) > 200);
  } finally {
    await whole.cleanup();
    await streamed.cleanup();
  }
});
