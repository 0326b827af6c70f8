/**
 * The memory budget bounds the working set, not the file: `deno task ingest --memory 8` on a
 * trades file of about 3 times the budget (gzipped, generated) peaks within the budget plus a
 * fixed base (measured in the same test as the peak of the same job on a tiny file), with a
 * generous margin. The whole-file path needs about 5 times the CSV size, far above the bound.
 * Peak RSS is read with `/usr/bin/time` (maximum resident set size); nothing here is timed.
 */
import assert from "node:assert/strict";
import { writeLargeTardisFile } from "../../src/sample/large_tardis_file.ts";
import { makeLake, sampleFile } from "./_lake.ts";

const BUDGET_MIB = 8;
/** Slack above budget + base: allocator and stream buffers (the whole file would need ~140). */
const MARGIN_MIB = 64;

async function peakRssMiB(root: string): Promise<number> {
  const out = await new Deno.Command("/usr/bin/time", {
    args: [
      "-f",
      "PEAK_KIB %M",
      Deno.execPath(),
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("../../tasks/ingest.ts", import.meta.url).pathname,
      "--lake",
      root,
      "--memory",
      String(BUDGET_MIB),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stdout) + stderr);
  const kib = Number(/PEAK_KIB (\d+)/.exec(stderr)?.[1]);
  assert.ok(kib > 0, stderr);
  return kib / 1024;
}

async function lakeWith(rows: number) {
  const t = await makeLake();
  const { path } = sampleFile("trades", "ETHUSDT", "2024-07-30", 1);
  const abs = `${t.root}/bronze/${path}`;
  await Deno.mkdir(abs.slice(0, abs.lastIndexOf("/")), { recursive: true });
  const file = await writeLargeTardisFile(abs, "trades", {
    exchange: "binance-futures",
    symbol: "ETHUSDT",
    date: "2024-07-30",
    rows,
    priceStep: 0.01,
    lot: 0.001,
    price: 3300,
  });
  return { t, file };
}

Deno.test("ingest --memory 8 of a file 3x the budget peaks within budget + base", async () => {
  const tiny = await lakeWith(2000);
  const big = await lakeWith(300_000);
  try {
    assert.ok(big.file.csvBytes > 3 * BUDGET_MIB * 2 ** 20, `${big.file.csvBytes} bytes of CSV`);
    const base = await peakRssMiB(tiny.t.root);
    const peak = await peakRssMiB(big.t.root);
    const bound = base + BUDGET_MIB + MARGIN_MIB;
    console.log(
      `base ${base.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB, bound ${bound.toFixed(0)}`,
    );
    assert.ok(
      peak < bound,
      `peak ${peak.toFixed(0)} MiB > base ${base.toFixed(0)} + budget + margin`,
    );
    const rows = await big.t.lake.events.trades.readAll();
    assert.equal(rows.height, 300_000);
  } finally {
    await tiny.t.cleanup();
    await big.t.cleanup();
  }
});
