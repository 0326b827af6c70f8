/**
 * One-line reasons for bronze entries that cannot be read, shared by every bronze source.
 *
 * The rule: a reason names what went wrong in words, then the system code in parentheses
 * (`permission denied (EACCES)`), and never repeats the absolute path (the entry's bronze path
 * is shown beside it). Errors without a known code keep the first line of their message.
 *
 * @module
 */

const _WORDS: Readonly<Record<string, string>> = Object.freeze({
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such file",
  ELOOP: "symbolic link loop",
  EIO: "I/O error",
  EISDIR: "is a folder",
  ENOTDIR: "not a folder",
  EMFILE: "too many open files",
  ENAMETOOLONG: "name too long",
  ESTALE: "stale file handle",
});

/**
 * Why an entry cannot be read, from the error a file-system or storage call threw.
 *
 * @param err The error (Node `fs` errors carry a `code`).
 * @returns One line, e.g. `permission denied (EACCES)`.
 * @example
 * ```ts
 * import { readErrorReason } from "./read_error_reason.ts";
 * const err = Object.assign(new Error("EACCES: permission denied, open '/x'"), { code: "EACCES" });
 * if (readErrorReason(err) !== "permission denied (EACCES)") throw new Error(readErrorReason(err));
 * if (readErrorReason(new Error("boom\nstack")) !== "boom") throw new Error("first line");
 * ```
 */
export function readErrorReason(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === "string" && _WORDS[code]) return `${_WORDS[code]} (${code})`;
  const message = err instanceof Error ? err.message : String(err);
  const line = message.split("\n")[0].trim() || "unknown error";
  return typeof code === "string" && !line.includes(code) ? `${line} (${code})` : line;
}
