import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import {
  BronzeRootError,
  globToRegExp,
  LocalBronzeSource,
  sha256File,
} from "../../src/io/local_bronze_source.ts";
import type {
  BronzeFileMetadata,
  UnmatchedBronzeFile,
  UnreadableBronzeFile,
} from "../../src/io/protocols.ts";
import { TARDIS_FIXTURES } from "../_fixtures.ts";
import { mkfifo } from "../_special_files.ts";

async function list(
  source: LocalBronzeSource,
  glob?: string,
  filter?: (c: { data_type: string }) => boolean,
) {
  const files: BronzeFileMetadata[] = [];
  const unmatched: UnmatchedBronzeFile[] = [];
  const unreadable: UnreadableBronzeFile[] = [];
  for await (
    const f of source.listFiles(glob, {
      onUnmatched: (u) => unmatched.push(u),
      onUnreadable: (u) => unreadable.push(u),
      filter,
    })
  ) {
    files.push(f);
  }
  return { files, unmatched, unreadable };
}

async function withBronze(f: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "bronze_" });
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function put(dir: string, rel: string, bytes: Uint8Array | string) {
  const path = `${dir}/${rel}`;
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  if (typeof bytes === "string") await Deno.writeTextFile(path, bytes);
  else await Deno.writeFile(path, bytes);
}

const HIVE = "tardis/exchange=deribit/type=trades/date=2024-07-30/symbol=BTC-PERPETUAL/" +
  "deribit_trades_2024-07-30_BTC-PERPETUAL.csv.gz";

Deno.test("LocalBronzeSource lists both layouts sorted with size, mtime and sha256", async () => {
  await withBronze(async (dir) => {
    const body = gzipSync(new TextEncoder().encode("exchange,symbol\n"));
    await put(dir, HIVE, body);
    await put(dir, "datasets/binance_quotes_2024-07-30_BTCUSDT.csv.gz", body);
    const { files, unmatched } = await list(new LocalBronzeSource(dir));
    assert.equal(unmatched.length, 0);
    assert.deepEqual(files.map((f) => f.bronze_path), [
      "datasets/binance_quotes_2024-07-30_BTCUSDT.csv.gz",
      HIVE,
    ]);
    const hive = files[1];
    assert.equal(hive.vendor, "tardis");
    assert.equal(hive.exchange, "deribit");
    assert.equal(hive.data_type, "trades");
    assert.equal(hive.date, "2024-07-30");
    assert.equal(hive.file_size_bytes, body.length);
    assert.equal(hive.sha256, createHash("sha256").update(body).digest("hex"));
    const mtimeUs = Math.round((await Deno.stat(`${dir}/${HIVE}`)).mtime!.getTime() * 1000);
    assert.ok(Math.abs(hive.last_modified_ts - mtimeUs) < 1000, "mtime in microseconds");
  });
});

Deno.test("LocalBronzeSource reports files in no layout instead of dropping them", async () => {
  await withBronze(async (dir) => {
    await put(dir, "README.txt", "hello");
    await put(dir, "datasets/binance_trades_2024-02-30_BTC.csv.gz", "x");
    await put(dir, "tardis/instruments/1.json", "[]");
    const { files, unmatched } = await list(new LocalBronzeSource(dir));
    assert.equal(files.length, 0);
    assert.deepEqual(unmatched.map((u) => u.bronze_path), [
      "README.txt",
      "datasets/binance_trades_2024-02-30_BTC.csv.gz",
    ]);
    assert.match(unmatched[1].reason, /calendar date/);
  });
});

Deno.test("LocalBronzeSource applies the glob and the pre-hash filter", async () => {
  await withBronze(async (dir) => {
    await put(dir, HIVE, "a");
    await put(dir, "datasets/binance_quotes_2024-07-30_BTCUSDT.csv.gz", "b");
    const onlyTardis = await list(new LocalBronzeSource(dir), "tardis/**");
    assert.deepEqual(onlyTardis.files.map((f) => f.bronze_path), [HIVE]);
    const onlyQuotes = await list(
      new LocalBronzeSource(dir),
      "**",
      (c) => c.data_type === "quotes",
    );
    assert.deepEqual(onlyQuotes.files.map((f) => f.data_type), ["quotes"]);
  });
});

Deno.test("LocalBronzeSource on a missing folder lists nothing", async () => {
  const { files, unmatched } = await list(new LocalBronzeSource("/nonexistent/bronze/dir"));
  assert.equal(files.length + unmatched.length, 0);
});

Deno.test("LocalBronzeSource.readFile refuses paths that escape the root", async () => {
  await withBronze(async (dir) => {
    await assert.rejects(() => new LocalBronzeSource(dir).readFile("../etc/passwd"), RangeError);
  });
});

Deno.test("sha256File streams a real fixture to the same digest as a one-shot hash", async () => {
  const path = `${TARDIS_FIXTURES}/trades/tardis_trades.csv.gz`;
  const expected = createHash("sha256").update(await Deno.readFile(path)).digest("hex");
  assert.equal(await sha256File(path), expected);
});

Deno.test("globToRegExp handles **, *, ? and alternatives", () => {
  assert.ok(globToRegExp("**/*.csv.gz").test("a/b/c.csv.gz"));
  assert.ok(globToRegExp("**/*.csv.gz").test("c.csv.gz"));
  assert.ok(!globToRegExp("*.csv.gz").test("a/c.csv.gz"));
  assert.ok(globToRegExp("datasets/{deribit,okx}_*").test("datasets/okx_trades"));
  assert.ok(!globToRegExp("datasets/{deribit,okx}_*").test("datasets/bitmex_trades"));
  assert.ok(globToRegExp("a?c").test("abc"));
  assert.throws(() => globToRegExp("{a,b"), SyntaxError);
  assert.ok(globToRegExp("**").test("a/b\nc.csv.gz"), "a newline in a name still matches **");
  assert.ok(globToRegExp("a/*").test("a/b\nc"));
});

Deno.test("LocalBronzeSource reports entries it cannot read and goes on listing", async () => {
  await withBronze(async (dir) => {
    const name = (d: string) => `datasets/binance-futures_trades_2024-07-${d}_BTCUSDT.csv.gz`;
    await put(dir, name("01"), "good");
    await Deno.symlink(`${dir}/nowhere.csv.gz`, `${dir}/${name("02")}`); // dangling
    await Deno.symlink(`${dir}/${name("03")}`, `${dir}/${name("03")}`); // a loop
    await mkfifo(`${dir}/${name("04")}`); // never opened
    // Tests run as root, so chmod 000 cannot make a file unreadable: reading /proc/self/mem
    // at offset 0 fails with EIO, a real read error after a successful stat and open.
    await Deno.symlink("/proc/self/mem", `${dir}/${name("05")}`);
    await put(dir, name("06"), "good too");
    await Deno.mkdir(`${dir}/folder`);
    await Deno.symlink(`${dir}/folder`, `${dir}/${name("07")}`); // a folder: not followed
    await put(dir, "datasets/binance-futures_trades_2024-07-08_BTC\nUSDT.csv.gz", "newline");
    const { files, unmatched, unreadable } = await list(new LocalBronzeSource(dir));
    assert.deepEqual(files.map((f) => f.bronze_path), [name("01"), name("06")]);
    assert.deepEqual(unreadable.map((u) => [u.bronze_path, u.reason]), [
      [name("02"), `dangling symbolic link (target "${dir}/nowhere.csv.gz" does not exist)`],
      [name("03"), "symbolic link loop (ELOOP)"],
      [name("04"), "not a regular file (a FIFO)"],
      [name("05"), "I/O error (EIO)"],
    ]);
    for (const u of unreadable) {
      assert.equal(u.candidate?.bronze_path, u.bronze_path);
      assert.equal(u.candidate?.data_type, "trades");
    }
    assert.deepEqual(unmatched.map((u) => [u.bronze_path, u.reason]), [
      [name("07"), "symbolic link to a folder (not followed)"],
      [
        "datasets/binance-futures_trades_2024-07-08_BTC\nUSDT.csv.gz",
        '"datasets/binance-futures_trades_2024-07-08_BTC\\nUSDT.csv.gz" contains a control ' +
        "character (U+000A): rename it",
      ],
    ]);
    // The pre-hash filter applies to unreadable files too: filtered out, never reported.
    const quotes = await list(new LocalBronzeSource(dir), "**", (c) => c.data_type === "quotes");
    assert.equal(quotes.unreadable.length + quotes.files.length, 0);
  });
});

Deno.test("LocalBronzeSource names the bronze root when the root itself cannot be listed", async () => {
  const file = await Deno.makeTempFile();
  try {
    await assert.rejects(
      () => list(new LocalBronzeSource(file)),
      (err: unknown) =>
        err instanceof BronzeRootError &&
        err.message ===
          `Cannot list the bronze folder "${file}": not a folder (ENOTDIR)`,
    );
  } finally {
    await Deno.remove(file);
  }
});
