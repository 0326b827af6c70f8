/**
 * Command-line argument parsing for the `tasks/` jobs, over `node:util` `parseArgs`, with every
 * mistake reported as a {@linkcode UserError} that names the flag.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UserError } from "./user_error.ts";

/** One flag of a job. */
export interface FlagSpec {
  /** `string` flags take a value, `boolean` flags don't. */
  type: "string" | "boolean";
  /** One-letter alias. */
  short?: string;
  /** One-line help. */
  help: string;
  /** Placeholder of the value in help, e.g. `DIR`. */
  value?: string;
}

/** A job's command line: usage line, description and flags. */
export interface CommandSpec {
  /** Usage line, e.g. `deno task ingest [options]`. */
  usage: string;
  /** What the job does, a few lines. */
  description: string;
  /** Flags by long name (`help` is added automatically). */
  flags: Record<string, FlagSpec>;
  /** Accepted positional arguments count. @default {0} */
  maxPositionals?: number;
}

/** Parsed command line. */
export interface ParsedArgs {
  /** Flag values by long name. */
  values: Record<string, string | boolean | undefined>;
  /** Positional arguments. */
  positionals: string[];
  /** True when `--help`/`-h` was given. */
  help: boolean;
}

/**
 * Parse a job's arguments strictly.
 *
 * @param args The raw arguments.
 * @param spec The job's flags.
 * @returns Values, positionals and whether help was asked for.
 * @throws {UserError} On an unknown flag, a missing value or too many positionals.
 * @example
 * ```ts
 * import { parseCliArgs } from "./args.ts";
 * const spec = { usage: "x", description: "d", flags: { lake: { type: "string" as const, help: "lake", value: "DIR" } } };
 * const p = parseCliArgs(["--lake", "/tmp/l"], spec);
 * if (p.values.lake !== "/tmp/l" || p.help) throw new Error("bad parse");
 * let threw = false;
 * try { parseCliArgs(["--nope"], spec); } catch { threw = true; }
 * if (!threw) throw new Error("unknown flag accepted");
 * ```
 */
export function parseCliArgs(args: string[], spec: CommandSpec): ParsedArgs {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, f] of Object.entries(spec.flags)) {
    options[name] = f.short ? { type: f.type, short: f.short } : { type: f.type };
  }
  // A value that starts with a dash (`--limit -1`) is ambiguous to parseArgs: bind a
  // negative number to its string flag so the flag's own check can reject it by name.
  const bound: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = /^--([^=]+)$/.exec(args[i])?.[1];
    if (flag && spec.flags[flag]?.type === "string" && /^-\d/.test(args[i + 1] ?? "")) {
      bound.push(`${args[i]}=${args[++i]}`);
    } else bound.push(args[i]);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: bound, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UserError(`${_cleanMessage(err)}; run with --help for usage`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const help = Boolean(values.help);
  const max = spec.maxPositionals ?? 0;
  if (!help && parsed.positionals.length > max) {
    throw new UserError(
      `Unexpected argument "${parsed.positionals[max]}"; run with --help for usage`,
    );
  }
  return { values, positionals: parsed.positionals, help };
}

function _cleanMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0].replace(/\. To specify a positional argument.*$/s, "").replace(
    /\.$/,
    "",
  );
}

/**
 * The help text of a job.
 *
 * @param spec The job's command line.
 * @returns Usage, description and one line per flag.
 * @example
 * ```ts
 * import { helpText } from "./args.ts";
 * const text = helpText({ usage: "deno task x", description: "Does x.", flags: { lake: { type: "string", help: "Lake root", value: "DIR" } } });
 * if (!text.includes("--lake DIR")) throw new Error(text);
 * ```
 */
export function helpText(spec: CommandSpec): string {
  const rows: [string, string][] = Object.entries(spec.flags).map(([name, f]) => [
    `${f.short ? `-${f.short}, ` : ""}--${name}${
      f.type === "string" ? ` ${f.value ?? "VALUE"}` : ""
    }`,
    f.help,
  ]);
  rows.push(["-h, --help", "Show this help"]);
  const width = Math.max(...rows.map((r) => r[0].length));
  return [
    `Usage: ${spec.usage}`,
    "",
    spec.description.trim(),
    "",
    "Options:",
    ...rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`),
  ].join("\n");
}

/**
 * Validate a `YYYY-MM-DD` flag value.
 *
 * @param flag Flag name, for the message.
 * @param value The value.
 * @returns The value, unchanged.
 * @throws {UserError} When it is not a calendar date.
 * @example
 * ```ts
 * import { parseDateFlag } from "./args.ts";
 * if (parseDateFlag("since", "2024-07-30") !== "2024-07-30") throw new Error("changed");
 * ```
 */
export function parseDateFlag(flag: string, value: string): string {
  const d = new Date(`${value}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(d.getTime()) ||
    d.toISOString().slice(0, 10) !== value
  ) {
    throw new UserError(`Invalid --${flag} "${value}": expected a date YYYY-MM-DD`);
  }
  return value;
}

/** Microseconds before 2001-09-09 are taken as a unit mistake (seconds or milliseconds). */
const _MIN_MICROS = 1e15;

/**
 * Parse a timestamp flag: microseconds since the epoch, or an ISO-8601 date/time (UTC when no
 * zone is given). An integer below 10^15 µs (before 2001-09-09) is rejected as a likely
 * seconds or milliseconds value, with the microseconds it probably meant.
 *
 * @param flag Flag name, for the message.
 * @param value The value.
 * @returns Microseconds since the Unix epoch.
 * @throws {UserError} When the value is neither, or an integer before 2001 (a unit mistake).
 * @example
 * ```ts
 * import { parseTimestampFlag } from "./args.ts";
 * if (parseTimestampFlag("effective-ts", "2024-07-31T12:00:00Z") !== 1722427200000000) throw new Error("bad");
 * if (parseTimestampFlag("effective-ts", "1722427200000000") !== 1722427200000000) throw new Error("bad");
 * let seconds = "";
 * try { parseTimestampFlag("effective-ts", "1722643200"); } catch (e) { seconds = String(e); }
 * if (!seconds.includes("give 1722643200000000")) throw new Error("seconds accepted");
 * ```
 */
export function parseTimestampFlag(flag: string, value: string): number {
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n) && n >= _MIN_MICROS) return n;
    if (Number.isSafeInteger(n)) {
      // Seconds or milliseconds read as microseconds would land in 1970: say what was meant.
      const unit = value.length <= 11 ? "seconds" : "milliseconds";
      const micros = unit === "seconds" ? n * 1_000_000 : n * 1000;
      throw new UserError(
        `Invalid --${flag} "${value}": microseconds are expected, and as microseconds this is ` +
          `${new Date(n / 1000).toISOString()}; if it is ${unit} ` +
          `(${new Date(micros / 1000).toISOString()}), give ${micros} or an ISO date/time`,
      );
    }
  } else {
    const iso = /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? `${value}T00:00:00Z`
      : /[zZ]|[+-]\d{2}:?\d{2}$/.test(value)
      ? value
      : `${value}Z`;
    const ms = Date.parse(iso);
    if (!Number.isNaN(ms)) return ms * 1000;
  }
  throw new UserError(
    `Invalid --${flag} "${value}": expected microseconds since the epoch or an ISO date/time`,
  );
}
