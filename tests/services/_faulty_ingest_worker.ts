/**
 * The real ingest worker, made to fail on chosen files (for `worker_file_runner_test.ts`): a
 * file whose path contains `liquidations` and `BTCUSDT` makes the worker throw an uncaught
 * error mid-file, one with `derivative_ticker` and `ETHUSDT` makes it close itself mid-file,
 * and one with `quotes` and `BTC-PERPETUAL` makes it call `Deno.exit`.
 */
import "../../src/services/ingest_worker.ts";

const scope = globalThis as unknown as {
  addEventListener(type: string, listener: (e: MessageEvent) => void): void;
  close(): void;
};

scope.addEventListener("message", (e) => {
  const path: string | undefined = e.data?.task?.meta?.bronze_path;
  if (path === undefined) return;
  if (path.includes("liquidations") && path.includes("BTCUSDT")) {
    throw new Error("this worker crashed on purpose");
  }
  if (path.includes("derivative_ticker") && path.includes("ETHUSDT")) scope.close();
  if (path.includes("quotes") && path.includes("BTC-PERPETUAL")) Deno.exit(7);
});
