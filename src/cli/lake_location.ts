/**
 * The `--lake` and `--bronze` flags of every job: a local folder or an `s3://bucket/prefix`
 * URI, passed through untouched (an `s3://` root is never resolved against the working
 * directory or created as a folder). A location storage cannot open (an unknown scheme, an
 * `s3://` URI without a bucket, half-given AWS credentials) is a {@linkcode UserError}
 * naming the flag and the location, never a credential.
 *
 * @module
 */
import { lakeRoot } from "../config.ts";
import { storageForUri } from "../io/delta/storage_for_uri.ts";
import { UserError } from "./user_error.ts";

/** Help text of a `--lake` flag. */
export const LAKE_FLAG_HELP =
  "Lake root: a folder or s3://bucket/prefix (default: $LAKE_ROOT or ./lake)";

/**
 * The location a flag names, checked: storage can open it (with credentials and endpoint from
 * the AWS environment variables for `s3://`).
 *
 * @param flag The flag name without dashes, for the message.
 * @param value The flag's value.
 * @returns The location without a trailing slash.
 * @throws {UserError} When the location cannot be opened.
 * @example
 * ```ts
 * import { checkedLocation } from "./lake_location.ts";
 * if (checkedLocation("lake", "s3://bucket/lake/") !== "s3://bucket/lake") throw new Error("uri");
 * let message = "";
 * try { checkedLocation("lake", "gs://bucket/lake"); } catch (e) { message = (e as Error).message; }
 * if (!message.startsWith('Invalid --lake "gs://bucket/lake"')) throw new Error(message);
 * ```
 */
export function checkedLocation(flag: string, value: string): string {
  const location = value.trim().replace(/(?<!\/)\/+$/, "");
  if (location === "") throw new UserError(`Missing value of --${flag}`);
  try {
    storageForUri(location);
  } catch (err) {
    if (err instanceof TypeError) {
      throw new UserError(`Invalid --${flag} "${location}": ${err.message}`, { cause: err });
    }
    throw err;
  }
  return location;
}

/**
 * The lake root of a job as {@linkcode lakeRoot} resolves it (`--lake` when given, else
 * `LAKE_ROOT`, else the repository's `./lake`), checked with {@linkcode checkedLocation}.
 *
 * @param value The `--lake` value, if any.
 * @returns The lake root.
 * @throws {UserError} When the root cannot be opened.
 * @example
 * ```ts
 * import { jobLakeRoot } from "./lake_location.ts";
 * if (jobLakeRoot("s3://bucket/lake") !== "s3://bucket/lake") throw new Error("uri");
 * ```
 */
export function jobLakeRoot(value: string | undefined): string {
  return checkedLocation("lake", lakeRoot(value));
}
