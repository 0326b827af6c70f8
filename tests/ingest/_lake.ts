/**
 * Test helpers for ingestion: temporary lakes with a small sample bronze set and a synced
 * dim_symbol, and a comparable snapshot of every silver table.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import type pl from "nodejs-polars";
import { openDeltaLake } from "../../src/io/delta_lake.ts";
import { hiveBronzePath } from "../../src/io/bronze_layout.ts";
import {
  SAMPLE_INSTRUMENTS,
  SAMPLE_INSTRUMENTS_EFFECTIVE_US,
  type SampleDataType,
  sampleInstruments,
  sampleTardisCsv,
} from "../../src/sample/sample_bronze.ts";
import { buildIngestion } from "../../src/services/build_ingestion.ts";
import { TARDIS_FIXTURES } from "../_fixtures.ts";

/** A temporary lake. */
export interface TestLake {
  root: string;
  lake: ReturnType<typeof openDeltaLake>;
  services: ReturnType<typeof buildIngestion>;
  cleanup: () => Promise<void>;
}

/** A temporary lake with an empty bronze folder and, unless `dim: false`, dim_symbol synced. */
export async function makeLake(options: { dim?: boolean } = {}): Promise<TestLake> {
  const root = await Deno.makeTempDir({ prefix: "pointline_lake_" });
  await Deno.mkdir(`${root}/bronze`, { recursive: true });
  const lake = openDeltaLake(root);
  const services = buildIngestion(lake);
  if (options.dim ?? true) {
    await services.dimSymbol.syncTardisInstruments(sampleInstruments(), {
      effectiveTs: SAMPLE_INSTRUMENTS_EFFECTIVE_US,
    });
  }
  return { root, lake, services, cleanup: () => Deno.remove(root, { recursive: true }) };
}

/** Write a bronze file (text is gzipped when the path ends in .gz; bytes are written as is). */
export async function putBronze(root: string, rel: string, content: string | Uint8Array) {
  const path = `${root}/bronze/${rel}`;
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  const bytes = typeof content === "string"
    ? (rel.endsWith(".gz")
      ? gzipSync(new TextEncoder().encode(content))
      : new TextEncoder().encode(content))
    : content;
  await Deno.writeFile(path, bytes);
}

/** A sample Tardis CSV for one of the sample instruments, with its hive path. */
export function sampleFile(
  dataType: SampleDataType,
  symbol: string,
  date: string,
  rows: number,
  seed = 1,
): { path: string; csv: string } {
  const inst = SAMPLE_INSTRUMENTS.find((i) => i.symbol === symbol)!;
  const csv = sampleTardisCsv(dataType, {
    exchange: inst.exchange,
    symbol,
    date,
    rows,
    seed,
    priceStep: symbol === "BTCUSDT" ? 0.5 : inst.tick,
    lot: inst.lot,
    price: inst.price,
  });
  return {
    path: hiveBronzePath({ exchange: inst.exchange, data_type: dataType, date, symbol }),
    csv,
  };
}

/** Every silver table, sorted, for equality checks; the manifest as its latest rows. */
export async function snapshotTables(lake: ReturnType<typeof openDeltaLake>) {
  const out: Record<string, pl.DataFrame> = {};
  for (const [dataType, repo] of Object.entries(lake.events)) {
    out[dataType] = (await repo.readAll()).sort(["file_id", "file_line_number"]);
  }
  out.quarantine = (await lake.quarantine.readAll()).sort(["file_id", "file_line_number"]);
  out.manifest = (await lake.manifest.readAll()).select(
    "file_id",
    "bronze_path",
    "sha256",
    "status",
    "rows_read",
    "rows_written",
    "rows_quarantined",
    "error_message",
  ).sort("file_id");
  return out;
}

/** Names of the tables whose contents differ. */
export function diffTables(
  a: Record<string, pl.DataFrame>,
  b: Record<string, pl.DataFrame>,
): string[] {
  const bad: string[] = [];
  for (const name of Object.keys(a)) {
    const x = a[name];
    const y = b[name];
    if (!y || x.height !== y.height || !x.frameEqual(y, true)) {
      bad.push(`${name} (${x.height} vs ${y?.height})`);
    }
  }
  return bad;
}

/** Run a task script as a child process (with extra environment variables when given). */
export function taskCommand(
  script: string,
  args: string[],
  env?: Record<string, string>,
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL(`../../tasks/${script}`, import.meta.url).pathname,
      ...args,
    ],
    ...(env ? { env } : {}),
    stdout: "piped",
    stderr: "piped",
  });
}

/**
 * Kill a spawned `ingest` job with SIGKILL after `k` finished files (its progress lines on
 * stderr) plus a random delay within one file's time (`perFileMs`); with `k = 0`, at a random
 * time within `anyMs` from now. Resolves with the job's exit status once it has ended.
 */
export async function killIngestAfter(
  child: Deno.ChildProcess,
  k: number,
  delays: { perFileMs: number; anyMs: number },
): Promise<Deno.CommandStatus> {
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (k === 0) timer = setTimeout(kill, Math.random() * delays.anyMs);
  const watch = (async () => {
    let seen = 0;
    let text = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      const lines = text.split("\n");
      text = lines.pop()!;
      seen += lines.filter((l) => l.startsWith("ingest [")).length;
      if (k > 0 && seen >= k && timer === undefined) {
        timer = setTimeout(kill, Math.random() * delays.perFileMs);
      }
    }
  })();
  const [status] = await Promise.all([child.status, child.stdout.cancel()]);
  clearTimeout(timer);
  await watch;
  return status;
}

/** Instruments for the samples' symbols (bitmex XBTUSD is the real fixture). */
export const REAL_SAMPLE_INSTRUMENTS: Record<string, unknown>[] = [
  ["binance-futures", "BTCUSDT", "BTC", "USDT", 0.01, 0.001],
  ["deribit", "BTC-PERPETUAL", "BTC", "USD", 0.5, 10],
  ["huobi-dm-swap", "BTC-USD", "BTC", "USD", 0.1, 1],
].map(([exchange, id, base, quote, tick, lot]) => ({
  id,
  datasetId: id,
  exchange,
  baseCurrency: base,
  quoteCurrency: quote,
  type: "perpetual",
  active: true,
  availableSince: "2019-09-01T00:00:00.000Z",
  priceIncrement: tick,
  amountIncrement: lot,
  contractMultiplier: 1,
  changes: [],
}));

/** The real Tardis samples under flat Tardis names (plain CSV): fixture, name, data rows. */
export const REAL_SAMPLE_FILES: readonly (readonly [string, string, number])[] = [
  ["trades/tardis_trades.csv", "binance-futures_trades_2020-02-22_BTCUSDT.csv", 9999],
  ["trades/bitmex_trades_XBTUSD.csv", "bitmex_trades_2020-03-01_XBTUSD.csv", 10],
  ["quotes/tardis_quotes.csv", "binance-futures_quotes_2020-02-22_BTCUSDT.csv", 9999],
  ["quotes/huobi-dm-swap_quotes_BTC-USD.csv", "huobi-dm-swap_quotes_2020-05-01_BTC-USD.csv", 10],
  [
    "book_snapshot_25/binance-futures_book_snapshot_25_BTCUSDT.csv",
    "binance-futures_book_snapshot_25_2020-09-01_BTCUSDT.csv",
    10,
  ],
  [
    "incremental_book_L2/deribit_incremental_book_L2_BTC-PERPETUAL.csv",
    "deribit_incremental_book_L2_2020-04-01_BTC-PERPETUAL.csv",
    15,
  ],
];

/**
 * Put the real samples in `t`'s bronze (`datasets/<flat name>`, symlinked so they are read in
 * place) and sync their instruments (and the real perpetual's) into `dim_symbol`.
 */
export async function addRealSamples(t: TestLake): Promise<void> {
  const perp = JSON.parse(
    await Deno.readTextFile(`${TARDIS_FIXTURES}/instrument_metadata/instrument_perpetual.json`),
  );
  await t.services.dimSymbol.syncTardisInstruments([...REAL_SAMPLE_INSTRUMENTS, perp], {
    effectiveTs: Date.UTC(2025, 0, 1) * 1000,
  });
  await Deno.mkdir(`${t.root}/bronze/datasets`, { recursive: true });
  for (const [fixture, name] of REAL_SAMPLE_FILES) {
    await Deno.symlink(`${TARDIS_FIXTURES}/${fixture}`, `${t.root}/bronze/datasets/${name}`);
  }
}
