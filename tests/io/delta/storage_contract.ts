/**
 * The shared contract suite of {@linkcode ObjectStorage}: every adapter must pass it. Call
 * {@linkcode runStorageContract} from a `Deno.test` with a factory of fresh, empty storages.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  FileAlreadyExistsError,
  FileNotFoundError,
  type ObjectStorage,
} from "../../../src/io/delta/storage.ts";

/** A fresh, empty storage plus a cleanup callback. */
export interface StorageUnderTest {
  /** The storage. */
  storage: ObjectStorage;
  /** Releases resources (temp folders). */
  cleanup?: () => Promise<void>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * Run every contract case as a step of `t`.
 *
 * @param t The test context.
 * @param make Creates a fresh, empty storage for each case.
 */
export async function runStorageContract(
  t: Deno.TestContext,
  make: () => Promise<StorageUnderTest>,
): Promise<void> {
  const step = (name: string, fn: (s: ObjectStorage) => Promise<void>) =>
    t.step(name, async () => {
      const { storage, cleanup } = await make();
      try {
        await fn(storage);
      } finally {
        await cleanup?.();
      }
    });

  await step("put then read returns the same bytes", async (s) => {
    await s.put("a/b/c.bin", enc.encode("hello"));
    assert.equal(dec.decode(await s.read("a/b/c.bin")), "hello");
  });

  await step("read with a range returns exactly those bytes", async (s) => {
    await s.put("x.bin", enc.encode("0123456789"));
    assert.equal(dec.decode(await s.read("x.bin", { start: 2, end: 5 })), "234");
    assert.equal(dec.decode(await s.read("x.bin", { start: 8, end: 100 })), "89");
  });

  await step("read and head of a missing key fail with FileNotFoundError", async (s) => {
    await assert.rejects(() => s.read("nope"), FileNotFoundError);
    await assert.rejects(() => s.head("nope"), FileNotFoundError);
  });

  await step("head reports size and a plausible modification time", async (s) => {
    const before = Date.now() - 5_000;
    await s.put("k", enc.encode("abc"));
    const m = await s.head("k");
    assert.equal(m.path, "k");
    assert.equal(m.size, 3);
    assert.ok(m.lastModified >= before, `lastModified ${m.lastModified} too old`);
  });

  await step("exclusive put of an existing key fails and keeps the old bytes", async (s) => {
    await s.put("k", enc.encode("first"));
    await assert.rejects(() => s.put("k", enc.encode("second")), FileAlreadyExistsError);
    await assert.rejects(
      () => s.put("k", enc.encode("third"), { overwrite: false }),
      FileAlreadyExistsError,
    );
    assert.equal(dec.decode(await s.read("k")), "first");
  });

  await step("of many racing exclusive puts exactly one wins", async (s) => {
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) => s.put("race", enc.encode(`writer-${i}`))),
    );
    const won = results.filter((r) => r.status === "fulfilled").length;
    assert.equal(won, 1);
    for (const r of results) {
      if (r.status === "rejected") assert.ok(r.reason instanceof FileAlreadyExistsError);
    }
    const winner = results.findIndex((r) => r.status === "fulfilled");
    assert.equal(dec.decode(await s.read("race")), `writer-${winner}`);
  });

  await step("put with overwrite replaces the bytes", async (s) => {
    await s.put("k", enc.encode("old"));
    await s.put("k", enc.encode("new!"), { overwrite: true });
    assert.equal(dec.decode(await s.read("k")), "new!");
    assert.equal((await s.head("k")).size, 4);
  });

  await step("put copies its input: later mutation does not change the object", async (s) => {
    const buf = enc.encode("abc");
    await s.put("k", buf);
    buf[0] = 0x7a;
    assert.equal(dec.decode(await s.read("k")), "abc");
  });

  await step("list is recursive, sorted by key and filtered by prefix", async (s) => {
    for (const k of ["b/2", "a/z", "a/b/1", "a/a", "ab", "c"]) await s.put(k, enc.encode(k));
    assert.deepEqual((await s.list("")).map((m) => m.path), [
      "a/a",
      "a/b/1",
      "a/z",
      "ab",
      "b/2",
      "c",
    ]);
    assert.deepEqual((await s.list("a/")).map((m) => m.path), ["a/a", "a/b/1", "a/z"]);
    assert.deepEqual((await s.list("a")).map((m) => m.path), ["a/a", "a/b/1", "a/z", "ab"]);
    assert.deepEqual((await s.list("a/b")).map((m) => m.path), ["a/b/1"]);
    const [m] = await s.list("c");
    assert.equal(m.size, 1);
  });

  await step("list with startAfter returns only the keys sorting after it", async (s) => {
    const keys = ["log/001.json", "log/002.checkpoint", "log/002.json", "log/003.json", "log/_x"];
    for (const k of keys) await s.put(k, enc.encode(k));
    const after = async (startAfter: string) =>
      (await s.list("log/", { startAfter })).map((m) => m.path);
    assert.deepEqual(await after("log/002"), keys.slice(1));
    assert.deepEqual(await after("log/002.json"), ["log/003.json", "log/_x"]);
    assert.deepEqual(await after("a"), keys);
    assert.deepEqual(await after("z"), []);
    assert.deepEqual((await s.list("log/0", { startAfter: "log/001.json" })).map((m) => m.path), [
      "log/002.checkpoint",
      "log/002.json",
      "log/003.json",
    ]);
  });

  await step("keys with spaces, =, :, %, + and non-ASCII characters round-trip", async (s) => {
    const keys = [
      "p/ts=2024-01-01 10:00:00/a.bin",
      "p/sym=BTC%2FUSD/b.bin",
      "p/x+y/c.bin",
      "p/é ü/d.bin",
    ];
    for (const k of keys) await s.put(k, enc.encode(k));
    assert.deepEqual((await s.list("p/")).map((m) => m.path), [...keys].sort());
    for (const k of keys) {
      assert.equal(dec.decode(await s.read(k)), k);
      assert.equal((await s.head(k)).size, enc.encode(k).length);
      await s.delete(k);
    }
    assert.deepEqual(await s.list("p/"), []);
  });

  await step("list of a missing prefix returns an empty array", async (s) => {
    assert.deepEqual(await s.list("missing/"), []);
  });

  await step("delete removes the key and is idempotent", async (s) => {
    await s.put("d/k", enc.encode("x"));
    await s.delete("d/k");
    await assert.rejects(() => s.read("d/k"), FileNotFoundError);
    await s.delete("d/k");
    await s.delete("never/existed");
    assert.deepEqual((await s.list("d/")).map((m) => m.path), []);
  });

  await step("an exclusive put after delete succeeds", async (s) => {
    await s.put("k", enc.encode("1"));
    await s.delete("k");
    await s.put("k", enc.encode("2"));
    assert.equal(dec.decode(await s.read("k")), "2");
  });

  await step("an empty object can be stored and read", async (s) => {
    await s.put("empty", new Uint8Array(0));
    assert.equal((await s.read("empty")).length, 0);
    assert.equal((await s.head("empty")).size, 0);
  });

  await step("readStream streams the bytes of read and fails for a missing key", async (s) => {
    if (!s.readStream) return;
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    await s.put("big.bin", bytes);
    const streamed = new Uint8Array(
      await new Response(await s.readStream("big.bin")).arrayBuffer(),
    );
    assert.deepEqual(streamed, bytes);
    await assert.rejects(() => s.readStream!("nope"), FileNotFoundError);
  });

  await step("putStream writes the streamed bytes and is exclusive unless overwrite", async (s) => {
    if (!s.putStream) return;
    const chunks = [enc.encode("ab"), enc.encode(""), enc.encode("cde")];
    const stream = (parts: Uint8Array[]) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (const p of parts) c.enqueue(p);
          c.close();
        },
      });
    await s.putStream("st/k", stream(chunks));
    assert.equal(dec.decode(await s.read("st/k")), "abcde");
    await assert.rejects(
      () => s.putStream!("st/k", stream([enc.encode("x")])),
      FileAlreadyExistsError,
    );
    assert.equal(dec.decode(await s.read("st/k")), "abcde");
    await s.putStream("st/k", stream([enc.encode("new")]), { overwrite: true });
    assert.equal(dec.decode(await s.read("st/k")), "new");
  });

  await step("putStream of a failing body leaves no object behind", async (s) => {
    if (!s.putStream) return;
    const failing = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(enc.encode("partial"));
        c.error(new Error("source broke"));
      },
    });
    await assert.rejects(() => s.putStream!("st/broken", failing), /source broke/);
    await assert.rejects(() => s.read("st/broken"), FileNotFoundError);
    assert.deepEqual((await s.list("st/")).map((m) => m.path), []);
  });

  await step("polarsSource names a location Polars reads the same bytes from", async (s) => {
    if (!s.polarsSource) return;
    const pl = (await import("nodejs-polars")).default;
    const frame = pl.DataFrame({ a: [1, 2, 3] });
    const bytes = new Uint8Array(frame.writeParquet());
    await s.put("p/ts=2024-01-01 10:00:00/x%2F.parquet", bytes);
    const src = s.polarsSource("p/ts=2024-01-01 10:00:00/x%2F.parquet");
    const back = await pl.scanParquet(src.path, { cloudOptions: src.cloudOptions }).collect();
    assert.deepEqual(back.getColumn("a").toArray(), [1, 2, 3]);
  });
}
