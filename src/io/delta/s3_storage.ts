/**
 * {@linkcode ObjectStorage} on S3 and S3-compatible stores (AWS S3, MinIO, Cloudflare R2,
 * moto). Requests are signed with SigV4 by `aws4fetch`.
 *
 * Rules:
 * - An exclusive `put` is a conditional PUT with `If-None-Match: *`: HTTP 412 is
 *   {@linkcode FileAlreadyExistsError}, HTTP 409 (a concurrent conditional write in flight) is
 *   retried. Before its first exclusive put, a storage checks once per store and bucket that
 *   the store honours the header (a probe key put twice; the second put must answer 412) and
 *   refuses to write with {@linkcode S3ConditionalPutUnsupportedError} otherwise: Delta
 *   commits on a store that ignores it would silently overwrite each other.
 * - Every request is retried on 5xx, throttling (429, `SlowDown`), timeouts and dropped
 *   connections, with exponential backoff and full jitter, bounded in count
 *   (`maxRetries`) and time (`retryTimeoutMs`). Then it fails with an {@linkcode S3Error}
 *   naming the operation, `s3://bucket/key`, the HTTP status and the attempts.
 * - A retried exclusive PUT whose first response was lost may answer 412 for the writer's own
 *   object; the commit path resolves that by comparing bytes (see `commit.ts`).
 * - Puts larger than `multipartThreshold` upload as multipart (parts of `partSize`); a failed
 *   multipart upload is aborted.
 * - Secrets are never part of a message, `toString` or inspection.
 *
 * @module
 */
import { AwsClient } from "aws4fetch";
import { s3OptionsFrom, type S3StorageOptions } from "./s3_options.ts";
import {
  type ByteRange,
  FileAlreadyExistsError,
  FileNotFoundError,
  type ListOptions,
  type ObjectMeta,
  type ObjectStorage,
  type PolarsSource,
  type PutOptions,
  type UnfinishedUpload,
} from "./storage.ts";

export { s3OptionsFrom, type S3StorageOptions };

/** A request to S3 failed: an HTTP error status, or retries ran out. */
export class S3Error extends Error {
  /** The operation, for example `PUT` or `ListObjectsV2`. */
  readonly operation: string;
  /** The bucket. */
  readonly bucket: string;
  /** The full object key (or prefix), without the bucket. */
  readonly key: string;
  /** The HTTP status of the last attempt; `undefined` when no response arrived. */
  readonly status?: number;
  /** The S3 error code of the last response (`SlowDown`, `AccessDenied`, ...). */
  readonly code?: string;
  /**
   * Create the error.
   *
   * @param message The one-line message.
   * @param details Operation, location, status and code.
   * @param options Standard error options (`cause`).
   */
  constructor(
    message: string,
    details: { operation: string; bucket: string; key: string; status?: number; code?: string },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "S3Error";
    this.operation = details.operation;
    this.bucket = details.bucket;
    this.key = details.key;
    this.status = details.status;
    this.code = details.code;
  }
}

/** The store ignores `If-None-Match: *`, so exclusive puts (Delta commits) would be unsafe. */
export class S3ConditionalPutUnsupportedError extends Error {
  /** The bucket. */
  readonly bucket: string;
  /**
   * Create the error.
   *
   * @param message The one-line message.
   * @param bucket The bucket.
   */
  constructor(message: string, bucket: string) {
    super(message);
    this.name = "S3ConditionalPutUnsupportedError";
    this.bucket = bucket;
  }
}

interface _Response {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

interface _Request {
  method: string;
  key: string;
  operation: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Statuses returned to the caller instead of failing (never retried). */
  accept?: number[];
  /** Retry HTTP 409 (a conditional write in flight). */
  retry409?: boolean;
  /** Do not read the body (`readStream`): the response body is handed back unread. */
  stream?: boolean;
}

const _RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const _probes = new Map<string, Promise<void>>();

function _sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function _xmlText(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (_m, name, dec, hex) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" }[name as string] ?? _m;
  });
}

function _tag(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m ? _xmlText(m[1]) : undefined;
}

function _encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/**
 * Parse `s3://bucket/optional/prefix`.
 *
 * @param uri The URI.
 * @returns The bucket and the key prefix (no leading slash; `""` or ending in `/`).
 * @throws {TypeError} When the URI is not `s3://` or names no bucket.
 * @example
 * ```ts
 * import { parseS3Uri } from "./s3_storage.ts";
 * const { bucket, prefix } = parseS3Uri("s3://lake/silver/trades/");
 * if (bucket !== "lake" || prefix !== "silver/trades/") throw new Error("parse");
 * ```
 */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3a?:\/\/([^/]+)(\/.*)?$/i.exec(uri);
  if (!m || !m[1]) {
    throw new TypeError(`Invalid S3 URI "${uri}": expected s3://bucket or s3://bucket/prefix`);
  }
  const path = (m[2] ?? "").replace(/^\/+/, "").replace(/\/+$/, "");
  return { bucket: m[1], prefix: path === "" ? "" : path + "/" };
}

/**
 * Object storage rooted at an S3 bucket prefix (`s3://bucket/prefix`). Keys are relative to
 * the prefix.
 *
 * @example Write, read back and refuse a second exclusive write (against a test server)
 * ```ts ignore
 * import { S3Storage, s3OptionsFrom } from "./s3_storage.ts";
 * const s = new S3Storage("s3://lake/tables/t", s3OptionsFrom({
 *   AWS_ENDPOINT_URL: "http://127.0.0.1:5000", AWS_ALLOW_HTTP: "true",
 *   AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test",
 * }));
 * await s.put("_delta_log/00000000000000000000.json", new TextEncoder().encode("{}\n"));
 * const bytes = await s.read("_delta_log/00000000000000000000.json");
 * ```
 * @example Construct without a server; secrets never print
 * ```ts
 * import { S3Storage } from "./s3_storage.ts";
 * const s = new S3Storage("s3://lake/silver", { accessKeyId: "AK", secretAccessKey: "SECRET" });
 * if (s.root !== "s3://lake/silver") throw new Error(s.root);
 * if (Deno.inspect(s).includes("SECRET") || String(s).includes("SECRET")) throw new Error("leak");
 * if (s.polarsSource("a.parquet").path !== "s3://lake/silver/a.parquet") throw new Error("path");
 * ```
 */
export class S3Storage implements ObjectStorage {
  /** `s3://bucket/prefix` without a trailing slash. */
  readonly root: string;
  /** The bucket. */
  readonly bucket: string;
  /** The key prefix of the root (`""` or ending in `/`). */
  readonly prefix: string;
  readonly #opts: S3StorageOptions;
  readonly #client?: AwsClient;
  readonly #base: string;
  readonly #endpointLabel: string;
  readonly #fetch: typeof fetch;

  /**
   * Create an `S3Storage`.
   *
   * @param uri `s3://bucket` or `s3://bucket/prefix`.
   * @param options Credentials, endpoint, retry and upload knobs (see
   *   {@linkcode S3StorageOptions}; {@linkcode s3OptionsFrom} resolves them from
   *   storage options and the environment).
   * @throws {TypeError} For a malformed URI or endpoint, or an `http://` endpoint without
   *   `allowHttp`.
   */
  constructor(uri: string, options: S3StorageOptions = {}) {
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.prefix = prefix;
    this.root = `s3://${bucket}${prefix ? "/" + prefix.slice(0, -1) : ""}`;
    this.#opts = { ...options };
    const region = options.region ?? "us-east-1";
    let endpoint: URL;
    try {
      endpoint = new URL(options.endpoint ?? `https://s3.${region}.amazonaws.com`);
    } catch {
      throw new TypeError(
        `Invalid S3 endpoint "${options.endpoint}": expected a URL such as http://127.0.0.1:9000`,
      );
    }
    if (endpoint.protocol !== "https:" && endpoint.protocol !== "http:") {
      throw new TypeError(`Invalid S3 endpoint "${options.endpoint}": expected http or https`);
    }
    if (endpoint.protocol === "http:" && !options.allowHttp) {
      throw new TypeError(
        `Refusing plain-HTTP S3 endpoint "${endpoint.origin}": set AWS_ALLOW_HTTP=true (storage option allow_http) to allow it`,
      );
    }
    const pathStyle = options.forcePathStyle ?? options.endpoint !== undefined;
    const basePath = endpoint.pathname.replace(/\/+$/, "");
    this.#base = pathStyle
      ? `${endpoint.origin}${basePath}/${encodeURIComponent(bucket)}/`
      : `${endpoint.protocol}//${bucket}.${endpoint.host}${basePath}/`;
    this.#endpointLabel = endpoint.origin;
    if (options.accessKeyId !== undefined && options.secretAccessKey !== undefined) {
      this.#client = new AwsClient({
        accessKeyId: options.accessKeyId,
        secretAccessKey: options.secretAccessKey,
        sessionToken: options.sessionToken,
        service: "s3",
        region,
        retries: 0,
      });
    }
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * The storage as text for messages: `S3Storage(<root>)`.
   *
   * @returns The root URI (no secrets).
   */
  toString(): string {
    return `S3Storage(${this.root})`;
  }

  /** Inspection shows the root and endpoint only. */
  [Symbol.for("Deno.customInspect")](): string {
    return `S3Storage { root: "${this.root}", endpoint: "${this.#endpointLabel}" }`;
  }

  /** The full S3 key of a storage key. */
  #fullKey(path: string): string {
    return this.prefix + path.replace(/^\/+/, "");
  }

  #uri(fullKey: string): string {
    return `s3://${this.bucket}/${fullKey}`;
  }

  /**
   * Where Polars reads a key in place: its `s3://` URI and the cloud options of this store
   * (credentials included: never print them).
   *
   * @param path A key relative to the root.
   * @returns `{ path: "s3://bucket/prefix/key", cloudOptions }`.
   */
  polarsSource(path: string): PolarsSource {
    const o = this.#opts;
    const cloudOptions: Record<string, string> = {
      aws_region: o.region ?? "us-east-1",
    };
    if (o.endpoint !== undefined) cloudOptions.aws_endpoint_url = o.endpoint;
    if (o.allowHttp) cloudOptions.aws_allow_http = "true";
    const pathStyle = o.forcePathStyle ?? o.endpoint !== undefined;
    cloudOptions.aws_virtual_hosted_style_request = pathStyle ? "false" : "true";
    if (o.accessKeyId !== undefined && o.secretAccessKey !== undefined) {
      cloudOptions.aws_access_key_id = o.accessKeyId;
      cloudOptions.aws_secret_access_key = o.secretAccessKey;
      if (o.sessionToken !== undefined) cloudOptions.aws_session_token = o.sessionToken;
    } else {
      cloudOptions.aws_skip_signature = "true";
    }
    return { path: this.#uri(this.#fullKey(path)), cloudOptions };
  }

  /** One request with retries; returns the response of an accepted status. */
  async #request(req: _Request): Promise<_Response & { stream?: ReadableStream<Uint8Array> }> {
    const o = this.#opts;
    const maxRetries = o.maxRetries ?? 10;
    const budget = o.retryTimeoutMs ?? 120_000;
    const base = o.retryBaseMs ?? 100;
    const cap = o.retryMaxBackoffMs ?? 5_000;
    const timeout = o.requestTimeoutMs ?? 30_000;
    const started = performance.now();
    const url = new URL(this.#base + _encodeKey(req.key));
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    let last: { status?: number; code?: string; detail: string; cause?: unknown } = {
      detail: "no attempt",
    };
    let attempt = 0;
    for (;; attempt++) {
      const ctrl = new AbortController();
      let timer = setTimeout(() => ctrl.abort(), timeout);
      const bump = () => {
        clearTimeout(timer);
        timer = setTimeout(() => ctrl.abort(), timeout);
      };
      let retryable = false;
      try {
        const init: RequestInit = {
          method: req.method,
          headers: req.headers,
          body: req.body as BodyInit | undefined,
          signal: ctrl.signal,
        };
        const request = this.#client
          ? await this.#client.sign(url.toString(), init)
          : new Request(url.toString(), init);
        const res = await this.#fetch(request, { signal: ctrl.signal });
        const ok = (res.status >= 200 && res.status < 300) || req.accept?.includes(res.status);
        if (ok && req.stream && res.status >= 200 && res.status < 300) {
          clearTimeout(timer);
          return {
            status: res.status,
            headers: res.headers,
            body: new Uint8Array(),
            stream: res.body ?? undefined,
          };
        }
        // read the body under an idle timeout: a stalled transfer counts as a timeout; with a
        // known length it is read straight into one buffer
        const length = Number(res.headers.get("content-length") ?? Number.NaN);
        let body = new Uint8Array(Number.isFinite(length) && req.method !== "HEAD" ? length : 0);
        const overflow: Uint8Array[] = [];
        let filled = 0;
        if (res.body) {
          const reader = res.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            bump();
            if (overflow.length === 0 && filled + value.length <= body.length) {
              body.set(value, filled);
              filled += value.length;
            } else {
              overflow.push(value);
            }
          }
        }
        clearTimeout(timer);
        if (overflow.length > 0 || filled < body.length) {
          // no (or a wrong) length header: assemble what arrived
          const all = new Uint8Array(filled + overflow.reduce((n, c) => n + c.length, 0));
          all.set(body.subarray(0, filled));
          let off = filled;
          for (const c of overflow) {
            all.set(c, off);
            off += c.length;
          }
          body = all;
        }
        if (ok) return { status: res.status, headers: res.headers, body };
        const text = new TextDecoder().decode(body.subarray(0, 4096));
        const code = _tag(text, "Code");
        const message = _tag(text, "Message");
        last = {
          status: res.status,
          code,
          detail: `HTTP ${res.status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`,
        };
        retryable = _RETRY_STATUS.has(res.status) || code === "SlowDown" ||
          code === "RequestTimeout" || code === "InternalError" ||
          (res.status === 409 && req.retry409 === true);
      } catch (e) {
        clearTimeout(timer);
        const timedOut = ctrl.signal.aborted;
        last = {
          detail: timedOut
            ? `no response within ${timeout} ms`
            : `connection failed: ${e instanceof Error ? e.message : String(e)}`,
          cause: e,
        };
        retryable = true;
      }
      const elapsed = performance.now() - started;
      const delay = Math.random() * Math.min(cap, base * 2 ** Math.min(attempt, 20));
      if (!retryable || attempt >= maxRetries || elapsed + delay > budget) break;
      await _sleep(delay);
    }
    const tries = attempt + 1;
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    const hint = last.status === 403 && !this.#client
      ? " (no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
      : "";
    throw new S3Error(
      `S3 ${req.operation} of "${this.#uri(req.key)}" failed: ${last.detail}${hint}` +
        (tries > 1 ? ` (after ${tries} attempts in ${secs} s)` : ""),
      {
        operation: req.operation,
        bucket: this.bucket,
        key: req.key,
        status: last.status,
        code: last.code,
      },
      last.cause !== undefined ? { cause: last.cause } : undefined,
    );
  }

  /**
   * Every object whose key starts with `prefix`, sorted by key (ListObjectsV2, paged).
   *
   * @param prefix A key prefix relative to the root; `""` lists everything.
   * @param options `startAfter`: only keys sorting after it (relative to the root).
   * @returns The objects' metadata.
   * @throws {S3Error} When listing fails.
   */
  async list(prefix: string, options?: ListOptions): Promise<ObjectMeta[]> {
    const full = this.#fullKey(prefix);
    const out: ObjectMeta[] = [];
    let token: string | undefined;
    const startAfter = options?.startAfter !== undefined
      ? this.#fullKey(options.startAfter)
      : undefined;
    do {
      const query: Record<string, string> = { "list-type": "2", prefix: full };
      query["max-keys"] = String(this.#opts.listPageSize ?? 1000);
      if (token !== undefined) query["continuation-token"] = token;
      else if (startAfter !== undefined) query["start-after"] = startAfter;
      const res = await this.#request({
        method: "GET",
        key: "",
        operation: "ListObjectsV2",
        query,
      });
      const xml = new TextDecoder().decode(res.body);
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const key = _tag(m[1], "Key");
        if (key === undefined || !key.startsWith(this.prefix)) continue;
        if (startAfter !== undefined && key <= startAfter) continue;
        out.push({
          path: key.slice(this.prefix.length),
          size: Number(_tag(m[1], "Size") ?? 0),
          lastModified: Date.parse(_tag(m[1], "LastModified") ?? "") || 0,
        });
      }
      token = _tag(xml, "IsTruncated") === "true" ? _tag(xml, "NextContinuationToken") : undefined;
    } while (token !== undefined);
    out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return out;
  }

  /**
   * Multipart uploads under `prefix` begun and neither completed nor aborted (ListMultipartUploads,
   * paged), sorted by path; uploads of keys outside the root are not listed.
   *
   * @param prefix A key prefix relative to the root; `""` lists every upload under the root.
   * @returns The unfinished uploads.
   * @throws {S3Error} When listing fails.
   */
  async listUnfinishedUploads(prefix: string): Promise<UnfinishedUpload[]> {
    const full = this.#fullKey(prefix);
    const out: UnfinishedUpload[] = [];
    let marker: { key: string; id: string } | undefined;
    do {
      const query: Record<string, string> = { uploads: "", prefix: full };
      if (marker) {
        query["key-marker"] = marker.key;
        query["upload-id-marker"] = marker.id;
      }
      const res = await this.#request({
        method: "GET",
        key: "",
        operation: "ListMultipartUploads",
        query,
      });
      const xml = new TextDecoder().decode(res.body);
      for (const m of xml.matchAll(/<Upload>([\s\S]*?)<\/Upload>/g)) {
        const key = _tag(m[1], "Key");
        const id = _tag(m[1], "UploadId");
        if (key === undefined || id === undefined || !key.startsWith(this.prefix)) continue;
        out.push({
          path: key.slice(this.prefix.length),
          id,
          started: Date.parse(_tag(m[1], "Initiated") ?? "") || 0,
        });
      }
      const next = {
        key: _tag(xml, "NextKeyMarker") ?? "",
        id: _tag(xml, "NextUploadIdMarker") ?? "",
      };
      const more = _tag(xml, "IsTruncated") === "true" && next.key !== "" &&
        (next.key !== marker?.key || next.id !== marker?.id);
      marker = more ? next : undefined;
    } while (marker !== undefined);
    out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.id < b.id ? -1 : 1));
    return out;
  }

  /**
   * Abort an unfinished multipart upload (AbortMultipartUpload); one already gone is not an
   * error.
   *
   * @param upload An upload from {@linkcode S3Storage.listUnfinishedUploads}.
   * @throws {S3Error} When the abort fails.
   */
  async abortUnfinishedUpload(upload: UnfinishedUpload): Promise<void> {
    await this.#request({
      method: "DELETE",
      key: this.#fullKey(upload.path),
      operation: "AbortMultipartUpload",
      query: { uploadId: upload.id },
      accept: [404],
    });
  }

  /** A 404: a missing key, or (error code `NoSuchBucket`) a missing bucket. */
  #notFound(res: _Response, operation: string, key: string, path: string): Error {
    const code = _tag(new TextDecoder().decode(res.body.subarray(0, 4096)), "Code");
    if (code !== "NoSuchBucket") return new FileNotFoundError(path);
    return new S3Error(
      `S3 ${operation} of "${
        this.#uri(key)
      }" failed: HTTP 404 NoSuchBucket: the bucket "${this.bucket}" does not exist`,
      { operation, bucket: this.bucket, key, status: 404, code },
    );
  }

  /**
   * The bytes of an object, or of a range of it (a ranged GET).
   *
   * @param path The key.
   * @param range Optional byte range, `end` exclusive, clamped to the size.
   * @returns The bytes.
   * @throws {FileNotFoundError} When the key does not exist.
   * @throws {S3Error} For other failures.
   */
  async read(path: string, range?: ByteRange): Promise<Uint8Array> {
    const key = this.#fullKey(path);
    const headers: Record<string, string> = {};
    if (range) {
      const start = Math.max(0, range.start);
      if (range.end <= start) {
        await this.head(path); // still fail for a missing key
        return new Uint8Array(0);
      }
      headers.Range = `bytes=${start}-${range.end - 1}`;
    }
    const res = await this.#request({
      method: "GET",
      key,
      operation: range ? "ranged GET" : "GET",
      headers,
      accept: [404, 416],
    });
    if (res.status === 404) throw this.#notFound(res, "GET", key, path);
    if (res.status === 416) return new Uint8Array(0);
    return res.body;
  }

  /**
   * The bytes of an object as a stream. A body that breaks off or stalls (longer than
   * `requestTimeoutMs`) is resumed with a ranged GET from the next byte, pinned to the
   * object's ETag (`If-Match`), up to `maxRetries` times; an object replaced meanwhile fails
   * the stream instead of mixing two versions.
   *
   * @param path The key.
   * @returns The object's bytes.
   * @throws {FileNotFoundError} When the key does not exist.
   * @throws {S3Error} For other failures before the body starts; later failures error the
   *   stream with an {@linkcode S3Error}.
   */
  async readStream(path: string): Promise<ReadableStream<Uint8Array>> {
    const key = this.#fullKey(path);
    const first = await this.#request({
      method: "GET",
      key,
      operation: "GET",
      accept: [404],
      stream: true,
    });
    if (first.status === 404) throw this.#notFound(first, "GET", key, path);
    const etag = first.headers.get("etag");
    const total = Number(first.headers.get("content-length") ?? Number.NaN);
    const idle = this.#opts.requestTimeoutMs ?? 30_000;
    const maxResumes = this.#opts.maxRetries ?? 10;
    let reader = first.stream?.getReader();
    let offset = 0;
    let resumes = 0;
    const fail = (detail: string, extra: { status?: number; cause?: unknown } = {}) =>
      new S3Error(
        `S3 GET of "${this.#uri(key)}" failed: ${detail} at byte ${offset}${
          Number.isFinite(total) ? ` of ${total}` : ""
        }${resumes > 0 ? ` (after ${resumes} resumed reads)` : ""}`,
        { operation: "GET", bucket: this.bucket, key, status: extra.status },
        extra.cause !== undefined ? { cause: extra.cause } : undefined,
      );
    const readChunk = (r: ReadableStreamDefaultReader<Uint8Array>) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no data within ${idle} ms`)), idle);
      });
      return Promise.race([r.read(), stalled]).finally(() => clearTimeout(timer));
    };
    return new ReadableStream<Uint8Array>({
      pull: async (c) => {
        for (;;) {
          if (!reader) return c.close();
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await readChunk(reader);
            if (chunk.done && Number.isFinite(total) && offset < total) {
              throw new Error("the body ended early");
            }
          } catch (e) {
            reader.cancel().catch(() => {});
            reader = undefined;
            if (resumes >= maxResumes) {
              return c.error(fail(`the body broke off (${(e as Error).message})`, { cause: e }));
            }
            resumes++;
            try {
              const res = await this.#request({
                method: "GET",
                key,
                operation: "ranged GET",
                headers: { Range: `bytes=${offset}-`, ...(etag ? { "If-Match": etag } : {}) },
                accept: [404, 412],
                stream: true,
              });
              if (res.status === 404 || res.status === 412) {
                return c.error(
                  fail("the object was replaced or deleted while it was read", {
                    status: res.status,
                  }),
                );
              }
              reader = res.stream?.getReader();
            } catch (err) {
              return c.error(err);
            }
            continue;
          }
          if (chunk.done) return c.close();
          offset += chunk.value.length;
          return c.enqueue(chunk.value);
        }
      },
      cancel: (reason) => reader?.cancel(reason),
    });
  }

  /**
   * The metadata of an object (HEAD).
   *
   * @param path The key.
   * @returns Size and modification time.
   * @throws {FileNotFoundError} When the key does not exist.
   */
  async head(path: string): Promise<ObjectMeta> {
    const res = await this.#request({
      method: "HEAD",
      key: this.#fullKey(path),
      operation: "HEAD",
      accept: [404],
    });
    if (res.status === 404) throw new FileNotFoundError(path);
    return {
      path,
      size: Number(res.headers.get("content-length") ?? 0),
      lastModified: Date.parse(res.headers.get("last-modified") ?? "") || 0,
    };
  }

  /**
   * Write an object: a (conditional) PUT, or a multipart upload above the threshold.
   *
   * @param path The key.
   * @param bytes The content.
   * @param options `overwrite` (default false: `If-None-Match: *`).
   * @throws {FileAlreadyExistsError} When `overwrite` is false and the key exists.
   * @throws {S3ConditionalPutUnsupportedError} When the store ignores `If-None-Match`.
   * @throws {S3Error} For other failures.
   */
  async put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<void> {
    const threshold = this.#opts.multipartThreshold ?? this.#partSize();
    if (bytes.length > threshold) {
      let off = 0;
      const part = this.#partSize();
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (off >= bytes.length) return c.close();
          c.enqueue(bytes.subarray(off, off + part));
          off += part;
        },
      });
      return await this.putStream(path, body, options);
    }
    const exclusive = !options?.overwrite;
    if (exclusive) await this.#checkConditionalPut();
    await this.#putObject(this.#fullKey(path), path, bytes.slice(), exclusive);
  }

  #partSize(): number {
    return Math.max(5 * 1024 * 1024, this.#opts.partSize ?? 16 * 1024 * 1024);
  }

  async #putObject(key: string, path: string, body: Uint8Array, exclusive: boolean) {
    const res = await this.#request({
      method: "PUT",
      key,
      operation: "PUT",
      headers: exclusive ? { "If-None-Match": "*" } : {},
      body,
      accept: exclusive ? [412] : [],
      retry409: true,
    });
    if (res.status === 412) throw new FileAlreadyExistsError(path);
  }

  /** Probe once per store and bucket that `If-None-Match: *` is honoured. */
  #checkConditionalPut(): Promise<void> {
    const id = `${this.#endpointLabel}|${this.bucket}`;
    let p = _probes.get(id);
    if (!p) {
      p = this.#probe();
      _probes.set(id, p);
      p.catch((e) => {
        // a transient failure is probed again next time; a refusal stays
        if (!(e instanceof S3ConditionalPutUnsupportedError)) _probes.delete(id);
      });
    }
    return p;
  }

  async #probe(): Promise<void> {
    const key = `${this.prefix}.pointline-conditional-put-probe-${crypto.randomUUID()}`;
    const body = new TextEncoder().encode("probe");
    try {
      await this.#putObject(key, key, body, true).catch((e) => {
        // 412 on the first put: an earlier attempt of ours landed and the header held
        if (!(e instanceof FileAlreadyExistsError)) throw e;
      });
      let honoured = false;
      try {
        await this.#putObject(key, key, body, true);
      } catch (e) {
        if (!(e instanceof FileAlreadyExistsError)) throw e;
        honoured = true;
      }
      if (!honoured) {
        throw new S3ConditionalPutUnsupportedError(
          `Refusing to write to "${this.root}": the store at "${this.#endpointLabel}" ignores ` +
            `If-None-Match: * (a second exclusive put of a probe key succeeded), so concurrent ` +
            `Delta commits could overwrite each other; use a store with conditional writes ` +
            `(AWS S3, MinIO, Cloudflare R2)`,
          this.bucket,
        );
      }
    } catch (e) {
      if (!(e instanceof S3Error)) throw e;
      throw new S3Error(
        `Cannot write to "${this.root}": the check that the store honours If-None-Match failed: ${e.message}`,
        { operation: e.operation, bucket: e.bucket, key: e.key, status: e.status, code: e.code },
        { cause: e },
      );
    } finally {
      await this.#request({ method: "DELETE", key, operation: "DELETE", accept: [404] })
        .catch(() => {});
    }
  }

  /**
   * Write an object from a stream: one PUT when it fits in a part, else a multipart upload
   * holding at most `partConcurrency` parts in memory. A failed upload is aborted.
   *
   * @param path The key.
   * @param body The content.
   * @param options `overwrite` (default false: exclusive, `If-None-Match: *` on completion).
   * @throws {FileAlreadyExistsError} When `overwrite` is false and the key exists.
   * @throws {S3Error} For other failures.
   */
  async putStream(
    path: string,
    body: ReadableStream<Uint8Array>,
    options?: PutOptions,
  ): Promise<void> {
    const exclusive = !options?.overwrite;
    if (exclusive) await this.#checkConditionalPut();
    const key = this.#fullKey(path);
    const partSize = this.#partSize();
    const reader = body.getReader();
    let pending: Uint8Array | undefined;
    // the next part of exactly partSize bytes (the last one may be shorter); undefined at end
    const nextPart = async (): Promise<Uint8Array | undefined> => {
      const buf = new Uint8Array(partSize);
      let n = 0;
      while (n < partSize) {
        let chunk = pending;
        pending = undefined;
        if (!chunk) {
          const r = await reader.read();
          if (r.done) break;
          chunk = r.value;
        }
        const take = Math.min(chunk.length, partSize - n);
        buf.set(chunk.subarray(0, take), n);
        n += take;
        if (take < chunk.length) pending = chunk.subarray(take);
      }
      return n === 0 ? undefined : buf.subarray(0, n);
    };
    let first: Uint8Array | undefined;
    try {
      first = await nextPart();
    } catch (e) {
      reader.releaseLock();
      throw e;
    }
    if (!first || first.length < partSize) {
      reader.releaseLock();
      return await this.#putObject(key, path, first ?? new Uint8Array(), exclusive);
    }
    const created = await this.#request({
      method: "POST",
      key,
      operation: "CreateMultipartUpload",
      query: { uploads: "" },
    });
    const uploadId = _tag(new TextDecoder().decode(created.body), "UploadId");
    if (!uploadId) {
      throw new S3Error(
        `S3 CreateMultipartUpload of "${this.#uri(key)}" failed: no UploadId in the response`,
        { operation: "CreateMultipartUpload", bucket: this.bucket, key },
      );
    }
    const etags: string[] = [];
    const inflight = new Set<Promise<void>>();
    try {
      const concurrency = Math.max(1, this.#opts.partConcurrency ?? 4);
      let failure: unknown;
      let n = 0;
      let total = 0;
      for (let part: Uint8Array | undefined = first; part; part = await nextPart()) {
        const number = ++n;
        const bytes = part;
        total += bytes.length;
        const p: Promise<void> = this.#request({
          method: "PUT",
          key,
          operation: `UploadPart ${number}`,
          query: { partNumber: String(number), uploadId },
          body: bytes,
        }).then((res) => {
          etags[number - 1] = res.headers.get("etag") ?? "";
        }).catch((e) => {
          failure ??= e;
        }).finally(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= concurrency) await Promise.race(inflight);
        if (failure) throw failure;
      }
      await Promise.all(inflight);
      if (failure) throw failure;
      const xml = "<CompleteMultipartUpload>" +
        etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`)
          .join("") +
        "</CompleteMultipartUpload>";
      const res = await this.#request({
        method: "POST",
        key,
        operation: "CompleteMultipartUpload",
        query: { uploadId },
        headers: exclusive ? { "If-None-Match": "*" } : {},
        body: new TextEncoder().encode(xml),
        accept: exclusive ? [404, 412] : [404],
        retry409: true,
      });
      if (res.status === 404) {
        // NoSuchUpload: a completion whose response was lost already consumed the upload;
        // the object is ours when it has exactly our size and part count
        const meta = await this.#request({ method: "HEAD", key, operation: "HEAD", accept: [404] });
        const etag = meta.headers.get("etag") ?? "";
        if (
          meta.status !== 200 || Number(meta.headers.get("content-length")) !== total ||
          !etag.replace(/"/g, "").endsWith(`-${etags.length}`)
        ) {
          throw new S3Error(
            `S3 CompleteMultipartUpload of "${this.#uri(key)}" failed: HTTP 404 NoSuchUpload`,
            { operation: "CompleteMultipartUpload", bucket: this.bucket, key, status: 404 },
          );
        }
        return;
      }
      // S3 may report a failed completion inside a 200 response
      const text = new TextDecoder().decode(res.body);
      if (res.status === 412) throw new FileAlreadyExistsError(path);
      if (text.includes("<Error>")) {
        throw new S3Error(
          `S3 CompleteMultipartUpload of "${this.#uri(key)}" failed: ${_tag(text, "Code")}: ${
            _tag(text, "Message")
          }`,
          {
            operation: "CompleteMultipartUpload",
            bucket: this.bucket,
            key,
            code: _tag(text, "Code"),
          },
        );
      }
    } catch (e) {
      await reader.cancel().catch(() => {});
      // parts still uploading would outlive an abort sent now: let them settle first
      await Promise.allSettled([...inflight]);
      await this.#request({
        method: "DELETE",
        key,
        operation: "AbortMultipartUpload",
        query: { uploadId },
        accept: [404],
      }).catch(() => {});
      throw e;
    }
  }

  /**
   * Delete an object; a missing key is not an error.
   *
   * @param path The key.
   * @throws {S3Error} When the delete fails.
   */
  async delete(path: string): Promise<void> {
    await this.#request({
      method: "DELETE",
      key: this.#fullKey(path),
      operation: "DELETE",
      accept: [404],
    });
  }
}
