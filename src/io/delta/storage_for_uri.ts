/**
 * From a table or lake location to the {@linkcode ObjectStorage} that holds it.
 *
 * The rule: an explicit `storage` always wins; otherwise the URI's scheme picks the adapter.
 * - a plain path or a `file://` URI is a {@linkcode LocalStorage};
 * - `s3://bucket/prefix` (or `s3a://`) is an {@linkcode S3Storage}, configured from `storageOptions` (the
 *   keys delta-rs and Python polars use: `AWS_ACCESS_KEY_ID` / `aws_access_key_id`,
 *   `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ENDPOINT_URL`,
 *   `AWS_ALLOW_HTTP`, ...) and, for keys not given there, the standard AWS environment
 *   variables (see {@linkcode s3OptionsFrom});
 * - any other scheme is a `TypeError` naming it (never a local folder named `scheme:`).
 *
 * Messages name the location only, never a credential.
 *
 * @module
 */
import { LocalStorage } from "./local_storage.ts";
import { s3OptionsFrom, S3Storage } from "./s3_storage.ts";
import type { ObjectStorage } from "./storage.ts";

/**
 * Storage configuration keyed as in delta-rs and Python polars (`storage_options`), for
 * example `{ AWS_ENDPOINT_URL: "http://127.0.0.1:9000", AWS_ALLOW_HTTP: "true" }`.
 */
export type StorageOptions = Record<string, string>;

/** Where a table lives: options shared by every entry point that takes a URI. */
export interface StorageLocationOptions {
  /**
   * Storage rooted at the table, used instead of the one the URI names.
   *
   * @default {undefined}
   */
  storage?: ObjectStorage;
  /**
   * Credentials, region and endpoint of a remote URI (`s3://`), keyed as in delta-rs /
   * Python polars `storage_options`; missing keys come from the standard AWS environment
   * variables. Ignored for local paths and when `storage` is given.
   *
   * @default {undefined}
   */
  storageOptions?: StorageOptions;
}

const _SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * The URI scheme of a location in lower case (`"s3"`, `"file"`), or `undefined` for a plain
 * path.
 *
 * @param uri A path or URI.
 * @returns The scheme, or `undefined`.
 * @example
 * ```ts
 * import { uriScheme } from "./storage_for_uri.ts";
 * if (uriScheme("S3://b/lake") !== "s3" || uriScheme("./lake") !== undefined) throw new Error("scheme");
 * ```
 */
export function uriScheme(uri: string): string | undefined {
  return _SCHEME.exec(uri)?.[1].toLowerCase();
}

/**
 * Whether a location is remote (a URI whose scheme is not `file`): such a location must be
 * passed through untouched, never resolved against the working directory or created as a
 * folder.
 *
 * @param uri A path or URI.
 * @returns True for `s3://...` and other non-file URIs.
 * @example
 * ```ts
 * import { isRemoteUri } from "./storage_for_uri.ts";
 * if (!isRemoteUri("s3://bucket/lake") || isRemoteUri("/tmp/lake") || isRemoteUri("file:///tmp")) {
 *   throw new Error("remote check");
 * }
 * ```
 */
export function isRemoteUri(uri: string): boolean {
  const scheme = uriScheme(uri);
  return scheme !== undefined && scheme !== "file";
}

/**
 * Join a location and a relative key with one `/`, for paths and URIs alike (no
 * normalization, so `s3://` keeps its two slashes).
 *
 * @param root A path or URI.
 * @param rel A relative `/`-separated path.
 * @returns `root/rel`.
 * @example
 * ```ts
 * import { joinUri } from "./storage_for_uri.ts";
 * if (joinUri("s3://b/lake/", "bronze") !== "s3://b/lake/bronze") throw new Error("join");
 * ```
 */
export function joinUri(root: string, rel: string): string {
  const base = root.replace(/\/+$/, "");
  const tail = rel.replace(/^\/+/, "");
  if (tail === "") return base;
  return base === "" ? tail : `${base}/${tail}`;
}

/**
 * The storage of a location: `options.storage` when given, else the adapter the URI's scheme
 * names (see the module doc).
 *
 * @param uri A local path, a `file://` URI or an `s3://bucket/prefix` URI.
 * @param options An explicit storage, or storage options for a remote URI.
 * @returns Storage rooted at `uri`.
 * @throws {TypeError} For a scheme other than `file` and `s3` without an explicit storage,
 *   or an invalid `s3://` URI.
 * @example
 * ```ts
 * import { storageForUri } from "./storage_for_uri.ts";
 * if (!storageForUri("/tmp/t").root.endsWith("/tmp/t")) throw new Error("bad root");
 * const s3 = storageForUri("s3://bucket/lake/silver/t", {
 *   storageOptions: { AWS_ENDPOINT_URL: "http://127.0.0.1:9000", AWS_ALLOW_HTTP: "true" },
 * });
 * if (s3.root !== "s3://bucket/lake/silver/t") throw new Error(s3.root);
 * let refused = false;
 * try { storageForUri("gs://bucket/t"); } catch (e) { refused = e instanceof TypeError; }
 * if (!refused) throw new Error("gs:// is not supported");
 * ```
 */
export function storageForUri(
  uri: string,
  options: StorageLocationOptions = {},
): ObjectStorage {
  if (options.storage) return options.storage;
  const scheme = uriScheme(uri);
  if (scheme === undefined || scheme === "file") return new LocalStorage(uri);
  if (scheme === "s3" || scheme === "s3a") {
    return new S3Storage(uri, s3OptionsFrom(options.storageOptions));
  }
  throw new TypeError(
    `Cannot open "${uri}": scheme "${scheme}" is not supported (use a local path, file:// or s3://)`,
  );
}
