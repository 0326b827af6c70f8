/**
 * The bad-input set: many kinds of broken or odd bronze file (what a real vendor export, a
 * copy tool or a file system can produce) in one run beside good files. Every kind asserts its
 * status, its message (or none), and the rows landed and quarantined, both as reported and as
 * found in the tables; failed files write nothing, and the good files all land.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import pl from "nodejs-polars";
import type { BronzeFileMetadata, BronzeSource, ListFilesOptions } from "../../src/io/protocols.ts";
import { IngestionService } from "../../src/services/ingestion_service.ts";
import { TARDIS_FIXTURES } from "../_fixtures.ts";
import { mkfifo } from "../_special_files.ts";
import { makeLake, putBronze, sampleFile, taskCommand } from "./_lake.ts";

const DAY = "2024-07-30";
const HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount";

function tradesPath(exchange: string, symbol: string, date = DAY) {
  return `tardis/exchange=${exchange}/type=trades/date=${date}/symbol=${symbol}/` +
    `${exchange}_trades_${date}_${symbol}.csv.gz`;
}

/** A trades line on `date` (local time 01:00:00 + i ms), with overridable cells. */
function line(
  date: string,
  i: number,
  cells: { price?: string; amount?: string; side?: string; exchange?: string; ts?: string } = {},
) {
  const ts = Date.parse(`${date}T01:00:00Z`) * 1000 + i * 1000;
  const exch = cells.ts ?? String(ts - 500);
  const local = cells.ts ?? String(ts);
  return `${cells.exchange ?? "binance-futures"},BTCUSDT,${exch},${local},${i},` +
    `${cells.side ?? "buy"},${cells.price ?? "66000"},${cells.amount ?? "0.5"}`;
}

const csv = (rows: string[], header = HEADER) => [header, ...rows].join("\n") + "\n";
const enc = (text: string) => new TextEncoder().encode(text);

/** A source that adds raw, unsafe paths to a real one (as a non-local source might). */
class WithUnsafePaths implements BronzeSource {
  constructor(private inner: BronzeSource, private extra: BronzeFileMetadata[]) {}
  get root() {
    return this.inner.root;
  }
  async *listFiles(glob?: string, options?: ListFilesOptions) {
    yield* this.inner.listFiles(glob, options);
    for (const e of this.extra) yield e;
  }
  readFile(path: string): Promise<Uint8Array> {
    if (path.includes("..")) throw new Error(`test source: "${path}" must never be read`);
    return this.inner.readFile(path);
  }
}

/** What one kind of bad input must end as. */
interface Kind {
  name: string;
  path: string;
  status: "success" | "quarantined" | "failed" | "unmatched";
  /** The file's message (null: none), or the unmatched reason. */
  message: RegExp | null;
  rows: number;
  quarantined: number;
}

Deno.test("bad-input set: every kind of broken file gets its status, message and row counts", async () => {
  const t = await makeLake();
  try {
    const good = [
      sampleFile("trades", "BTCUSDT", DAY, 40),
      sampleFile("quotes", "ETHUSDT", DAY, 40),
      sampleFile("trades", "BTCUSDT", "2024-07-31", 40, 2),
    ];
    for (const g of good) await putBronze(t.root, g.path, g.csv);
    const bronze = (rel: string) => `${t.root}/bronze/${rel}`;
    const kinds: Kind[] = [];
    const expect = (
      name: string,
      path: string,
      status: Kind["status"],
      message: RegExp | null,
      rows = 0,
      quarantined = 0,
    ) => kinds.push({ name, path, status, message, rows, quarantined });
    // Each flat kind gets its own day (a logical file), from 2024-06-01 on.
    let days = 0;
    const nextDay = () => new Date(Date.UTC(2024, 5, 1 + days++)).toISOString().slice(0, 10);
    /** Write a flat trades file for a fresh day; `content` gets that day. */
    const flat = async (
      name: string,
      content: (date: string) => string | Uint8Array,
      status: Kind["status"],
      message: RegExp | null,
      rows = 0,
      quarantined = 0,
      options: { ext?: string; dir?: string } = {},
    ) => {
      const date = nextDay();
      const path = `${options.dir ?? "datasets"}/binance-futures_trades_${date}_BTCUSDT` +
        (options.ext ?? ".csv.gz");
      await putBronze(t.root, path, content(date));
      expect(name, path, status, message, rows, quarantined);
      return path;
    };
    const three = (date: string) => csv([line(date, 1), line(date, 2), line(date, 3)]);

    // --- Compression and container ---
    const corrupt = tradesPath("binance-futures", "BTCUSDT", "2020-02-22");
    await Deno.mkdir(bronze(corrupt.slice(0, corrupt.lastIndexOf("/"))), { recursive: true });
    await Deno.symlink(`${TARDIS_FIXTURES}/trades/tardis_trades.csv.gz`, bronze(corrupt));
    expect("corrupt real gzip (through a symlink)", corrupt, "failed", /corrupt or truncated gzip/);
    await flat(
      "truncated gzip",
      (d) => gzipSync(enc(three(d))).slice(0, -12),
      "failed",
      /corrupt or truncated gzip/,
    );
    await flat(
      "empty file (0 bytes)",
      () => new Uint8Array(0),
      "failed",
      /file is empty \(0 bytes\)/,
    );
    await flat("not gzip at all", (d) => enc(three(d)), "failed", /not a gzip stream/);
    await flat("empty gzip", () => gzipSync(new Uint8Array(0)), "success", null);
    await flat(
      "two concatenated gzip members",
      (d) =>
        new Uint8Array([...gzipSync(enc(csv([line(d, 1)]))), ...gzipSync(enc(`${line(d, 2)}\n`))]),
      "success",
      null,
      2,
    );
    await flat("plain .csv, not compressed", three, "success", null, 3, 0, { ext: ".csv" });
    await flat(
      "gzip content named .csv",
      (d) => gzipSync(enc(three(d))),
      "failed",
      /^Cannot parse ".+\.csv": it is gzip-compressed but not named \.gz; rename it$/,
      0,
      0,
      { ext: ".csv" },
    );
    await flat(
      "binary content",
      () => gzipSync(new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))),
      "failed",
      /^TardisCsvError: Cannot parse "trades" file: header lacks .*\(header is ".*\\u0000.*"\)$/,
    );
    // --- Header ---
    await flat("header only", () => `${HEADER}\n`, "success", null);
    await flat(
      "missing column",
      (d) => csv([line(d, 1).replace(/,66000,/, ",")], HEADER.replace(",price", "")),
      "failed",
      /TardisCsvError: Cannot parse "trades" file: header lacks "price"/,
    );
    await flat(
      "repeated column",
      (d) => csv([`${line(d, 1)},1`], `${HEADER},amount`),
      "failed",
      /header repeats "amount"/,
    );
    await flat(
      "reordered columns",
      (d) =>
        csv(
          [line(d, 1), line(d, 2)].map((l) => l.split(",").reverse().join(",")),
          HEADER.split(",").reverse().join(","),
        ),
      "success",
      null,
      2,
    );
    await flat(
      "extra columns",
      (d) => csv([`${line(d, 1)},x,9`, `${line(d, 2)},y,8`], `${HEADER},note,level`),
      "success",
      null,
      2,
    );
    // --- Encodings and line endings ---
    await flat("UTF-8 byte-order mark", (d) => "\uFEFF" + csv([line(d, 1)]), "success", null, 1);
    await flat(
      "CRLF line endings",
      (d) => csv([line(d, 1), line(d, 2)]).replaceAll("\n", "\r\n"),
      "success",
      null,
      2,
    );
    await flat(
      "no trailing newline",
      (d) => csv([line(d, 1), line(d, 2)]).trimEnd(),
      "success",
      null,
      2,
    );
    await flat(
      "bare CR line endings",
      (d) => three(d).replaceAll("\n", "\r"),
      "failed",
      /its lines end with a bare CR \(classic Mac line endings\); expected LF or CRLF/,
    );
    await flat(
      "UTF-16 with byte-order mark",
      (d) => gzipSync(new Uint8Array([0xff, 0xfe, ...[...enc(three(d))].flatMap((b) => [b, 0])])),
      "failed",
      /it is UTF-16 \(byte-order mark FF FE\); expected UTF-8/,
    );
    await flat(
      "Latin-1 byte in a cell",
      (d) =>
        gzipSync(
          new Uint8Array([
            ...enc(csv([line(d, 1)]) + line(d, 2).replace(/,2,buy,66000,0\.5$/, ",caf")),
            0xe9,
            ...enc(",buy,66000,0.5\n"),
          ]),
        ),
      "success",
      /^1 of 2 rows quarantined: parse_error \(1: "id" is not valid UTF-8\)$/,
      1,
      1,
    );
    await flat(
      "quoted fields",
      (d) => csv([line(d, 1).split(",").map((c) => `"${c}"`).join(",")]),
      "success",
      null,
      1,
    );
    await flat(
      "unbalanced quote on a line",
      (d) => csv([line(d, 1), line(d, 2).replace(",buy,", ',"buy,'), line(d, 3)]),
      "success",
      /^1 of 3 rows quarantined: parse_error \(1: "side" holds a stray quote\)$/,
      2,
      1,
    );
    // --- Lines ---
    await flat(
      "garbage line (no commas) inside a good file",
      (d) => csv([line(d, 1), "garbage line from a broken export", line(d, 2)]),
      "success",
      /^1 of 3 rows quarantined: parse_error \(1: malformed line: exchange=garbage line/,
      2,
      1,
    );
    await flat(
      "blank lines inside a good file",
      (d) => csv([line(d, 1), "", line(d, 2), ""]),
      "success",
      /^2 of 4 rows quarantined: parse_error \(2: blank line\)$/,
      2,
      2,
    );
    await flat(
      "very long line (1 MiB, no commas)",
      (d) => csv([line(d, 1), "x".repeat(1 << 20)]),
      "success",
      /^1 of 2 rows quarantined: parse_error \(1: malformed line: exchange=x{95}\.\.\.\)$/,
      1,
      1,
    );
    await flat(
      "more fields on a line than in the header",
      (d) => csv([`${line(d, 1)},extra,fields`, line(d, 2)]),
      "success",
      null,
      2,
    );
    // --- Exchange ---
    await putBronze(
      t.root,
      tradesPath("nasdaq", "AAPL"),
      csv([line(DAY, 1, { exchange: "nasdaq" })]),
    );
    expect(
      "unknown exchange",
      tradesPath("nasdaq", "AAPL"),
      "failed",
      /UnknownExchangeError: .*"nasdaq"/,
    );
    await putBronze(t.root, tradesPath("deribit", "BTC-PERPETUAL"), three(DAY));
    expect(
      "misfiled: every row from another exchange",
      tradesPath("deribit", "BTC-PERPETUAL"),
      "failed",
      /ExchangeMismatchError: .*holds "binance-futures" at line 2, but the path says "deribit"/,
    );
    await flat(
      "one row from another exchange among good rows",
      (d) => csv([line(d, 1), line(d, 2, { exchange: "deribit" }), line(d, 3)]),
      "failed",
      /ExchangeMismatchError: .*holds "deribit" at line 3/,
    );
    // --- Values ---
    await putBronze(
      t.root,
      tradesPath("binance-futures", "DOGEUSDT"),
      csv([line(DAY, 1).replace("BTCUSDT", "DOGEUSDT")]),
    );
    expect(
      "unknown symbol",
      tradesPath("binance-futures", "DOGEUSDT"),
      "quarantined",
      /^1 of 1 rows quarantined: symbol_resolved/,
      0,
      1,
    );
    await flat(
      "non-numeric price",
      (d) => csv([line(d, 1), line(d, 2, { price: "abc" })]),
      "success",
      /^1 of 2 rows quarantined: parse_error \(1: "price" is not float64\)$/,
      1,
      1,
    );
    await flat(
      "negative size",
      (d) => csv([line(d, 1, { amount: "-0.5" })]),
      "quarantined",
      /^1 of 1 rows quarantined: amount_positive \(1: amount=-0\.5\)$/,
      0,
      1,
    );
    await flat(
      "NaN and infinite prices",
      (d) => csv([line(d, 1, { price: "NaN" }), line(d, 2, { price: "inf" }), line(d, 3)]),
      "success",
      /^2 of 3 rows quarantined: price_positive \(2: price=NaN\)$/,
      1,
      2,
    );
    await flat(
      "price off the tick grid",
      (d) => csv([line(d, 1, { price: "66000.3" }), line(d, 2, { price: "66000.5" })]),
      "success",
      /^1 of 2 rows quarantined: price_on_grid \(1: price=66000\.3 price_increment=0\.5\)$/,
      1,
      1,
    );
    await flat(
      "price beyond Int64 once encoded",
      (d) => csv([line(d, 1), line(d, 2, { price: "1e300" }), line(d, 3)]),
      "success",
      /^1 of 3 rows quarantined: price_in_range \(1: price=1e\+300 price_increment=0\.5\)$/,
      2,
      1,
    );
    await flat(
      "amount beyond Int64 once encoded",
      (d) => csv([line(d, 1), line(d, 2, { amount: "1e17" })]),
      "success",
      /^1 of 2 rows quarantined: amount_in_range \(1: amount=1e\+17 amount_increment=0\.001\)$/,
      1,
      1,
    );
    await flat(
      "tiny price that would encode as 0",
      (d) => csv([line(d, 1), line(d, 2, { price: "1e-300" })]),
      "success",
      /^1 of 2 rows quarantined: price_in_range \(1: price=1e-300 price_increment=0\.5\)$/,
      1,
      1,
    );
    await flat(
      "scientific notation",
      (d) => csv([line(d, 1, { price: "6.6e4", amount: "5e-1" })]),
      "success",
      null,
      1,
    );
    await flat(
      "unknown side",
      (d) => csv([line(d, 1, { side: "hold" }), line(d, 2)]),
      "success",
      /^1 of 2 rows quarantined: side_known \(1: side=hold\)$/,
      1,
      1,
    );
    // --- Timestamps ---
    await flat(
      "date outside the path's date",
      () => three("2024-07-29"),
      "quarantined",
      /^3 of 3 rows quarantined: date_matches_path \(3: date=2024-07-29 path date=/,
      0,
      3,
    );
    await flat(
      "timestamp far past the calendar",
      (d) => csv([line(d, 1), line(d, 2, { ts: "9000000000000000000" })]),
      "success",
      /^1 of 2 rows quarantined: timestamps_in_range \(1: timestamp=9000000000000000000/,
      1,
      1,
    );
    await flat(
      "timestamps as floats",
      (d) => csv([line(d, 1), line(d, 2, { ts: "1.7e15" })]),
      "success",
      /^1 of 2 rows quarantined: parse_error \(1: "timestamp" is not int64; "local_timestamp" is not int64\)$/,
      1,
      1,
    );
    await flat(
      "empty exchange timestamp",
      (d) => csv([line(d, 1).replace(/,\d+,(\d+),1,/, ",,$1,1,")]),
      "success",
      null,
      1,
    );
    // --- Paths and file-system entries ---
    await flat("spaces and non-ASCII letters in folders", three, "success", null, 3, 0, {
      dir: "exports 2024/données été",
    });
    await putBronze(t.root, `datasets/binance-futures_trades_${DAY}_BTCUSDT.csv.gz`, good[0].csv);
    expect(
      "duplicate file (flat copy of a hive file)",
      `datasets/binance-futures_trades_${DAY}_BTCUSDT.csv.gz`,
      "failed",
      /DuplicateBronzeFileError: Duplicate of "tardis\/exchange=binance-futures/,
    );
    await putBronze(t.root, "datasets/trades-btc.csv.gz", three(DAY));
    expect("name outside any layout", "datasets/trades-btc.csv.gz", "unmatched", /does not match/);
    await putBronze(
      t.root,
      "datasets/binance-futures_trades_2024-02-31_BTCUSDT.csv.gz",
      three(DAY),
    );
    expect(
      "impossible date in the name",
      "datasets/binance-futures_trades_2024-02-31_BTCUSDT.csv.gz",
      "unmatched",
      /"2024-02-31" is not a calendar date/,
    );
    const newline = "datasets/binance-futures_trades_2024-05-01_BTC\nUSDT.csv.gz";
    await putBronze(t.root, newline, three("2024-05-01"));
    expect(
      "newline in the name",
      newline,
      "unmatched",
      /contains a control character \(U\+000A\): rename it/,
    );
    const dangling = await flat(
      "dangling symbolic link",
      () => "placeholder",
      "failed",
      /dangling symbolic link \(target ".*gone" does not exist\)/,
    );
    await Deno.remove(bronze(dangling));
    await Deno.symlink(`${t.root}/gone`, bronze(dangling));
    const fifo = await flat(
      "FIFO named like a bronze file",
      () => "placeholder",
      "failed",
      /not a regular file \(a FIFO\)/,
    );
    await Deno.remove(bronze(fifo));
    await mkfifo(bronze(fifo));
    // As root, chmod 000 cannot stop a read; /proc/self/mem fails the read with EIO instead.
    const eio = await flat(
      "file that cannot be read",
      () => "placeholder",
      "failed",
      /^Cannot read ".+": I\/O error \(EIO\)$/,
    );
    await Deno.remove(bronze(eio));
    await Deno.symlink("/proc/self/mem", bronze(eio));
    const folder = await flat(
      "symbolic link to a folder",
      () => "placeholder",
      "unmatched",
      /symbolic link to a folder \(not followed\)/,
    );
    await Deno.remove(bronze(folder));
    await Deno.symlink(`${t.root}/bronze/tardis`, bronze(folder));
    const unsafe: BronzeFileMetadata = {
      vendor: "tardis",
      exchange: "binance-futures",
      data_type: "trades",
      symbol: "..",
      date: DAY,
      bronze_path:
        `tardis/exchange=binance-futures/type=trades/date=${DAY}/symbol=../../../etc/passwd.csv.gz`,
      file_size_bytes: 1,
      last_modified_ts: 0,
      sha256: "00",
    };
    expect(
      "partition value with ../ (from another source)",
      unsafe.bronze_path,
      "unmatched",
      /"\.\."/,
    );
    assert.equal(new Set(kinds.map((k) => k.path)).size, kinds.length, "one path per kind");
    assert.ok(kinds.length >= 35, `${kinds.length} kinds`);

    const ingestion = new IngestionService({
      source: new WithUnsafePaths(t.lake.source, [unsafe]),
      manifest: t.lake.manifest,
      services: t.services.eventTables,
      loadDim: () => t.services.dimSymbol.current(),
    });
    const result = await ingestion.run();
    const byPath = new Map(result.files.map((f) => [f.meta.bronze_path, f]));
    const unmatched = new Map(result.unmatched.map((u) => [u.bronze_path, u.reason]));
    const trades = await t.lake.events.trades.readAll();
    const quarantine = await t.lake.quarantine.readAll();
    const count = (df: pl.DataFrame, id: number | undefined) =>
      id === undefined ? 0 : df.filter(pl.col("file_id").eq(pl.lit(id))).height;
    for (const k of kinds) {
      if (k.status === "unmatched") {
        assert.match(unmatched.get(k.path) ?? "(not reported)", k.message!, k.name);
        assert.ok(!byPath.has(k.path), `${k.name}: must not be ingested`);
        continue;
      }
      const f = byPath.get(k.path);
      assert.ok(f, `${k.name}: no result`);
      assert.equal(f.status, k.status, `${k.name}: ${f.message}`);
      if (k.message === null) assert.equal(f.message, null, k.name);
      else assert.match(f.message ?? "(none)", k.message, `${k.name}: ${f.message}`);
      assert.deepEqual(
        [f.rowsWritten, f.rowsQuarantined],
        [k.rows, k.quarantined],
        `${k.name}: rows`,
      );
      assert.deepEqual(
        [count(trades, f.fileId), count(quarantine, f.fileId)],
        [k.rows, k.quarantined],
        `${k.name}: rows in the tables`,
      );
      assert.equal(
        f.rowsRead,
        k.status === "failed" ? 0 : k.rows + k.quarantined,
        `${k.name}: read`,
      );
    }
    for (const g of good) assert.equal(byPath.get(g.path)?.status, "success", g.path);
    // Nothing else was processed or reported.
    const expected = kinds.filter((k) => k.status !== "unmatched").length + good.length;
    assert.equal(result.files.length, expected);
    assert.equal(result.unmatched.length, kinds.length + good.length - expected);

    // Failed files wrote nothing anywhere; the manifest carries their message. Unreadable files
    // have no id and no manifest row.
    const failedIds = result.files.filter((f) => f.status === "failed" && f.fileId !== undefined)
      .map((f) => f.fileId!);
    assert.equal(result.files.filter((f) => f.fileId === undefined).length, 3);
    for (const repo of [...Object.values(t.lake.events), t.lake.quarantine]) {
      const df = await repo.readAll();
      if (df.height === 0) continue;
      const leaked = df.filter(pl.col("file_id").isIn(failedIds)).height;
      assert.equal(leaked, 0, `${repo.uri} holds rows of failed files`);
    }
    const manifest = await t.lake.manifest.readAll();
    const failedRows = manifest.filter(pl.col("status").eq(pl.lit("failed")));
    assert.equal(failedRows.height, failedIds.length);
    assert.equal(failedRows.getColumn("error_message").nullCount(), 0);

    // Good files: all their rows are there.
    const goodIds = good.filter((g) => g.path.includes("type=trades")).map((g) =>
      byPath.get(g.path)!.fileId!
    );
    assert.equal(trades.filter(pl.col("file_id").isIn(goodIds)).height, 80);

    // Rejected rows are queryable with their rule and physical line number.
    const garbage = kinds.find((k) => k.name.startsWith("garbage line"))!;
    const qRow = quarantine.filter(pl.col("file_id").eq(pl.lit(byPath.get(garbage.path)!.fileId!)))
      .toRecords();
    assert.deepEqual(
      [qRow[0].file_line_number, qRow[0].rule, qRow[0].raw],
      [3, "parse_error", "garbage line from a broken export,,,,,,,"],
    );
    assert.ok(result.byStatus.failed > 0); // the job's exit code is 1
  } finally {
    await t.cleanup();
  }
});

Deno.test("ingest goes on past bronze entries it cannot read and prints its summary", async () => {
  const t = await makeLake();
  try {
    const good = sampleFile("trades", "BTCUSDT", DAY, 5);
    await putBronze(t.root, good.path, good.csv);
    const flat = (date: string) => `datasets/binance-futures_trades_${date}_BTCUSDT.csv.gz`;
    await Deno.mkdir(`${t.root}/bronze/datasets`);
    await Deno.symlink("/proc/self/mem", `${t.root}/bronze/${flat("2024-07-01")}`); // EIO
    await Deno.symlink(`${t.root}/gone`, `${t.root}/bronze/${flat("2024-07-02")}`);
    await mkfifo(`${t.root}/bronze/${flat("2024-07-03")}`);
    await putBronze(t.root, "datasets/binance-futures_trades_2024-07-04_BTC\nUSDT.csv.gz", "x");
    const out = await taskCommand("ingest.ts", ["--lake", t.root]).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, stderr);
    assert.doesNotMatch(stderr, /error|\n\s+at /, "no error line or stack trace");
    assert.match(stdout, /^Discovered 4 file\(s\), 1 pending, 4 processed\./);
    assert.match(stdout, /\nsuccess +1\nfailed +3\n/);
    assert.match(stdout, /\ntrades +5\n/);
    for (
      const [date, reason] of [
        ["2024-07-01", "I/O error \\(EIO\\)"],
        ["2024-07-02", `dangling symbolic link \\(target ".+/gone" does not exist\\)`],
        ["2024-07-03", "not a regular file \\(a FIFO\\)"],
      ]
    ) {
      const path = flat(date).replaceAll(".", "\\.");
      assert.match(stdout, new RegExp(`\n  ${path}: Cannot read "${path}": ${reason}\n`));
    }
    assert.match(
      stdout,
      /Not in a bronze layout \(1\):\n {2}"datasets\/binance-futures_trades_2024-07-04_BTC\\nUSDT\.csv\.gz": .*control character \(U\+000A\)/,
    );
    // Unreadable files have no identity yet: no manifest row, tried again on the next run.
    const manifest = await t.lake.manifest.readAll();
    assert.deepEqual(manifest.getColumn("bronze_path").toArray(), [good.path]);
  } finally {
    await t.cleanup();
  }
});
