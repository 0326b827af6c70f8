/**
 * S3Storage under faults: a fault-injecting proxy between pointline and moto returns 500/503,
 * delays past the client timeout, drops connections, applies a PUT and drops its response, or
 * strips If-None-Match. Commits are never lost, never duplicated and never reported as
 * conflicts they are not; retries running out give one clear line; a store that ignores
 * If-None-Match is refused.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { parseActions } from "../../../src/io/delta/actions.ts";
import {
  S3ConditionalPutUnsupportedError,
  S3Error,
  S3Storage,
  type S3StorageOptions,
} from "../../../src/io/delta/s3_storage.ts";
import { loadSnapshot } from "../../../src/io/delta/snapshot.ts";
import { FileNotFoundError } from "../../../src/io/delta/storage.ts";
import { writeDelta } from "../../../src/io/delta/write_delta.ts";
import { type FaultProxy, type ProxiedRequest, startFaultProxy } from "../../_fault_proxy.ts";
import { type Moto, startMoto } from "../../_moto.ts";

/** Short timeouts and backoffs so faults resolve quickly. */
const FAST: S3StorageOptions = {
  requestTimeoutMs: 1_000,
  retryBaseMs: 10,
  retryMaxBackoffMs: 100,
  maxRetries: 6,
};

const isCommitPut = (r: ProxiedRequest) =>
  r.method === "PUT" && /\/_delta_log\/\d{20}\.json$/.test(r.path);

interface Env {
  moto: Moto;
  proxy: FaultProxy;
  storage(extra?: S3StorageOptions): Promise<S3Storage>;
}

/** The scenarios (`t` is the step, for sub-steps), run as steps of one test sharing one moto server and one proxy. */
const scenarios: [string, (env: Env, t: Deno.TestContext) => Promise<void>][] = [];
function scenario(name: string, fn: (env: Env, t: Deno.TestContext) => Promise<void>): void {
  scenarios.push([name, fn]);
}

/** Append `n` one-row writes, returning the versions writeDelta reported. */
async function appendRows(s: S3Storage, from: number, n: number): Promise<number[]> {
  const versions: number[] = [];
  for (let i = from; i < from + n; i++) {
    const r = await writeDelta(s.root, pl.DataFrame({ id: [i] }), { storage: s, mode: "append" });
    versions.push(r.version);
  }
  return versions;
}

/** The log holds versions 0..n-1, each with exactly one add, and the rows are `ids`. */
async function assertLog(s: S3Storage, ids: number[]): Promise<void> {
  const listing = (await s.list("_delta_log/")).map((m) => m.path).filter((p) =>
    p.endsWith(".json")
  );
  assert.deepEqual(
    listing,
    ids.map((_, v) => `_delta_log/${String(v).padStart(20, "0")}.json`),
    "versions are contiguous: nothing lost, nothing duplicated",
  );
  const adds: string[] = [];
  for (const p of listing) {
    const actions = parseActions(new TextDecoder().decode(await s.read(p)), p);
    const a = actions.filter((x) => "add" in x);
    assert.equal(a.length, 1, `${p} holds one add`);
    adds.push((a[0] as { add: { path: string } }).add.path);
  }
  assert.equal(new Set(adds).size, ids.length, "every commit adds a different file");
  const snap = await loadSnapshot(s);
  assert.equal(snap.version, ids.length - 1);
  assert.equal(snap.files.length, ids.length);
  // the data files hold exactly the rows written
  const got: number[] = [];
  for (const f of snap.files) {
    const df = pl.readParquet(Buffer.from(await s.read(f.path)));
    got.push(...(df.getColumn("id").toArray() as number[]));
  }
  assert.deepEqual(got.sort((a, b) => a - b), ids);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

scenario(
  "S3 commits survive 500/503, timeouts, dropped connections and lost responses",
  async ({ proxy, storage }, t) => {
    for (
      const [name, fault] of [
        ["HTTP 500", { kind: "status", status: 500 }],
        ["HTTP 503 SlowDown", { kind: "status", status: 503 }],
        ["HTTP 409 ConditionalRequestConflict", {
          kind: "status",
          status: 409,
          code: "ConditionalRequestConflict",
        }],
        ["a delay past the client timeout", { kind: "delay", ms: 1_500 }],
        ["a dropped connection", { kind: "reset" }],
        ["a PUT applied whose response is lost", { kind: "drop-response" }],
      ] as const
    ) {
      await t.step(`${name} on commit PUTs`, async () => {
        const s = await storage();
        await appendRows(s, 0, 1); // creates the table (and probes If-None-Match)
        proxy.clear();
        const before = proxy.requests.length;
        proxy.inject({ match: isCommitPut, fault, times: 2 });
        const versions = await appendRows(s, 1, 3);
        assert.deepEqual(versions, [1, 2, 3], "each write reports the version it landed at");
        const faulted = proxy.requests.slice(before).filter((r) => r.fault === fault.kind);
        assert.equal(faulted.length, 2, "the faults were applied");
        if (fault.kind === "delay") await new Promise((r) => setTimeout(r, 1_000)); // late PUTs land
        await assertLog(s, range(4));
      });
    }
    await t.step("faults on GET, HEAD and LIST are retried", async () => {
      const s = await storage();
      await appendRows(s, 0, 2);
      proxy.inject({
        match: (r) => r.method === "GET",
        fault: { kind: "status", status: 503 },
        times: 3,
      });
      proxy.inject({ match: (r) => r.method === "GET", fault: { kind: "reset" }, times: 2 });
      proxy.inject({ match: (r) => r.method === "HEAD", fault: { kind: "status", status: 500 } });
      assert.equal((await s.head("_delta_log/00000000000000000000.json")).path.length > 0, true);
      await assertLog(s, range(2));
    });
  },
);

scenario(
  "S3 commits: the first create of a table whose PUT response is lost is the writer's",
  async ({ proxy, storage }) => {
    const s = await storage();
    await s.put("warmup", new Uint8Array([1])); // probe If-None-Match before the fault
    proxy.inject({ match: isCommitPut, fault: { kind: "drop-response" } });
    const r = await writeDelta(s.root, pl.DataFrame({ id: [0] }), { storage: s });
    assert.equal(r.version, 0);
    const puts = proxy.requests.filter(isCommitPut);
    assert.equal(puts.length, 2, "the lost PUT was retried once and answered 412");
    await assertLog(s, [0]);
  },
);

scenario(
  "S3: retries running out fail with one clear line; a re-run completes exactly once",
  async ({ proxy, storage }) => {
    const s = await storage({ maxRetries: 3 });
    await appendRows(s, 0, 1);
    proxy.inject({ match: isCommitPut, fault: { kind: "status", status: 503 }, times: Infinity });
    const err = await writeDelta(s.root, pl.DataFrame({ id: [1] }), { storage: s, mode: "append" })
      .then(() => undefined, (e) => e);
    assert.ok(err instanceof S3Error, String(err));
    assert.equal(err.status, 503);
    assert.ok(!err.message.includes("\n"), "one line");
    assert.match(
      err.message,
      /^S3 PUT of "s3:\/\/test-[^/]+\/tables\/t\/_delta_log\/00000000000000000001\.json" failed: HTTP 503 SlowDown: injected by the fault proxy \(after 4 attempts in \d+\.\d s\)$/,
    );
    proxy.clear();
    await appendRows(s, 1, 1);
    await assertLog(s, range(2));
  },
);

scenario("S3: retries are bounded in time as well as in count", async ({ proxy, storage }) => {
  // a count bound far out of reach: only the time budget can end the retries
  const s = await storage({ maxRetries: 100_000, retryTimeoutMs: 1_500, retryBaseMs: 50 });
  proxy.inject({ fault: { kind: "status", status: 500 }, times: Infinity });
  const err = await s.read("k").then(() => undefined, (e) => e);
  assert.ok(err instanceof S3Error);
  assert.equal(err.status, 500);
  const attempts = Number(/after (\d+) attempts/.exec(err.message)?.[1]);
  assert.ok(attempts >= 2 && attempts < 100_001, err.message);
});

scenario(
  "S3: a store that ignores If-None-Match is refused before anything is written",
  async ({ proxy, storage }) => {
    proxy.inject({
      match: (r) => r.headers.has("if-none-match"),
      fault: { kind: "strip-header", header: "if-none-match" },
      times: Infinity,
    });
    const s = await storage();
    const err = await writeDelta(s.root, pl.DataFrame({ id: [0] }), { storage: s })
      .then(() => undefined, (e) => e);
    assert.ok(err instanceof S3ConditionalPutUnsupportedError, String(err));
    assert.match(
      err.message,
      /^Refusing to write to "s3:\/\/[^"]+": the store at "http:\/\/127\.0\.0\.1:\d+" ignores If-None-Match: \*/,
    );
    assert.deepEqual(await s.list(""), [], "no data file, no commit, no probe left behind");
    // overwriting puts need no conditional support and still work
    await s.put("plain", new Uint8Array([1]), { overwrite: true });
  },
);

scenario("S3: list pages through ListObjectsV2 with start-after", async ({ proxy, storage }) => {
  const s = await storage({ listPageSize: 3 });
  const keys = range(10).map((i) => `_delta_log/${String(i).padStart(20, "0")}.json`);
  for (const k of keys) await s.put(k, new Uint8Array([1]), { overwrite: true });
  const lists = () => proxy.requests.filter((r) => r.query.get("list-type") === "2").length;
  let before = lists();
  assert.deepEqual((await s.list("_delta_log/")).map((m) => m.path), keys);
  assert.equal(lists() - before, 4, "10 keys in pages of 3");
  before = lists();
  const after = await s.list("_delta_log/", { startAfter: keys[5] });
  assert.deepEqual(after.map((m) => m.path), keys.slice(6));
  assert.equal(lists() - before, 2, "4 keys in pages of 3");
  const first = proxy.requests.filter((r) => r.query.get("list-type") === "2").at(-2)!;
  assert.equal(first.query.get("start-after"), `tables/t/${keys[5]}`);
});

scenario("S3: multipart parts and completion survive faults", async ({ moto, proxy, storage }) => {
  const s = await storage({ partSize: 5 * 1024 * 1024, requestTimeoutMs: 5_000 });
  const bytes = new Uint8Array(11 * 1024 * 1024).map((_, i) => (i * 13) & 0xff);
  const isPart = (r: ProxiedRequest) => r.method === "PUT" && r.query.has("partNumber");
  const isComplete = (r: ProxiedRequest) => r.method === "POST" && r.query.has("uploadId");
  proxy.inject({ match: isPart, fault: { kind: "status", status: 500 } });
  proxy.inject({ match: isPart, fault: { kind: "reset" } });
  proxy.inject({ match: isComplete, fault: { kind: "drop-response" } });
  await s.put("data/big.bin", bytes);
  assert.deepEqual(await s.read("data/big.bin"), bytes);
  assert.equal(proxy.requests.filter((r) => r.fault !== undefined).length, 3);
  // a store that answers NoSuchUpload to a completion retried after it applied
  proxy.inject({
    match: isComplete,
    fault: { kind: "status", status: 404, code: "NoSuchUpload", forward: true },
  });
  await s.put("data/again.bin", bytes);
  assert.deepEqual(await s.read("data/again.bin"), bytes);
  // a part that keeps failing: one clear error naming the part, the upload aborted
  proxy.inject({ match: isPart, fault: { kind: "status", status: 503 }, times: Infinity });
  await assert.rejects(
    () => s.put("data/never.bin", bytes),
    /^S3Error: S3 UploadPart \d of "s3:\/\/[^"]+\/data\/never\.bin" failed: HTTP 503 SlowDown/,
  );
  proxy.clear();
  await assert.rejects(() => s.head("data/never.bin"), FileNotFoundError);
  assert.equal(await moto.openUploads(s.bucket), 0, "the upload was aborted");
});

scenario(
  "S3 readStream resumes a body that breaks off, and refuses a replaced object",
  async ({ proxy, storage }) => {
    const s = await storage();
    const bytes = new Uint8Array(1_000_000).map((_, i) => (i * 7) & 0xff);
    await s.put("bronze/file.csv.gz", bytes, { overwrite: true });
    const isGet = (r: ProxiedRequest) => r.method === "GET" && r.path.endsWith("file.csv.gz");
    proxy.inject({ match: isGet, fault: { kind: "truncate", bytes: 300_000 }, times: 2 });
    const got = new Uint8Array(
      await new Response(await s.readStream("bronze/file.csv.gz")).arrayBuffer(),
    );
    assert.deepEqual(got, bytes);
    const ranged = proxy.requests.filter((r) => isGet(r) && r.headers.has("range"));
    assert.equal(ranged.length, 2, "two resumed reads");
    assert.match(ranged[0].headers.get("range")!, /^bytes=\d+-$/);
    assert.ok(ranged[0].headers.has("if-match"), "resumes are pinned to the ETag");

    // the object is replaced between the break and the resume: the stream fails
    proxy.inject({ match: isGet, fault: { kind: "truncate", bytes: 300_000 } });
    const stream = await s.readStream("bronze/file.csv.gz");
    await s.put("bronze/file.csv.gz", bytes.slice(0, 10), { overwrite: true });
    await assert.rejects(
      () => new Response(stream).arrayBuffer(),
      /S3 GET of "s3:\/\/[^"]+\/bronze\/file\.csv\.gz" failed: the object was replaced or deleted while it was read at byte \d+ of 1000000/,
    );
  },
);

Deno.test("S3Storage under faults between pointline and moto", async (t) => {
  const moto = await startMoto();
  const proxy = startFaultProxy(moto.endpoint);
  try {
    const env: Env = {
      moto,
      proxy,
      storage: async (extra) =>
        new S3Storage(
          `s3://${await moto.createBucket()}/tables/t`,
          moto.options({ ...FAST, endpoint: proxy.endpoint, ...extra }),
        ),
    };
    for (const [name, fn] of scenarios) {
      await t.step(name, async (st) => {
        proxy.clear();
        proxy.requests.length = 0;
        try {
          await fn(env, st);
        } finally {
          proxy.clear();
        }
      });
    }
  } finally {
    await proxy.close();
    await moto.stop();
  }
});
