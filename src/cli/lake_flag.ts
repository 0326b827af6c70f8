/**
 * The lake root of a job: `--lake`, else `LAKE_ROOT`, else the repository's `./lake` (the one
 * rule of `lakeRoot`), checked before the job touches it, so a root that is a file is one clear
 * user error instead of a failure deep inside the job.
 *
 * @module
 */
import { lakeRoot, LakeRootError } from "../config.ts";
import { UserError } from "./user_error.ts";

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
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(root)) return root;
  const source = flag !== undefined && flag.trim() !== "" ? "--lake" : "LAKE_ROOT";
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
