/**
 * The bad-input set: many kinds of broken bronze file in one run beside good files. Each ends
 * with the right status and a clear message, failed files write nothing, and the good files
 * all land.
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
const T0 = Date.parse(`${DAY}T01:00:00Z`) * 1000;

function tradesPath(exchange: string, symbol: string, date = DAY) {
  return `tardis/exchange=${exchange}/type=trades/date=${date}/symbol=${symbol}/` +
    `${exchange}_trades_${date}_${symbol}.csv.gz`;
}

function row(i: number, price = "66000", amount = "0.5", ts = T0 + i * 1000) {
  return `binance-futures,BTCUSDT,${ts - 500},${ts},${i},buy,${price},${amount}`;
}

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

Deno.test("bad-input set: every broken file gets the right status and message, good files land", async () => {
  const t = await makeLake();
  try {
    const good = [
      sampleFile("trades", "BTCUSDT", DAY, 40),
      sampleFile("quotes", "ETHUSDT", DAY, 40),
      sampleFile("trades", "BTCUSDT", "2024-07-31", 40, 2),
    ];
    for (const g of good) await putBronze(t.root, g.path, g.csv);
    const csv = (rows: string[]) => [HEADER, ...rows].join("\n") + "\n";
    const goodTrades = csv([row(1), row(2), row(3)]);
    const gz = gzipSync(new TextEncoder().encode(goodTrades));
    const cases: {
      name: string;
      path: string;
      status: string;
      message?: RegExp;
      rows?: number;
      quarantined?: number;
    }[] = [];
    const add = async (
      name: string,
      path: string,
      content: string | Uint8Array,
      expect: { status: string; message?: RegExp; rows?: number; quarantined?: number },
    ) => {
      if (content !== "") await putBronze(t.root, path, content);
      cases.push({ name, path, ...expect });
    };
    const p = (sym: string) => tradesPath("binance-futures", sym);
    // 1. The corrupt real gzip, read in place through a symlink.
    const corrupt = tradesPath("binance-futures", "BTCUSDT", "2020-02-22");
    await Deno.mkdir(`${t.root}/bronze/${corrupt.slice(0, corrupt.lastIndexOf("/"))}`, {
      recursive: true,
    });
    await Deno.symlink(
      `${TARDIS_FIXTURES}/trades/tardis_trades.csv.gz`,
      `${t.root}/bronze/${corrupt}`,
    );
    cases.push({
      name: "corrupt real gzip",
      path: corrupt,
      status: "failed",
      message: /corrupt or truncated gzip/,
    });
    // 2-19.
    await add(
      "truncated gzip",
      `datasets/binance-futures_trades_2024-07-29_BTCUSDT.csv.gz`,
      gz.slice(0, gz.length - 12),
      {
        status: "failed",
        message: /corrupt or truncated gzip/,
      },
    );
    await add(
      "empty file",
      `datasets/binance-futures_trades_2024-07-28_BTCUSDT.csv.gz`,
      new Uint8Array(0),
      {
        status: "failed",
        message: /file is empty \(0 bytes\)/,
      },
    );
    await add(
      "not gzip at all",
      `datasets/binance-futures_trades_2024-07-27_BTCUSDT.csv.gz`,
      new TextEncoder().encode(goodTrades),
      {
        status: "failed",
        message: /not a gzip stream/,
      },
    );
    await add(
      "empty gzip",
      `datasets/binance-futures_trades_2024-07-26_BTCUSDT.csv.gz`,
      gzipSync(new Uint8Array(0)),
      {
        status: "success",
        rows: 0,
      },
    );
    await add(
      "header only",
      `datasets/binance-futures_trades_2024-07-25_BTCUSDT.csv.gz`,
      HEADER + "\n",
      {
        status: "success",
        rows: 0,
      },
    );
    await add(
      "wrong header",
      `datasets/binance-futures_trades_2024-07-24_BTCUSDT.csv.gz`,
      "exchange,symbol,timestamp,local_timestamp,id,side,amount\nx\n",
      {
        status: "failed",
        message: /price/,
      },
    );
    await add(
      "unknown exchange",
      tradesPath("nasdaq", "AAPL"),
      csv([row(1).replace("binance-futures", "nasdaq")]),
      {
        status: "failed",
        message: /Unknown exchange "nasdaq"/,
      },
    );
    await add(
      "exchange column disagrees with the path",
      tradesPath("deribit", "BTC-PERPETUAL"),
      goodTrades,
      {
        status: "failed",
        message: /ExchangeMismatchError/,
      },
    );
    await add("unknown symbol", p("DOGEUSDT"), csv([row(1).replace("BTCUSDT", "DOGEUSDT")]), {
      status: "quarantined",
      message: /symbol_resolved/,
      rows: 0,
      quarantined: 1,
    });
    await add(
      "non-numeric price",
      `datasets/binance-futures_trades_2024-07-23_BTCUSDT.csv.gz`,
      csv([
        row(1, "66000", "0.5", Date.parse("2024-07-23T01:00:00Z") * 1000),
        row(2, "abc", "0.5", Date.parse("2024-07-23T01:00:01Z") * 1000),
      ]),
      { status: "success", rows: 1, quarantined: 1, message: /1 of 2 rows quarantined/ },
    );
    await add(
      "negative size",
      `datasets/binance-futures_trades_2024-07-22_BTCUSDT.csv.gz`,
      csv([
        row(1, "66000", "-0.5", Date.parse("2024-07-22T01:00:00Z") * 1000),
      ]),
      { status: "quarantined", rows: 0, quarantined: 1, message: /amount/ },
    );
    await add(
      "price off the tick grid",
      `datasets/binance-futures_trades_2024-07-21_BTCUSDT.csv.gz`,
      csv([
        row(1, "66000.3", "0.5", Date.parse("2024-07-21T01:00:00Z") * 1000),
        row(2, "66000.5", "0.5", Date.parse("2024-07-21T01:00:01Z") * 1000),
      ]),
      { status: "success", rows: 1, quarantined: 1, message: /on_grid/ },
    );
    await add(
      "date outside the path's date",
      `datasets/binance-futures_trades_2024-07-20_BTCUSDT.csv.gz`,
      goodTrades,
      {
        status: "quarantined",
        rows: 0,
        quarantined: 3,
        message: /date_matches_path/,
      },
    );
    await add(
      "CRLF line endings",
      `datasets/binance-futures_trades_2024-07-19_BTCUSDT.csv.gz`,
      csv([
        row(1, "66000", "0.5", Date.parse("2024-07-19T01:00:00Z") * 1000),
        row(2, "66000", "0.5", Date.parse("2024-07-19T01:00:01Z") * 1000),
      ]).replaceAll("\n", "\r\n"),
      { status: "success", rows: 2 },
    );
    await add(
      "UTF-8 BOM",
      `datasets/binance-futures_trades_2024-07-18_BTCUSDT.csv.gz`,
      "\uFEFF" + csv([
        row(1, "66000", "0.5", Date.parse("2024-07-18T01:00:00Z") * 1000),
      ]),
      { status: "success", rows: 1 },
    );
    await add(
      "duplicate file (flat copy of a hive file)",
      `datasets/binance-futures_trades_${DAY}_BTCUSDT.csv.gz`,
      good[0].csv,
      {
        status: "failed",
        message: /Duplicate of "tardis\/exchange=binance-futures/,
      },
    );
    await add("path outside any layout", "datasets/trades-btc.csv.gz", goodTrades, {
      status: "unmatched",
      message: /does not match/,
    });
    await add(
      "unknown date in the name",
      "datasets/binance-futures_trades_2024-02-31_BTCUSDT.csv.gz",
      goodTrades,
      {
        status: "unmatched",
        message: /calendar date/,
      },
    );
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
    cases.push({
      name: "partition value with ../",
      path: unsafe.bronze_path,
      status: "unmatched",
      message: /"\.\."/,
    });
    assert.ok(cases.length >= 15, `${cases.length} kinds`);

    const ingestion = new IngestionService({
      source: new WithUnsafePaths(t.lake.source, [unsafe]),
      manifest: t.lake.manifest,
      services: t.services.eventTables,
      loadDim: () => t.services.dimSymbol.current(),
    });
    const result = await ingestion.run();
    const byPath = new Map(result.files.map((f) => [f.meta.bronze_path, f]));
    const unmatched = new Map(result.unmatched.map((u) => [u.bronze_path, u.reason]));
    for (const c of cases) {
      if (c.status === "unmatched") {
        assert.ok(unmatched.has(c.path), `${c.name}: not reported as unmatched`);
        assert.match(unmatched.get(c.path)!, c.message!, c.name);
        assert.ok(!byPath.has(c.path), `${c.name}: must not be ingested`);
        continue;
      }
      const f = byPath.get(c.path);
      assert.ok(f, `${c.name}: no result`);
      assert.equal(f.status, c.status, `${c.name}: ${f.message}`);
      if (c.message) assert.match(f.message ?? "", c.message, c.name);
      if (c.rows !== undefined) assert.equal(f.rowsWritten, c.rows, `${c.name}: rows`);
      if (c.quarantined !== undefined) {
        assert.equal(f.rowsQuarantined, c.quarantined, `${c.name}: quarantined`);
      }
    }
    for (const g of good) assert.equal(byPath.get(g.path)?.status, "success", g.path);

    // Failed files wrote nothing anywhere; the manifest carries their message.
    const failedIds = result.files.filter((f) => f.status === "failed").map((f) => f.fileId!);
    assert.ok(failedIds.length >= 7);
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
    const trades = await t.lake.events.trades.readAll();
    const goodIds = good.filter((g) => g.path.includes("type=trades")).map((g) =>
      byPath.get(g.path)!.fileId!
    );
    assert.equal(trades.filter(pl.col("file_id").isIn(goodIds)).height, 80);

    // Rejected rows are queryable with their rule and physical line number.
    const q = await t.lake.quarantine.readAll();
    const nonNumeric = byPath.get("datasets/binance-futures_trades_2024-07-23_BTCUSDT.csv.gz")!;
    const qRow = q.filter(pl.col("file_id").eq(pl.lit(nonNumeric.fileId!))).toRecords();
    assert.equal(qRow.length, 1);
    assert.equal(qRow[0].file_line_number, 3);

    // The run's exit rule: failures make the job fail.
    assert.ok(result.byStatus.failed > 0);
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
