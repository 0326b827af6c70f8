/**
 * Internal: run-time checks of the research API's options objects.
 *
 * The rule: every research function checks its options before it does anything else, since
 * notebooks (the Deno kernel does not type-check) pass whatever was typed. An unknown key (a
 * typo such as `sym` for `symbol` would otherwise be ignored and load every symbol), a
 * missing required key, or a value of the wrong kind is one `TypeError` that names the
 * function, the key, and the keys it accepts.
 *
 * @module
 */

/** The kinds of value an option may hold (`time` is a `TimeLike`: number, bigint, Date, text). */
export type _OptionKind =
  | "string"
  | "number"
  | "bigint"
  | "boolean"
  | "function"
  | "object"
  | "array"
  | "time"
  | "null";

/** The options one function accepts: each key with its allowed kinds. */
export interface _OptionSpec {
  /** Keys that must be present (and not `undefined`). */
  required?: Record<string, readonly _OptionKind[]>;
  /** Keys that may be present. */
  optional?: Record<string, readonly _OptionKind[]>;
}

/** The options every lake reader takes: root, storage options and time travel. */
export const _LAKE_READ_OPTIONS: Record<string, readonly _OptionKind[]> = Object.freeze({
  root: ["string"],
  version: ["number"],
  asOf: ["time"],
  storageOptions: ["object"],
});

function _kindOf(value: unknown): _OptionKind | "undefined" | "symbol" {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as _OptionKind | "undefined" | "symbol";
}

function _fits(value: unknown, kinds: readonly _OptionKind[]): boolean {
  const kind = _kindOf(value);
  if (kinds.includes(kind as _OptionKind)) return true;
  if (kinds.includes("time")) {
    return kind === "string" || kind === "number" || kind === "bigint" || value instanceof Date;
  }
  return false;
}

/** Edit distance, for "did you mean" hints. */
function _distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = up;
    }
  }
  return row[b.length];
}

function _hint(key: string, allowed: string[]): string {
  const lower = key.toLowerCase();
  const best = allowed
    .map((k) => ({ k, d: _distance(lower, k.toLowerCase()) }))
    .filter(({ k, d }) =>
      d <= 2 || k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase())
    )
    .sort((a, b) => a.d - b.d)[0];
  return best ? ` (did you mean "${best.k}"?)` : "";
}

/**
 * Check an options object against what a function accepts.
 *
 * @param fn The function's name, for the message (e.g. `"loadTrades"`).
 * @param options The options as passed (may be `undefined` when nothing is required).
 * @param spec Required and optional keys with their kinds.
 * @throws {TypeError} On the first problem: options not an object, an unknown key, a missing
 * required key, or a value of the wrong kind.
 */
export function _checkOptions(fn: string, options: unknown, spec: _OptionSpec): void {
  const required = spec.required ?? {};
  const optional = spec.optional ?? {};
  const allowed = [...Object.keys(required), ...Object.keys(optional)];
  const list = allowed.map((k) => `"${k}"`).join(", ");
  if (options === undefined && Object.keys(required).length === 0) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Cannot call ${fn}: options must be an object with ${list}, got ${_kindOf(options)}`,
    );
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!allowed.includes(key)) {
      throw new TypeError(
        `Unknown option "${key}" of ${fn}${_hint(key, allowed)}: allowed are ${list}`,
      );
    }
  }
  for (const key of Object.keys(required)) {
    if (given[key] === undefined) {
      throw new TypeError(
        `Missing option "${key}" of ${fn}: required are ${
          Object.keys(required).map((k) => `"${k}"`).join(", ")
        }`,
      );
    }
  }
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const kinds = required[key] ?? optional[key];
    if (!_fits(value, kinds)) {
      const shown = typeof value === "string" ? `"${value}"` : String(_kindOf(value));
      throw new TypeError(
        `Invalid option "${key}" of ${fn}: expected ${kinds.join(" or ")}, got ${shown}`,
      );
    }
  }
}

/**
 * Check one positional argument's kind.
 *
 * @param fn The function's name.
 * @param name The argument's name.
 * @param value The value passed.
 * @param kinds Allowed kinds.
 * @throws {TypeError} When the value is missing or of another kind.
 */
export function _checkArgument(
  fn: string,
  name: string,
  value: unknown,
  kinds: readonly _OptionKind[],
): void {
  if (value === undefined) {
    throw new TypeError(`Missing argument "${name}" of ${fn}: expected ${kinds.join(" or ")}`);
  }
  if (!_fits(value, kinds)) {
    const shown = typeof value === "string" ? `"${value}"` : String(_kindOf(value));
    throw new TypeError(
      `Invalid argument "${name}" of ${fn}: expected ${kinds.join(" or ")}, got ${shown}`,
    );
  }
}
