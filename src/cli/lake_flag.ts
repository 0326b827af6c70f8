/**
 * The lake root of a job: `--lake`, else `LAKE_ROOT`, else the repository's `./lake` (the one
 * rule of `lakeRoot`), checked before the job touches it, so a root that is a file is one clear
 * user error instead of a failure deep inside the job. A root (or `--bronze`) may be an
 * `s3://bucket/prefix` URI, passed through untouched (never resolved or created as a folder);
 * one storage cannot open (an unknown scheme, no bucket, half-given AWS credentials) is a user
 * error naming the flag and the location, never a credential.
 *
 * @module
 */
import { lakeRoot, LakeRootError } from "../config.ts";
import { storageForUri } from "../io/delta/storage_for_uri.ts";
import { UserError } from "./user_error.ts";

/** Help text of a `--lake` flag. */
export const LAKE_FLAG_HELP =
  "Lake root: a folder or s3://bucket/prefix (default: $LAKE_ROOT or the repository's ./lake)";

/**
 * The location a flag names, checked: storage can open it (with credentials and endpoint from
 * the AWS environment variables for `s3://`).
 *
 * @param flag The flag name without dashes (or `LAKE_ROOT`), for the message.
 * @param value The flag's value.
 * @returns The location without a trailing slash.
 * @throws {UserError} When the location cannot be opened.
 * @example
 * ```ts
 * import { checkedLocation } from "./lake_flag.ts";
 * if (checkedLocation("bronze", "s3://bucket/raw/") !== "s3://bucket/raw") throw new Error("uri");
 * let message = "";
 * try { checkedLocation("bronze", "gs://bucket/raw"); } catch (e) { message = (e as Error).message; }
 * if (!message.startsWith('Invalid --bronze "gs://bucket/raw"')) throw new Error(message);
 * ```
 */
export function checkedLocation(flag: string, value: string): string {
  const location = value.trim().replace(/(?<!\/)\/+$/, "");
  const name = flag === "LAKE_ROOT" ? flag : `--${flag}`;
  if (location === "") throw new UserError(`Missing value of ${name}`);
  try {
    storageForUri(location);
  } catch (err) {
    if (err instanceof TypeError) {
      throw new UserError(`Invalid ${name} "${location}": ${err.message}`, { cause: err });
    }
    throw err;
  }
  return location;
}

/**
 * Resolve and check a job's lake root. A URI (`s3://bucket/prefix`) is returned as given; a
 * local root may be missing (jobs that write create it) but must not be a file.
 *
 * @param flag The `--lake` value, when given.
 * @returns The lake root.
 * @throws {UserError} When the root (or a folder on its path) is a file, or no root can be found.
 * @example
 * ```ts
 * import { lakeRootFlag } from "./lake_flag.ts";
 * const file = await Deno.makeTempFile();
 * let message = "";
 * await lakeRootFlag(file).catch((e) => (message = e.message));
 * await Deno.remove(file);
 * if (!message.includes("is a file, not a folder")) throw new Error(message);
 * if ((await lakeRootFlag("s3://bucket/lake/")) !== "s3://bucket/lake") throw new Error("URI");
 * if (!(await lakeRootFlag("gs://bucket/lake").catch((e) => e.message)).includes("not supported")) {
 *   throw new Error("an unsupported scheme is a user error");
 * }
 * ```
 */
export async function lakeRootFlag(flag: string | undefined): Promise<string> {
  let root: string;
  try {
    root = lakeRoot(flag);
  } catch (error) {
    if (error instanceof LakeRootError) throw new UserError(error.message, { cause: error });
    throw error;
  }
  const source = flag !== undefined && flag.trim() !== "" ? "--lake" : "LAKE_ROOT";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(root)) {
    return checkedLocation(source === "--lake" ? "lake" : source, root);
  }
  try {
    if (!(await Deno.stat(root)).isDirectory) {
      throw new UserError(`Invalid ${source} "${root}": it is a file, not a folder`);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotADirectory) {
      throw new UserError(`Invalid ${source} "${root}": a part of the path is a file`, {
        cause: error,
      });
    }
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return root;
}
