import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import pl from "nodejs-polars";
import { EVENT_TABLES } from "../../src/domain/event_tables.ts";
import type {
  BronzeFileMetadata,
  BronzeSource,
  EventTableRepository,
  WriteFileRowsOptions,
} from "../../src/io/protocols.ts";
import {
  decompressBronze,
  EventTableService,
  FileIngestError,
} from "../../src/services/event_table_service.ts";
import {
  SAMPLE_INSTRUMENTS_EFFECTIVE_US,
  sampleInstruments,
} from "../../src/sample/sample_bronze.ts";
import { fromTardisInstruments } from "../../src/domain/tardis_instruments.ts";
import { rebuildFromHistory } from "../../src/domain/rebuild_from_history.ts";
import { TARDIS_FIXTURES } from "../_fixtures.ts";
import { sampleFile } from "../ingest/_lake.ts";

/** An in-memory event repository: the service needs nothing but the interface. */
class MemoryRepo implements EventTableRepository {
  readonly uri = "memory://events";
  writes: { rows: number; options: WriteFileRowsOptions }[] = [];
  frames: pl.DataFrame[] = [];
  readAll() {
    return Promise.resolve(this.frames.length ? pl.concat(this.frames) : pl.DataFrame({}));
  }
  writeFull(): Promise<void> {
    throw new Error("not used");
  }
  merge(): Promise<void> {
    throw new Error("not used");
  }
  writeFileRows(df: pl.DataFrame, options: WriteFileRowsOptions) {
    this.writes.push({ rows: df.height, options });
    if (df.height > 0) this.frames.push(df);
    return Promise.resolve({ skipped: false, rowsWritten: df.height, rowsRemoved: 0 });
  }
  deleteFiles() {
    return Promise.resolve(0);
  }
}

class MemorySource implements BronzeSource {
  readonly root = "memory://bronze";
  constructor(private files: Record<string, Uint8Array>) {}
  async *listFiles() {}
  readFile(path: string) {
    const f = this.files[path];
    return f ? Promise.resolve(f) : Promise.reject(new Error(`ENOENT: "${path}"`));
  }
}

function meta(path: string, date = "2024-07-30"): BronzeFileMetadata {
  return {
    vendor: "tardis",
    exchange: "binance-futures",
    data_type: "trades",
    symbol: "BTCUSDT",
    date,
    bronze_path: path,
    file_size_bytes: 0,
    last_modified_ts: 0,
    sha256: "x",
  };
}

const DIM = rebuildFromHistory(
  fromTardisInstruments(sampleInstruments(), {
    effectiveTs: BigInt(SAMPLE_INSTRUMENTS_EFFECTIVE_US),
  }),
);

function service(files: Record<string, Uint8Array>) {
  const repo = new MemoryRepo();
  const quarantine = new MemoryRepo();
  const svc = new EventTableService({
    spec: EVENT_TABLES.trades,
    repo,
    quarantine,
    source: new MemorySource(files),
  });
  return { svc, repo, quarantine };
}

Deno.test("decompressBronze gunzips .gz names and passes plain CSV through", () => {
  const text = "a,b\n1,2\n";
  assert.equal(new TextDecoder().decode(decompressBronze(gzipSync(text), "x.csv.gz")), text);
  assert.equal(
    new TextDecoder().decode(decompressBronze(new TextEncoder().encode(text), "x.csv")),
    text,
  );
  assert.equal(decompressBronze(gzipSync(new Uint8Array(0)), "x.csv.gz").length, 0);
  assert.throws(
    () => decompressBronze(gzipSync(text), "x.csv"),
    /^FileIngestError: Cannot parse "x.csv": it is gzip-compressed but not named .gz; rename it$/,
  );
});

Deno.test("decompressBronze fails the corrupt real Tardis gzip with a clear message", async () => {
  const bytes = await Deno.readFile(`${TARDIS_FIXTURES}/trades/tardis_trades.csv.gz`);
  assert.throws(
    () => decompressBronze(bytes, "tardis_trades.csv.gz"),
    (e: unknown) =>
      e instanceof FileIngestError && /corrupt or truncated gzip: .*distance/.test(e.message),
  );
});

Deno.test("EventTableService writes rows and quarantined rows through the repositories", async () => {
  const f = sampleFile("trades", "BTCUSDT", "2024-07-30", 12);
  const lines = f.csv.trimEnd().split("\n");
  lines[2] = lines[2].replace(/,[0-9.]+$/, ",0"); // amount 0: rejected
  const { svc, repo, quarantine } = service({ [f.path]: gzipSync(lines.join("\n") + "\n") });
  const out = await svc.ingestFile(meta(f.path), {
    fileId: 9,
    attempt: 2,
    supersededFileIds: [4],
    dim: DIM,
  });
  assert.equal(out.status, "success");
  assert.equal(out.rowsRead, 12);
  assert.equal(out.rowsWritten, 11);
  assert.equal(out.rowsQuarantined, 1);
  assert.match(out.message ?? "", /^1 of 12 rows quarantined: amount/);
  assert.ok(out.tsLocalMinUs! < out.tsLocalMaxUs!);
  assert.deepEqual(repo.writes.map((w) => [w.rows, w.options]), [[11, {
    fileId: 9,
    attempt: 2,
    supersededFileIds: [4],
  }]]);
  assert.equal(quarantine.writes[0].rows, 1);
  const q = (await quarantine.readAll()).toRecords()[0] as Record<string, unknown>;
  assert.equal(q.file_line_number, 3);
  assert.equal(q.file_id, 9);
});

Deno.test("EventTableService marks a file quarantined when every row is rejected", async () => {
  const f = sampleFile("trades", "BTCUSDT", "2024-07-30", 5);
  const { svc, repo } = service({ [f.path]: gzipSync(f.csv) });
  const out = await svc.ingestFile(meta(f.path), { fileId: 1, dim: DIM.head(0) });
  assert.equal(out.status, "quarantined");
  assert.equal(out.rowsWritten, 0);
  assert.equal(out.rowsQuarantined, 5);
  assert.match(out.message ?? "", /symbol_resolved/);
  assert.equal(repo.frames.length, 0);
});

Deno.test("EventTableService treats an empty gzip as a successful empty file", async () => {
  const { svc, repo, quarantine } = service({ "a.csv.gz": gzipSync(new Uint8Array(0)) });
  const out = await svc.ingestFile(meta("a.csv.gz"), { fileId: 3, dim: DIM });
  assert.deepEqual([out.status, out.rowsRead, out.rowsWritten], ["success", 0, 0]);
  assert.equal(repo.frames.length + quarantine.frames.length, 0);
});

Deno.test("EventTableService fails unreadable and corrupt files before writing anything", async () => {
  const f = sampleFile("trades", "BTCUSDT", "2024-07-30", 5);
  const gz = gzipSync(f.csv);
  const { svc, repo, quarantine } = service({ "cut.csv.gz": gz.slice(0, 30) });
  await assert.rejects(
    () => svc.ingestFile(meta("cut.csv.gz"), { fileId: 1, dim: DIM }),
    FileIngestError,
  );
  await assert.rejects(
    () => svc.ingestFile(meta("missing.csv.gz"), { fileId: 2, dim: DIM }),
    /Cannot read "missing.csv.gz": ENOENT/,
  );
  assert.equal(repo.writes.length + quarantine.writes.length, 0);
});

Deno.test("EventTableService names every quarantine rule in the file's message", async () => {
  const f = sampleFile("trades", "BTCUSDT", "2024-07-30", 12);
  const lines = f.csv.trimEnd().split("\n");
  const cells = (i: number) => lines[i].split(",");
  const set = (i: number, col: number, value: string) => {
    const c = cells(i);
    c[col] = value;
    lines[i] = c.join(",");
  };
  set(2, 7, "0"); // amount_positive (twice: the most frequent rule)
  set(3, 7, "0");
  set(4, 6, "-1"); // price_positive
  set(5, 5, "hold"); // side_known
  set(6, 6, "1e300"); // price_in_range
  set(7, 6, "abc"); // parse_error
  lines[8] = "garbage"; // parse_error (malformed line)
  set(9, 3, "9000000000000000000"); // timestamps_in_range
  const { svc } = service({ [f.path]: gzipSync(lines.join("\n") + "\n") });
  const out = await svc.ingestFile(meta(f.path), { fileId: 9, dim: DIM });
  assert.equal(out.status, "success");
  assert.equal(out.rowsQuarantined, 8);
  const message = out.message ?? "";
  assert.match(message, /^8 of 12 rows quarantined: amount_positive \(2: amount=0/);
  assert.match(message, /parse_error \(2: /);
  assert.match(
    message,
    /price_in_range \(1: price=1e\+300 price_increment=0\.5\), and 3 more rules: price_positive \(1\), side_known \(1\), timestamps_in_range \(1\)$/,
  );
});
