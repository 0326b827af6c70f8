/**
 * Options of the S3 storage adapter and where they come from.
 *
 * Rule: explicit `storageOptions` win, then the standard AWS environment variables, then the
 * defaults. Keys are matched case-insensitively and are the ones delta-rs and Python polars use
 * where they overlap (`AWS_ACCESS_KEY_ID`, `aws_endpoint_url`, `endpoint_url`, `region`, ...).
 * Secrets never appear in messages: the resolved options redact them when inspected or
 * serialized, and every error quotes only the key name.
 *
 * @module
 */

/** Options of {@linkcode S3Storage}. Every field is optional. */
export interface S3StorageOptions {
  /** Access key id; requests are unsigned when neither key is given. */
  accessKeyId?: string;
  /** Secret access key. */
  secretAccessKey?: string;
  /** Session token of temporary credentials. */
  sessionToken?: string;
  /**
   * Region used for signing and for the AWS endpoint.
   *
   * @default {"us-east-1"}
   */
  region?: string;
  /**
   * Endpoint of an S3-compatible store (`http://127.0.0.1:9000`, `https://<account>.r2...`).
   * When absent, AWS S3 of the region.
   */
  endpoint?: string;
  /**
   * Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key`.
   *
   * @default {true when endpoint is set, else false}
   */
  forcePathStyle?: boolean;
  /**
   * Allow a plain `http://` endpoint (test servers, MinIO on a private network).
   *
   * @default {false}
   */
  allowHttp?: boolean;
  /**
   * Time without progress after which one request is abandoned (and retried), in ms.
   *
   * @default {30000}
   */
  requestTimeoutMs?: number;
  /**
   * Retries of one request after its first attempt (5xx, throttling, timeouts, resets).
   *
   * @default {10}
   */
  maxRetries?: number;
  /**
   * Total time one request may spend on retries before it fails, in ms.
   *
   * @default {120000}
   */
  retryTimeoutMs?: number;
  /**
   * First backoff in ms; doubled per retry, capped, fully jittered.
   *
   * @default {100}
   */
  retryBaseMs?: number;
  /**
   * Largest backoff in ms.
   *
   * @default {5000}
   */
  retryMaxBackoffMs?: number;
  /**
   * Size of one multipart-upload part in bytes (S3 allows 5 MiB to 5 GiB).
   *
   * @default {16777216 (16 MiB)}
   */
  partSize?: number;
  /**
   * Puts larger than this many bytes upload as multipart.
   *
   * @default {partSize}
   */
  multipartThreshold?: number;
  /**
   * Parts uploaded at the same time.
   *
   * @default {4}
   */
  partConcurrency?: number;
  /**
   * Keys per ListObjectsV2 page (S3 allows 1 to 1000).
   *
   * @default {1000}
   */
  listPageSize?: number;
  /**
   * The `fetch` used for every request (tests count requests through it).
   *
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
}

/** Where {@linkcode s3OptionsFrom} reads environment variables from. */
export interface EnvSource {
  /** The value of a variable, or `undefined`. */
  get(name: string): string | undefined;
}

const _KEYS: Record<string, keyof S3StorageOptions | "ignore"> = {
  aws_access_key_id: "accessKeyId",
  access_key_id: "accessKeyId",
  aws_secret_access_key: "secretAccessKey",
  secret_access_key: "secretAccessKey",
  aws_session_token: "sessionToken",
  session_token: "sessionToken",
  aws_token: "sessionToken",
  token: "sessionToken",
  aws_region: "region",
  region: "region",
  aws_default_region: "region",
  aws_endpoint_url: "endpoint",
  aws_endpoint_url_s3: "endpoint",
  aws_endpoint: "endpoint",
  endpoint_url: "endpoint",
  endpoint: "endpoint",
  aws_allow_http: "allowHttp",
  allow_http: "allowHttp",
  aws_force_path_style: "forcePathStyle",
  force_path_style: "forcePathStyle",
  aws_virtual_hosted_style_request: "forcePathStyle",
  virtual_hosted_style_request: "forcePathStyle",
  timeout: "requestTimeoutMs",
  max_retries: "maxRetries",
  aws_max_attempts: "maxRetries",
  // delta-rs options with no meaning here: accepted so one map serves both engines
  conditional_put: "ignore",
  aws_conditional_put: "ignore",
  aws_s3_locking_provider: "ignore",
  aws_s3_allow_unsafe_rename: "ignore",
  aws_copy_if_not_exists: "ignore",
};

const _SECRET_FIELDS = new Set<string>(["secretAccessKey", "sessionToken"]);

/**
 * A copy of options whose secrets print as `"***"` (inspect, `console.log`, `JSON.stringify`).
 *
 * @param options The options.
 * @returns The same fields, with redacting inspect and JSON hooks.
 * @example
 * ```ts
 * import { redactedOptions } from "./s3_options.ts";
 * const o = redactedOptions({ accessKeyId: "AK", secretAccessKey: "SECRET" });
 * if (JSON.stringify(o).includes("SECRET") || Deno.inspect(o).includes("SECRET")) throw new Error("leak");
 * if (o.secretAccessKey !== "SECRET") throw new Error("the value stays usable");
 * ```
 */
export function redactedOptions(options: S3StorageOptions): S3StorageOptions {
  const out: S3StorageOptions = { ...options };
  const safe = () => {
    const view: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(out)) {
      view[k] = _SECRET_FIELDS.has(k) && v !== undefined ? "***" : v;
    }
    return view;
  };
  Object.defineProperty(out, "toJSON", { value: safe, enumerable: false });
  Object.defineProperty(out, Symbol.for("Deno.customInspect"), {
    value: (inspect: (v: unknown, o: unknown) => string, opts: unknown) => inspect(safe(), opts),
    enumerable: false,
  });
  Object.defineProperty(out, Symbol.for("nodejs.util.inspect.custom"), {
    value: () => safe(),
    enumerable: false,
  });
  return out;
}

function _bool(key: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(v)) return true;
  if (["false", "0", "no", "off", ""].includes(v)) return false;
  throw new TypeError(`Invalid S3 storage option "${key}": expected true or false, got "${value}"`);
}

/** Retries from `max_retries`, or from `AWS_MAX_ATTEMPTS` (attempts in all, so one more). */
function _retries(key: string, value: string, attempts: boolean): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || (attempts && n < 1)) {
    throw new TypeError(
      `Invalid S3 storage option "${key}": expected ${
        attempts ? "a positive" : "a non-negative"
      } integer, got "${value}"`,
    );
  }
  return attempts ? n - 1 : n;
}

function _millis(key: string, value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(value);
  if (!m) {
    throw new TypeError(
      `Invalid S3 storage option "${key}": expected a duration such as "30s" or "500ms", got "${value}"`,
    );
  }
  const n = Number(m[1]);
  return Math.round(m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : m[2] === "s" ? n * 1000 : n);
}

function _set(out: S3StorageOptions, key: string, field: keyof S3StorageOptions, value: string) {
  const k = key.toLowerCase();
  switch (field) {
    case "allowHttp":
      out.allowHttp = _bool(key, value);
      break;
    case "forcePathStyle":
      out.forcePathStyle = k.includes("virtual_hosted") ? !_bool(key, value) : _bool(key, value);
      break;
    case "requestTimeoutMs":
      out.requestTimeoutMs = _millis(key, value);
      break;
    case "maxRetries":
      out.maxRetries = _retries(key, value, k === "aws_max_attempts");
      break;
    case "accessKeyId":
    case "secretAccessKey":
    case "sessionToken":
    case "region":
    case "endpoint":
      if (value !== "") out[field] = value;
      break;
  }
}

function _envGet(env: EnvSource, name: string): string | undefined {
  try {
    const v = env.get(name);
    return v === undefined || v === "" ? undefined : v;
  } catch {
    return undefined; // no --allow-env: the environment is simply not consulted
  }
}

/**
 * Resolve {@linkcode S3StorageOptions} from explicit storage options, then the environment.
 *
 * Explicit keys (case-insensitive): `AWS_ACCESS_KEY_ID` / `access_key_id`,
 * `AWS_SECRET_ACCESS_KEY` / `secret_access_key`, `AWS_SESSION_TOKEN` / `session_token` /
 * `token`, `AWS_REGION` / `region` / `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` /
 * `AWS_ENDPOINT_URL_S3` / `endpoint_url` / `endpoint`, `AWS_ALLOW_HTTP` / `allow_http`,
 * `AWS_FORCE_PATH_STYLE`, `AWS_VIRTUAL_HOSTED_STYLE_REQUEST`, `timeout` (`"30s"`),
 * `max_retries` (retries after the first attempt) and `AWS_MAX_ATTEMPTS` (attempts in all).
 * delta-rs keys without meaning here (`conditional_put`, `AWS_S3_LOCKING_PROVIDER`, ...) are
 * accepted and ignored. Environment variables: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`, `AWS_REGION` then `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL_S3` then
 * `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`, `AWS_MAX_ATTEMPTS` (the AWS SDKs' variable: attempts per
 * request, so a job can bound its retries). Credentials are taken as a pair from one source: an
 * explicit access key id is never combined with a secret from the environment.
 *
 * @param storageOptions Explicit options (delta-rs / polars style keys).
 * @param env Where environment variables come from.
 * @returns The options, with secrets redacted when printed.
 * @throws {TypeError} For an unknown key or a malformed value (the key is named, never a
 *   secret value).
 * @example
 * ```ts
 * import { s3OptionsFrom } from "./s3_options.ts";
 * const env = new Map([["AWS_ENDPOINT_URL", "http://a:1"], ["AWS_ENDPOINT_URL_S3", "http://b:2"]]);
 * const o = s3OptionsFrom({ aws_access_key_id: "AK", AWS_SECRET_ACCESS_KEY: "S", allow_http: "true" }, env);
 * if (o.endpoint !== "http://b:2" || o.accessKeyId !== "AK" || o.allowHttp !== true) throw new Error("resolve");
 * if (Deno.inspect(o).includes('"S"')) throw new Error("secret printed");
 * ```
 */
export function s3OptionsFrom(
  storageOptions: Record<string, string> = {},
  env: EnvSource = Deno.env,
): S3StorageOptions {
  const explicit: S3StorageOptions = {};
  for (const [key, value] of Object.entries(storageOptions)) {
    const field = _KEYS[key.toLowerCase()];
    if (field === undefined) {
      throw new TypeError(
        `Unknown S3 storage option "${key}": expected one of AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ` +
          `AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL, AWS_ALLOW_HTTP, ` +
          `AWS_VIRTUAL_HOSTED_STYLE_REQUEST, timeout`,
      );
    }
    if (field === "ignore") continue;
    if (typeof value !== "string") {
      throw new TypeError(`Invalid S3 storage option "${key}": the value must be a string`);
    }
    _set(explicit, key, field, value);
  }
  const out: S3StorageOptions = { ...explicit };
  if (out.accessKeyId === undefined && out.secretAccessKey === undefined) {
    const id = _envGet(env, "AWS_ACCESS_KEY_ID");
    const secret = _envGet(env, "AWS_SECRET_ACCESS_KEY");
    if (id !== undefined && secret !== undefined) {
      out.accessKeyId = id;
      out.secretAccessKey = secret;
      const token = out.sessionToken ?? _envGet(env, "AWS_SESSION_TOKEN");
      if (token !== undefined) out.sessionToken = token;
    }
  }
  out.region ??= _envGet(env, "AWS_REGION") ?? _envGet(env, "AWS_DEFAULT_REGION");
  out.endpoint ??= _envGet(env, "AWS_ENDPOINT_URL_S3") ?? _envGet(env, "AWS_ENDPOINT_URL");
  if (out.allowHttp === undefined) {
    const h = _envGet(env, "AWS_ALLOW_HTTP");
    if (h !== undefined) out.allowHttp = _bool("AWS_ALLOW_HTTP", h);
  }
  if (out.maxRetries === undefined) {
    const a = _envGet(env, "AWS_MAX_ATTEMPTS");
    if (a !== undefined) out.maxRetries = _retries("AWS_MAX_ATTEMPTS", a, true);
  }
  for (const k of Object.keys(out) as (keyof S3StorageOptions)[]) {
    if (out[k] === undefined) delete out[k];
  }
  if ((out.accessKeyId === undefined) !== (out.secretAccessKey === undefined)) {
    throw new TypeError(
      `Incomplete S3 credentials: ${
        out.accessKeyId === undefined ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"
      } is missing (give both, or neither for unsigned requests)`,
    );
  }
  return redactedOptions(out);
}
