/**
 * The public API as a user meets it: the two entry points of `deno.json` (`mod.ts`, and
 * `research.ts` for notebooks) are fully documented (`deno doc --lint` finds nothing), the
 * package passes `deno publish --dry-run`, and `research.ts` re-exports every research module
 * and names every research function in its module doc.
 *
 * The `deno` subprocesses are the ones CI would run as steps; running them here makes a
 * regression a counted test failure.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "./_fixtures.ts";

const ENTRY_POINTS = ["mod.ts", "research.ts"];

/** Run `deno <args>` in the repository; its exit code and its combined output without colors. */
async function deno(args: string[]): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, output: text };
}

Deno.test("deno.json exports mod.ts and research.ts, under the MIT license", async () => {
  const config = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json")));
  assert.deepEqual(config.exports, { ".": "./mod.ts", "./research": "./research.ts" });
  assert.equal(config.license, "MIT");
  const license = await Deno.readTextFile(join(REPO_ROOT, "LICENSE"));
  assert.match(license, /^MIT License\n\nCopyright \(c\) \d{4} pointline contributors\n/);
});

Deno.test("deno doc --lint finds no problem in the entry points", async () => {
  const { code, output } = await deno(["doc", "--lint", ...ENTRY_POINTS]);
  const problems = output.split("\n").filter((l) => /^error\[/.test(l));
  assert.equal(
    code,
    0,
    `deno doc --lint ${ENTRY_POINTS.join(" ")} failed with ${problems.length} problem(s):\n` +
      output.split("\n").filter((l) => /^error|-->/.test(l)).slice(0, 60).join("\n"),
  );
  assert.deepEqual(problems, []);
});

Deno.test({
  name: "deno publish --dry-run passes",
  sanitizeResources: false,
  async fn() {
    const { code, output } = await deno(["publish", "--dry-run", "--allow-dirty"]);
    assert.equal(code, 0, `deno publish --dry-run --allow-dirty failed:\n${output.slice(-4000)}`);
    assert.match(output, /Success.*Dry run complete/);
    // The package holds the library and its license, not the tests, notebooks or a local lake.
    assert.match(output, /\/LICENSE \(/);
    assert.match(output, /\/research\.ts \(/);
    assert.doesNotMatch(output, /\/(tests|notebooks|lake|bench)\//);
  },
});

Deno.test("research.ts re-exports every research module, and mod.ts all of research.ts", async () => {
  const text = await Deno.readTextFile(join(REPO_ROOT, "research.ts"));
  const modules: string[] = [];
  for await (const e of Deno.readDir(join(REPO_ROOT, "src/research"))) {
    if (e.isFile && e.name.endsWith(".ts") && !e.name.startsWith("_")) modules.push(e.name);
  }
  const missing = modules.filter((m) => !text.includes(`export * from "./src/research/${m}";`));
  assert.deepEqual(missing, [], "research modules research.ts does not re-export");

  const research = await import("../research.ts");
  const all = await import("../mod.ts");
  const notInMod = Object.keys(research).filter((k) => !(k in all));
  assert.deepEqual(notInMod, [], "exports of research.ts that mod.ts lacks");
});

Deno.test("research.ts names every research function in its module doc", async () => {
  const text = await Deno.readTextFile(join(REPO_ROOT, "research.ts"));
  const moduleDoc = text.slice(0, text.indexOf("@module"));
  const research = await import("../research.ts") as Record<string, unknown>;
  const functions = Object.entries(research)
    .filter(([name, v]) => typeof v === "function" && /^[a-z]/.test(name))
    .map(([name]) => name);
  assert.ok(functions.length >= 15, `only ${functions.length} functions exported`);
  const unnamed = functions.filter((f) => !moduleDoc.includes(`{@linkcode ${f}}`));
  assert.deepEqual(unnamed, [], "functions research.ts exports but its module doc does not list");
});
