import assert from "node:assert/strict";
import { S3Error, s3OptionsFrom, S3Storage } from "../../../src/io/delta/s3_storage.ts";
import { FileAlreadyExistsError, FileNotFoundError } from "../../../src/io/delta/storage.ts";
import { type Moto, startMoto } from "../../_moto.ts";
import { runStorageContract } from "./storage_contract.ts";

Deno.test("S3Storage on moto: the storage contract, multipart uploads, errors", async (t) => {
  const moto = await startMoto();
  try {
    await t.step("multipart uploads", (st) => multipartCases(st, moto));
    await t.step("errors", (st) => errorCases(st, moto));
    await runStorageContract(t, async () => ({ storage: await moto.storage() }));
    await runStorageContract(t, async () => ({
      storage: new S3Storage(`s3://${await moto.createBucket()}/a/prefix`, moto.options()),
    }));
  } finally {
    await moto.stop();
  }
});

const MiB = 1024 * 1024;

function _pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Large objects upload as multipart; failed uploads are aborted. */
async function multipartCases(t: Deno.TestContext, moto: Moto): Promise<void> {
  {
    const s = await moto.storage(undefined, { partSize: 5 * MiB, partConcurrency: 2 });
    await t.step("a put above the threshold is stored whole, in parts", async () => {
      const bytes = _pattern(11 * MiB + 17, 3);
      await s.put("data/big.parquet", bytes);
      assert.deepEqual(await s.read("data/big.parquet"), bytes);
      assert.equal((await s.head("data/big.parquet")).size, bytes.length);
      assert.equal(await moto.openUploads(s.bucket), 0);
    });
    await t.step("an exclusive multipart put of an existing key fails", async () => {
      await assert.rejects(
        () => s.put("data/big.parquet", _pattern(6 * MiB, 9)),
        FileAlreadyExistsError,
      );
      assert.deepEqual(await s.read("data/big.parquet", { start: 0, end: 4 }), _pattern(4, 3));
      assert.equal(await moto.openUploads(s.bucket), 0);
    });
    await t.step("putStream in parts; a body failing after two parts is aborted", async () => {
      let sent = 0;
      const failing = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent >= 12 * MiB) return c.error(new Error("the source broke"));
          c.enqueue(_pattern(MiB, sent));
          sent += MiB;
        },
      });
      await assert.rejects(() => s.putStream("data/broken.bin", failing), /the source broke/);
      await assert.rejects(() => s.head("data/broken.bin"), FileNotFoundError);
      assert.equal(await moto.openUploads(s.bucket), 0);
    });
  }
}

Deno.test("S3Storage never prints its secrets", () => {
  const s = new S3Storage("s3://b/p", { accessKeyId: "AKID", secretAccessKey: "TOPSECRET" });
  for (const text of [String(s), Deno.inspect(s), JSON.stringify(s)]) {
    assert.ok(!text.includes("TOPSECRET"), text);
  }
  const o = s3OptionsFrom(
    { AWS_SECRET_ACCESS_KEY: "TOPSECRET", AWS_ACCESS_KEY_ID: "AKID" },
    new Map(),
  );
  for (const text of [Deno.inspect(o), JSON.stringify(o)]) {
    assert.ok(!text.includes("TOPSECRET"), text);
  }
  assert.throws(
    () => s3OptionsFrom({ aws_secret_acces_key: "TOPSECRET" }, new Map()),
    (e: Error) =>
      e instanceof TypeError && !e.message.includes("TOPSECRET") &&
      /aws_secret_acces_key/.test(e.message),
  );
});

Deno.test("S3Storage refuses bad URIs and plain-HTTP endpoints up front", async (t) => {
  await t.step("bad URIs and plain-HTTP endpoints are refused up front", () => {
    assert.throws(() => new S3Storage("lake/t"), /^TypeError: Invalid S3 URI "lake\/t"/);
    assert.throws(
      () => new S3Storage("s3://b", { endpoint: "http://127.0.0.1:9" }),
      /Refusing plain-HTTP S3 endpoint "http:\/\/127\.0\.0\.1:9": set AWS_ALLOW_HTTP=true/,
    );
  });
});

/** Errors name the location, the status and what to do. */
async function errorCases(t: Deno.TestContext, moto: Moto): Promise<void> {
  {
    await t.step("a missing bucket is not a missing file", async () => {
      const s = new S3Storage("s3://no-such-bucket-here/t", moto.options());
      await assert.rejects(
        () => s.read("_delta_log/00000000000000000000.json"),
        (e: Error) =>
          e instanceof S3Error && e.status === 404 &&
          /^S3 GET of "s3:\/\/no-such-bucket-here\/t\/_delta_log\/0+\.json" failed: HTTP 404 NoSuchBucket/
            .test(e.message),
      );
      await assert.rejects(() => s.list("_delta_log/"), /ListObjectsV2 .*HTTP 404 NoSuchBucket/);
    });
    await t.step("writing without credentials names the missing variables", async () => {
      const bucket = await moto.createBucket();
      const s = new S3Storage(`s3://${bucket}/t`, { endpoint: moto.endpoint, allowHttp: true });
      await assert.rejects(
        () => s.put("k", new Uint8Array([1])),
        (e: Error) =>
          e instanceof S3Error && e.status === 403 &&
          e.message.startsWith(`Cannot write to "s3://${bucket}/t": the check that the store`) &&
          e.message.includes("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
      );
    });
  }
}
