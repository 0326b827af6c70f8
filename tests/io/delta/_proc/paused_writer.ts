/**
 * Subprocess of tests/io/delta/concurrency_test.ts: one `writeDelta` (append or overwrite) that
 * reads the table and writes its data files, then pauses just before its first commit attempt:
 * it creates `<readyFile>`, waits for `<goFile>`, and only then tries to put `N.json`. Two such
 * processes both read the same version, so releasing them decides who wins the race.
 * Usage: deno run -A paused_writer.ts <dir> <append|overwrite> <readyFile> <goFile> [isolationLevel]
 * Prints one JSON line: {"kind", "ok": true, "version"} or {"kind", "ok": false, "error",
 * "winningVersion", "reason"}.
 */
import pl from "nodejs-polars";
import { writeDelta } from "../../../../src/io/delta/write_delta.ts";
import { CommitConflictError } from "../../../../src/io/delta/errors.ts";
import { LocalStorage } from "../../../../src/io/delta/local_storage.ts";
import type { PutOptions } from "../../../../src/io/delta/storage.ts";
import type { IsolationLevel } from "../../../../src/io/delta/commit.ts";
import { waitForFile } from "./wait_for_file.ts";

const [dir, kind, readyFile, goFile, isolationLevel] = Deno.args;

/** Local storage that holds the first commit put until the go file exists. */
class PausedStorage extends LocalStorage {
  #paused = false;
  override async put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<void> {
    if (!this.#paused && /^_delta_log\/\d{20}\.json$/.test(path)) {
      this.#paused = true;
      await Deno.writeTextFile(readyFile, "");
      await waitForFile(goFile);
    }
    return await super.put(path, bytes, options);
  }
}

const df = pl.DataFrame({ worker: [kind === "overwrite" ? 100 : 200], seq: [0] }).withColumns(
  pl.col("worker").cast(pl.Int64),
  pl.col("seq").cast(pl.Int64),
);
try {
  const r = await writeDelta(dir, df, {
    mode: kind === "overwrite" ? "overwrite" : "append",
    storage: new PausedStorage(dir),
    ...(isolationLevel ? { isolationLevel: isolationLevel as IsolationLevel } : {}),
  });
  console.log(JSON.stringify({ kind, ok: true, version: r.version }));
} catch (e) {
  if (!(e instanceof CommitConflictError)) throw e;
  console.log(JSON.stringify({
    kind,
    ok: false,
    error: e.name,
    winningVersion: e.winningVersion,
    reason: e.reason,
  }));
}
