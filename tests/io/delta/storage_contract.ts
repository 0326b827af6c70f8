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
}
