/**
 * Subprocess of tests/io/delta/concurrency_test.ts: appends `n` one-row commits tagged with
 * the worker id to the table at `dir`, after waiting for the `go` barrier file.
 * Usage: deno run -A append_worker.ts <dir> <worker> <n> <goFile>
 * Prints one JSON line: {"worker", "versions": [...]}.
 */
import pl from "nodejs-polars";
import { writeDelta } from "../../../../src/io/delta/write_delta.ts";
import { waitForFile } from "./wait_for_file.ts";

const [dir, worker, n, goFile] = Deno.args;
await waitForFile(goFile, { pollMs: 5 });
const versions: number[] = [];
for (let i = 0; i < Number(n); i++) {
  const df = pl.DataFrame({ worker: [Number(worker)], seq: [i] }).withColumns(
    pl.col("worker").cast(pl.Int64),
    pl.col("seq").cast(pl.Int64),
  );
  const r = await writeDelta(dir, df, { mode: "append", retry: { maxRetries: 500 } });
  versions.push(r.version);
}
console.log(JSON.stringify({ worker: Number(worker), versions }));
