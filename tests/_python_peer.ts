/**
 * Running the Python reference peers (delta-rs via `deltalake`, pyarrow, polars) from tests.
 *
 * deltalake's runtime threads can abort the interpreter while it tears down
 * ("terminate called without an active exception", SIGABRT) on a busy machine, after the
 * script already printed its answer. So every peer script runs inside a small launcher that
 * flushes its output and leaves with `os._exit`, skipping that teardown; a peer that still dies
 * from a signal is run once more, and logged, because a crash of the reference process says
 * nothing about pointline. A peer that exits with a non-zero code is never retried.
 *
 * @module
 */

/** The launcher: runs a script file or a code string as `__main__`, then exits without teardown. */
const LAUNCHER = `
import os, runpy, sys, traceback
mode, target = sys.argv[1], sys.argv[2]
sys.argv = [target if mode == "file" else "-c"] + sys.argv[3:]
code = 0
try:
    if mode == "file":
        sys.path[0] = os.path.dirname(os.path.abspath(target))
        runpy.run_path(target, run_name="__main__")
    else:
        exec(compile(target, "<peer>", "exec"), {"__name__": "__main__"})
except SystemExit as e:
    if e.code is None or isinstance(e.code, int):
        code = e.code or 0
    else:
        print(e.code, file=sys.stderr)
        code = 1
except BaseException:
    traceback.print_exc()
    code = 1
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
`;

/**
 * What to run: a Python file, or a code string; `args` become `sys.argv[1:]`; `env` is added to
 * the environment (e.g. the AWS variables that point delta-rs and polars at a test S3 server).
 */
export type PythonScript =
  & ({ file: string; args?: string[] } | { code: string; args?: string[] })
  & { env?: Record<string, string> };

/** The finished peer process. */
export interface PythonResult {
  success: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

/** How many times a peer killed by a signal is started in all. */
const ATTEMPTS = 3;

/**
 * Run a Python peer script to completion, with `stdin` piped in when given.
 *
 * @example
 * ```ts
 * const r = await runPython({ code: "import sys; print(sys.argv[1])", args: ["hi"] });
 * console.assert(r.stdout.trim() === "hi");
 * ```
 */
export async function runPython(script: PythonScript, stdin?: string): Promise<PythonResult> {
  const args = "file" in script
    ? ["-c", LAUNCHER, "file", script.file, ...(script.args ?? [])]
    : ["-c", LAUNCHER, "code", script.code, ...(script.args ?? [])];
  for (let attempt = 1;; attempt++) {
    const child = new Deno.Command("python3", {
      args,
      ...(script.env ? { env: script.env } : {}),
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(stdin));
      await writer.close();
    }
    const out = await child.output();
    const result = {
      success: out.success,
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
    if (out.signal === null || attempt === ATTEMPTS) return result;
    console.log(
      `python peer killed by ${out.signal} (attempt ${attempt} of ${ATTEMPTS}), running it again: ` +
        result.stderr.trim().split("\n").pop(),
    );
  }
}

/**
 * Run a Python peer script that prints one JSON document; throw with its stderr if it fails.
 *
 * @example
 * ```ts
 * const v = await runPythonJson({ code: "import json; print(json.dumps([1, 2]))" });
 * console.assert(JSON.stringify(v) === "[1,2]");
 * ```
 */
export async function runPythonJson(script: PythonScript, stdin?: string): Promise<unknown> {
  const r = await runPython(script, stdin);
  if (!r.success) throw new Error(`python peer failed (exit ${r.code}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * Whether `python3` can import every module named; false when Python itself is missing.
 *
 * @example
 * ```ts
 * console.assert(pythonCanImport(["json"]));
 * console.assert(!pythonCanImport(["no_such_module_pointline"]));
 * ```
 */
export function pythonCanImport(modules: string[]): boolean {
  const code = `import os, ${modules.join(", ")}; os._exit(0)`;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const out = new Deno.Command("python3", {
        args: ["-c", code],
        stdout: "null",
        stderr: "null",
      }).outputSync();
      if (out.signal === null) return out.success;
    } catch {
      return false;
    }
  }
  return false;
}
