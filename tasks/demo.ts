/**
 * `deno task demo`: build a deterministic sample bronze folder, sync `dim_symbol` from its
 * instrument file (with a tick-size change inside the range), ingest everything, and print
 * files by status, rows by table and a few decoded trades around the tick change.
 *
 * Re-running is safe: the sample files are byte-identical, so nothing is ingested twice.
 *
 * @module
 */
import { rm } from "node:fs/promises";
import pl from "nodejs-polars";
import { BRONZE_DIR } from "../src/config.ts";
import { isRemoteUri, joinUri, storageForUri } from "../src/io/delta/storage_for_uri.ts";
import { decodeFixedPoint } from "../src/domain/fixed_point.ts";
import { openDeltaLake } from "../src/io/delta_lake.ts";
import { type CommandSpec, helpText, parseCliArgs } from "../src/cli/args.ts";
import { formatIngestReport } from "../src/cli/ingest_report.ts";
import { ProgressBar } from "../src/cli/progress_bar.ts";
import { LAKE_FLAG_HELP, lakeRootFlag } from "../src/cli/lake_flag.ts";
import { runCli } from "../src/cli/run_cli.ts";
import { formatTable } from "../src/cli/table.ts";
import { UserError } from "../src/cli/user_error.ts";
import {
  SAMPLE_INSTRUMENTS_EFFECTIVE_US,
  SAMPLE_TICK_CHANGE_US,
  writeSampleBronze,
} from "../src/sample/sample_bronze.ts";
import { buildIngestion } from "../src/services/build_ingestion.ts";

const SPEC: CommandSpec = {
  usage: "deno task demo [options]",
  description: `
Write a deterministic sample bronze folder (binance-futures and deribit, 3 symbols, 2 days,
every data type, real Tardis formats), sync dim_symbol from its instrument file, ingest it
into the lake and print a summary. On an s3:// lake the sample bronze is written to the bucket's
<lake>/bronze prefix.`,
  flags: {
    lake: { type: "string", value: "DIR|URI", help: LAKE_FLAG_HELP },
    rows: { type: "string", value: "N", help: "Rows per trades/quotes/L2 file (default 400)" },
    fresh: { type: "boolean", help: "Delete the lake's silver tables first" },
  },
};

/**
 * Run the demo.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  const { values: v, help } = parseCliArgs(args, SPEC);
  if (help) {
    console.log(helpText(SPEC));
    return 0;
  }
  const root = await lakeRootFlag(v.lake as string | undefined);
  const rows = v.rows === undefined ? 400 : Number(v.rows);
  if (!Number.isSafeInteger(rows) || rows < 1 || rows > 1_000_000) {
    throw new UserError(`Invalid --rows "${v.rows}": expected an integer from 1 to 1000000`);
  }
  const t0 = performance.now();
  if (v.fresh) await _removeSilver(root);
  const bronze = joinUri(root, BRONZE_DIR);
  const sample = await writeSampleBronze(bronze, { rows });
  console.log(`Sample bronze: ${sample.files.length} files in ${bronze}`);

  const lake = openDeltaLake(root);
  const services = buildIngestion(lake);
  const dim = await services.dimSymbol.syncTardisInstruments(sample.instruments, {
    effectiveTs: SAMPLE_INSTRUMENTS_EFFECTIVE_US,
  });
  console.log(`dim_symbol: ${dim.rowsAfter} versions of ${dim.currentRows} instruments`);

  let bar: ProgressBar | undefined;
  const result = await services.ingestion.run({
    onPlan: (p) => {
      if (p.length > 0) bar = new ProgressBar({ label: "ingest" });
    },
    onProgress: (p) => bar?.update(p),
  });
  bar?.finish();
  console.log(formatIngestReport(result));

  const manifest = await lake.manifest.readAll();
  console.log("\nFiles by status (whole lake):");
  console.log(formatTable(
    manifest.groupBy("status").agg(pl.len().alias("files")).sort("status").toRecords(),
  ));
  const counts: Record<string, unknown>[] = [];
  for (const [dataType, repo] of Object.entries(lake.events)) {
    const df = await repo.readAll();
    counts.push({ table: repo.schema.name, data_type: dataType, rows: df.height });
  }
  counts.push({
    table: "quarantine",
    data_type: "",
    rows: (await lake.quarantine.readAll()).height,
  });
  console.log("\nRows by table (whole lake):");
  console.log(formatTable(counts));

  console.log(
    "\nDecoded BTCUSDT trades around the tick-size change (0.5 -> 0.1 at 2024-07-31T12:00Z):",
  );
  console.log(formatTable(await _decodedTrades(lake)));
  console.log(`\nDone in ${((performance.now() - t0) / 1000).toFixed(1)} s. Lake: ${root}`);
  return result.byStatus.failed > 0 ? 1 : 0;
}

/** Delete the lake's silver tables (every object under `silver/` of a remote lake). */
async function _removeSilver(root: string): Promise<void> {
  const silver = joinUri(root, "silver");
  if (!isRemoteUri(silver)) {
    await rm(silver, { recursive: true, force: true });
    return;
  }
  const storage = storageForUri(silver);
  for (const obj of await storage.list("")) await storage.delete(obj.path);
}

/** Two trades before and two after the tick change, decoded with their own dim version. */
async function _decodedTrades(lake: ReturnType<typeof openDeltaLake>) {
  const dim = (await lake.dim.readAll()).select(
    "symbol_id",
    "exchange_symbol",
    "price_increment",
    "amount_increment",
  );
  const trades = (await lake.events.trades.readAll())
    .join(dim, { on: "symbol_id" })
    .filter(pl.col("exchange_symbol").eq(pl.lit("BTCUSDT")))
    .sort("ts_local_us");
  const change = SAMPLE_TICK_CHANGE_US;
  const before = trades.filter(pl.col("ts_local_us").lt(pl.lit(change))).tail(2);
  const after = trades.filter(pl.col("ts_local_us").gtEq(pl.lit(change))).head(2);
  return pl.concat([before, after]).select(
    pl.col("ts_local_us").cast(pl.Datetime("us")).cast(pl.Utf8).alias("time"),
    "exchange_symbol",
    pl.when(pl.col("side").eq(0)).then(pl.lit("buy"))
      .when(pl.col("side").eq(1)).then(pl.lit("sell"))
      .otherwise(pl.lit("unknown")).alias("side"),
    "px_int",
    "price_increment",
    decodeFixedPoint("px_int", "price_increment").alias("price"),
    decodeFixedPoint("qty_int", "amount_increment").alias("amount"),
  ).toRecords();
}

if (import.meta.main) await runCli(main);
