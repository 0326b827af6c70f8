/**
 * Subprocess of tests/io/delta/concurrency_test.ts: one overwrite or one append racing another
 * process, both released by the `go` barrier file.
 * Usage: deno run -A race_worker.ts <dir> <overwrite|append|overwrite-slow> <goFile> [resumeFile]
 * `overwrite` and `append` create `<goFile>.<kind>.ready` once they wait at the barrier.
 * `overwrite-slow` reads the table and writes its data files, creates `<goFile>.ready`, then waits for
 * `resumeFile` before committing: a deterministic "append commits while the overwrite runs".
 * Prints one JSON line: {"kind", "ok": true, "version"} or {"kind", "ok": false, "error",
 * "winningVersion"}.
 */
import pl from "nodejs-polars";
import { writeDelta } from "../../../../src/io/delta/write_delta.ts";
import { CommitConflictError } from "../../../../src/io/delta/errors.ts";
import { LocalStorage } from "../../../../src/io/delta/local_storage.ts";
import { loadSnapshot } from "../../../../src/io/delta/snapshot.ts";
import { Transaction } from "../../../../src/io/delta/transaction.ts";
import { writeDataFiles } from "../../../../src/io/delta/data_file_writer.ts";
import { waitForFile } from "./wait_for_file.ts";

const [dir, kind, goFile, resumeFile] = Deno.args;

const df = pl.DataFrame({ worker: [kind.startsWith("overwrite") ? 100 : 200], seq: [0] })
  .withColumns(
    pl.col("worker").cast(pl.Int64),
    pl.col("seq").cast(pl.Int64),
  );
let slow: Transaction | undefined;
if (kind === "overwrite-slow") {
  const storage = new LocalStorage(dir);
  const snap = await loadSnapshot(storage);
  slow = new Transaction(storage, snap, {
    operation: "WRITE",
    operationParameters: { mode: "Overwrite" },
  });
  slow.readAll();
  for (const f of snap.files) slow.removeFile(f);
  slow.addFiles(await writeDataFiles(storage, df));
  await Deno.writeTextFile(`${goFile}.ready`, "");
} else {
  // Tell the test this process is loaded and at the barrier, so the race is a real one.
  await Deno.writeTextFile(`${goFile}.${kind}.ready`, "");
}
await waitForFile(goFile);
try {
  if (slow) {
    await waitForFile(resumeFile);
    const r = await slow.commit();
    console.log(JSON.stringify({ kind, ok: true, version: r.version }));
    Deno.exit(0);
  }
  const r = await writeDelta(dir, df, { mode: kind === "overwrite" ? "overwrite" : "append" });
  console.log(JSON.stringify({ kind, ok: true, version: r.version }));
} catch (e) {
  if (!(e instanceof CommitConflictError)) throw e;
  console.log(JSON.stringify({ kind, ok: false, error: e.name, winningVersion: e.winningVersion }));
}
