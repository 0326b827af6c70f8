/**
 * A real S3 server for tests: `moto_server` (PyPI `moto[server]`) on 127.0.0.1 and a random
 * free port. {@linkcode startMoto} starts it, waits until it answers, and returns its endpoint,
 * a bucket factory and `stop`. A missing `moto_server` fails the test with an install hint.
 *
 * @module
 */
import { AwsClient } from "aws4fetch";
import { S3Storage, type S3StorageOptions } from "../src/io/delta/s3_storage.ts";

/** Credentials moto accepts (any are accepted; these are fixed so tests are reproducible). */
export const MOTO_CREDENTIALS = {
  accessKeyId: "pointline-test",
  secretAccessKey: "pointline-test-secret",
  region: "us-east-1",
} as const;

/** A running moto server. */
export interface Moto {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The port. */
  port: number;
  /** Options of an {@linkcode S3Storage} talking to this server directly. */
  options(extra?: S3StorageOptions): S3StorageOptions;
  /** Storage options in delta-rs / polars keys (`AWS_ENDPOINT_URL`, ...), for every engine. */
  storageOptions(endpoint?: string): Record<string, string>;
  /** Create a bucket (a fresh unique one when no name is given); returns its name. */
  createBucket(name?: string): Promise<string>;
  /** The number of multipart uploads in progress in a bucket (ListMultipartUploads). */
  openUploads(bucket: string): Promise<number>;
  /**
   * Begin a multipart upload of `key` and leave it unfinished, as a writer killed mid-upload
   * does (CreateMultipartUpload, one part); returns its upload id.
   */
  beginUpload(bucket: string, key: string): Promise<string>;
  /** A storage on a fresh bucket (or on `s3://bucket/prefix` of an existing one). */
  storage(uri?: string, extra?: S3StorageOptions): Promise<S3Storage>;
  /** Stop the server and wait for it to exit. */
  stop(): Promise<void>;
}

let _buckets = 0;

/**
 * Start `moto_server -H 127.0.0.1 -p 0` (it binds a free port and reports it) and wait until it
 * answers.
 *
 * @returns The running server; call `stop()` in a `finally`.
 * @throws {Error} With an install hint when `moto_server` is not installed, or when it does
 *   not start within 60 s.
 */
export async function startMoto(): Promise<Moto> {
  // port 0: the server binds a free port itself and prints it, so two servers started at the
  // same time (parallel test files) can never pick the same one
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("moto_server", {
      args: ["-H", "127.0.0.1", "-p", "0"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      env: { PYTHONUNBUFFERED: "1" },
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(
        `moto_server is not installed: the S3 tests need it (pip install "moto[server]", ` +
          `listed in .ci/requirements-test.txt)`,
      );
    }
    throw e;
  }
  // drain stderr so the server never blocks on a full pipe; keep the tail for messages
  let stderr = "";
  let announced: (port: number) => void = () => {};
  const portP = new Promise<number>((r) => (announced = r));
  const drained = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of child.stderr) {
      stderr = (stderr + dec.decode(chunk)).slice(-4000);
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) announced(Number(m[1]));
    }
  })();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
    }
    const t = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, 5000);
    await status;
    clearTimeout(t);
    await drained.catch(() => {});
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const port = await Promise.race([
    portP,
    status.then(() => undefined),
    new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 60_000))),
  ]);
  clearTimeout(timer);
  if (port === undefined) {
    await stop();
    throw new Error(
      `Cannot start moto_server: ${
        exited
          ? `it exited: ${stderr.trim().split("\n").slice(-3).join(" | ")}`
          : "it did not report its port within 60 s"
      }`,
    );
  }
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0;; i++) {
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      break;
    } catch (e) {
      if (exited || i >= 300) {
        await stop();
        throw new Error(`Cannot start moto_server: no answer on ${endpoint}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  {
    const signer = new AwsClient({ ...MOTO_CREDENTIALS, service: "s3", retries: 0 });
    const options = (extra: S3StorageOptions = {}): S3StorageOptions => ({
      ...MOTO_CREDENTIALS,
      endpoint,
      allowHttp: true,
      ...extra,
    });
    const createBucket = async (name?: string) => {
      const bucket = name ?? `test-${++_buckets}-${crypto.randomUUID().slice(0, 8)}`;
      const res = await signer.fetch(`${endpoint}/${bucket}`, { method: "PUT" });
      const text = await res.text();
      if (!res.ok && !text.includes("BucketAlreadyOwnedByYou")) {
        throw new Error(`Cannot create bucket "${bucket}" on moto: HTTP ${res.status} ${text}`);
      }
      return bucket;
    };
    return {
      endpoint,
      port,
      options,
      storageOptions: (ep = endpoint) => ({
        AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        AWS_REGION: MOTO_CREDENTIALS.region,
        AWS_ENDPOINT_URL: ep,
        AWS_ALLOW_HTTP: "true",
      }),
      createBucket,
      beginUpload: async (bucket: string, key: string) => {
        const url = `${endpoint}/${bucket}/${key}`;
        const created = await signer.fetch(`${url}?uploads`, { method: "POST" });
        const id = /<UploadId>([^<]+)<\/UploadId>/.exec(await created.text())?.[1];
        if (!created.ok || !id) {
          throw new Error(`Cannot begin an upload on moto: ${created.status}`);
        }
        const part = await signer.fetch(`${url}?partNumber=1&uploadId=${encodeURIComponent(id)}`, {
          method: "PUT",
          body: new Uint8Array(1024),
        });
        await part.body?.cancel();
        if (!part.ok) throw new Error(`Cannot upload a part on moto: HTTP ${part.status}`);
        return id;
      },
      openUploads: async (bucket: string) => {
        const xml = await (await signer.fetch(`${endpoint}/${bucket}?uploads`)).text();
        return [...xml.matchAll(/<Upload>/g)].length;
      },
      storage: async (uri?: string, extra?: S3StorageOptions) =>
        new S3Storage(uri ?? `s3://${await createBucket()}`, options(extra)),
      stop,
    };
  }
}
