/**
 * Preflight: are the test peers installed? The test suite checks pointline against other
 * engines and runs the notebooks, so beyond Deno it needs
 * - Python 3 with every package pinned in `.ci/requirements-test.txt` (read here, so the list
 *   never drifts from what CI installs), and `moto_server` on `PATH` when `moto` is listed;
 * - Jupyter (`jupyter nbconvert`) with the Deno kernel registered.
 *
 * This test prints what is missing, with the commands that install it, once at the start of
 * `deno task test`. With everything present it passes. When something is missing it fails in CI
 * (`CI=true`); elsewhere Deno reports it as an ignored test whose name lists what is missing
 * (the tests that need a missing peer then fail or are ignored, each naming it).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "./_fixtures.ts";
import { INSTALL_HINT as JUPYTER_HINT, jupyterAvailable } from "../tasks/notebooks.ts";

const REQUIREMENTS = ".ci/requirements-test.txt";
const PIP_HINT = `python3 -m pip install -r ${REQUIREMENTS}`;

/** One pinned requirement: the distribution name (extras dropped) and its pinned version. */
interface Requirement {
  name: string;
  version?: string;
}

/**
 * The requirements of a pip requirements file: `name[extras]==version` lines, comments skipped.
 *
 * @param text The file.
 * @returns One entry per requirement.
 */
export function parseRequirements(text: string): Requirement[] {
  const out: Requirement[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    const m = /^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?\s*(?:==\s*([^\s;]+))?/.exec(line);
    assert.ok(m, `${REQUIREMENTS}: cannot read "${line}"`);
    out.push({ name: m[1], version: m[2] });
  }
  return out;
}

/** Installed versions of Python distributions (`null` when not installed), by name. */
async function installedVersions(names: string[]): Promise<Record<string, string | null> | string> {
  const code = [
    "import importlib.metadata as m, json, sys",
    "out = {}",
    "for n in sys.argv[1:]:",
    "    try: out[n] = m.version(n)",
    "    except m.PackageNotFoundError: out[n] = None",
    "print(json.dumps(out))",
  ].join("\n");
  try {
    const r = await new Deno.Command("python3", {
      args: ["-c", code, ...names],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!r.success) return `python3 failed: ${new TextDecoder().decode(r.stderr).trim()}`;
    return JSON.parse(new TextDecoder().decode(r.stdout));
  } catch (e) {
    return e instanceof Deno.errors.NotFound ? "python3 is not installed" : String(e);
  }
}

/** Whether an executable is on `PATH`. */
async function onPath(command: string): Promise<boolean> {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((d) => d !== "");
  for (const dir of dirs) {
    try {
      const info = await Deno.stat(join(dir, command));
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return true;
    } catch { /* not in this folder */ }
  }
  return false;
}

/** What is missing (one line each, with its install command) and notes on version drift. */
async function preflight(): Promise<{ missing: string[]; notes: string[]; checked: number }> {
  const missing: string[] = [];
  const notes: string[] = [];
  const reqs = parseRequirements(await Deno.readTextFile(join(REPO_ROOT, REQUIREMENTS)));
  const versions = await installedVersions(reqs.map((r) => r.name));
  if (typeof versions === "string") {
    missing.push(`Python 3 test peers (${versions}): install Python 3, then \`${PIP_HINT}\``);
  } else {
    const absent = reqs.filter((r) => versions[r.name] === null).map((r) => r.name);
    if (absent.length > 0) {
      missing.push(`Python packages ${absent.join(", ")}: \`${PIP_HINT}\``);
    }
    for (const r of reqs) {
      const v = versions[r.name];
      if (v && r.version && v !== r.version) {
        notes.push(`${r.name} ${v} is installed, ${REQUIREMENTS} pins ${r.version}`);
      }
    }
    if (reqs.some((r) => r.name === "moto") && versions.moto && !(await onPath("moto_server"))) {
      missing.push(`\`moto_server\` (from moto[server]) is not on PATH: \`${PIP_HINT}\``);
    }
  }
  const jupyter = await jupyterAvailable();
  if (!jupyter.ok) missing.push(`Jupyter: ${jupyter.reason}; ${JUPYTER_HINT}`);
  return { missing, notes, checked: reqs.length + 1 };
}

const IN_CI = Deno.env.get("CI") === "true";
const RESULT = await preflight();

if (RESULT.missing.length > 0 || RESULT.notes.length > 0) {
  console.log(
    [
      "",
      "Preflight: the test suite needs Python test peers and Jupyter (.ci/run installs them).",
      ...RESULT.missing.map((m) => `  missing: ${m}`),
      ...RESULT.notes.map((n) => `  note: ${n}`),
      "",
    ].join("\n"),
  );
}

Deno.test({
  name: RESULT.missing.length === 0 || IN_CI
    ? "preflight: the Python test peers, moto_server, Jupyter and the Deno kernel are installed"
    : `preflight: NOT INSTALLED: ${RESULT.missing.join(" | ")}`,
  ignore: RESULT.missing.length > 0 && !IN_CI,
  fn() {
    assert.deepEqual(
      RESULT.missing,
      [],
      `test peers missing in CI:\n${RESULT.missing.join("\n")}`,
    );
    assert.ok(RESULT.checked >= 5);
  },
});

Deno.test("preflight: requirements lines are read with extras and pins", () => {
  assert.deepEqual(
    parseRequirements("# c\ndeltalake==1.6.6\nmoto[server]==5.2.1  # s3\n\npolars\n"),
    [
      { name: "deltalake", version: "1.6.6" },
      { name: "moto", version: "5.2.1" },
      { name: "polars", version: undefined },
    ],
  );
});
