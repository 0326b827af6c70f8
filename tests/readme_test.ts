/**
 * Every TypeScript block of `README.md` runs as written: each block fenced as `ts` is
 * type-checked and then run as its own program, and must exit 0.
 *
 * How a block is run: it is written unchanged to `block.ts` in a fresh temporary folder that
 * also holds links to the repository's `mod.ts`, `research.ts`, `src/`, `deno.json` and
 * `node_modules/` (modules that resolve npm files from their own path need it), so
 * `import { … } from "./mod.ts"` works as in a clone; the folder is the working directory, and
 * the block runs as `deno run -A --config <repo>/deno.json block.ts`. All blocks are first
 * type-checked together in one `deno check` (a block that uses an undefined name fails there).
 *
 * Fixtures: a block declares what it needs in its fence info string, as
 * `ts readme-env=NAME[,NAME…]` after the opening fence; a block without `readme-env` gets
 * `lake`. The names:
 * - `lake`: `./lake` in the working folder is a fresh copy of the demo lake (built once per test
 *   run by `tasks/demo.ts`: binance-futures and deribit, 2024-07-30 and 2024-07-31), and
 *   `LAKE_ROOT` points at it.
 * - `s3`: a `moto_server` (PyPI `moto[server]`) runs on 127.0.0.1 and a free port for the
 *   block alone; `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 *   `AWS_REGION` and `AWS_ALLOW_HTTP=true` point at it, and every bucket the block names as
 *   `s3://<bucket>` exists (empty) before it starts. Without `moto_server` the block fails.
 * - `none`: nothing beyond the empty working folder.
 * An unknown name fails the block's test.
 *
 * A block that cannot run is listed in {@linkcode NOT_RUN} with its reason: Deno reports it as
 * an ignored test named with that reason (so it is counted, never silently skipped), and an entry
 * that no longer matches a block fails.
 */
import assert from "node:assert/strict";
import { cp, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./_fixtures.ts";

/** One fenced TypeScript block of the README. */
interface ReadmeBlock {
  /** 1-based position among the README's TypeScript blocks. */
  index: number;
  /** Line of the opening fence. */
  line: number;
  /** The nearest `##` heading above it. */
  heading: string;
  /** Fixture names from `readme-env` (`lake` when absent). */
  env: string[];
  /** The code, unchanged. */
  code: string;
}

/**
 * Blocks that cannot run, keyed `"<heading> #<n>"` (the n-th TypeScript block under that
 * `##` heading), each with the reason. Keep it empty unless a block truly cannot run here.
 */
const NOT_RUN: Record<string, string> = {};

/** Fixture names a block may declare. */
const FIXTURES = ["lake", "s3", "none"] as const;

/** Repository entries linked into each block's working folder. */
const LINKED = ["mod.ts", "research.ts", "src", "deno.json", "node_modules"];

/**
 * The README's TypeScript blocks, in order.
 *
 * @param text The README.
 * @returns One entry per ```ts (or ```typescript) block.
 */
function readmeBlocks(text: string): ReadmeBlock[] {
  const lines = text.split("\n");
  const blocks: ReadmeBlock[] = [];
  let heading = "(top)";
  for (let i = 0; i < lines.length; i++) {
    const h = /^##\s+(.*)$/.exec(lines[i]);
    if (h) heading = h[1].trim();
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    assert.ok(end > i, `README line ${i + 1}: the code fence is never closed`);
    if (open[1] === "ts" || open[1] === "typescript") {
      const env = /(?:^|\s)readme-env=(\S+)/.exec(open[2]);
      blocks.push({
        index: blocks.length + 1,
        line: i + 1,
        heading,
        env: env ? env[1].split(",") : ["lake"],
        code: lines.slice(i + 1, end).join("\n") + "\n",
      });
    }
    i = end;
  }
  return blocks;
}

/** The key of a block in {@linkcode NOT_RUN}. */
function blockKey(block: ReadmeBlock, all: ReadmeBlock[]): string {
  const n = all.filter((b) => b.heading === block.heading && b.index <= block.index).length;
  return `${block.heading} #${n}`;
}

const BLOCKS = readmeBlocks(await Deno.readTextFile(join(REPO_ROOT, "README.md")));
const RUNNABLE = BLOCKS.filter((b) => !(blockKey(b, BLOCKS) in NOT_RUN));

/** Run `deno <args>` in `cwd` with extra environment; exit code and combined output. */
async function deno(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

/** A fresh working folder with the repository's entry points linked in. */
async function workDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  for (const name of LINKED) await symlink(join(REPO_ROOT, name), join(dir, name));
  return dir;
}

let demoLake: Promise<string> | undefined;

/** The demo lake, built once per run (by the demo task itself) into a temporary folder. */
function buildDemoLake(): Promise<string> {
  demoLake ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "pointline-readme-lake-"));
    const lake = join(dir, "lake");
    const r = await deno(
      ["run", "-A", "tasks/demo.ts", "--lake", lake, "--rows", "100"],
      REPO_ROOT,
    );
    if (r.code !== 0) throw new Error(`tasks/demo.ts failed (exit ${r.code}):\n${r.output}`);
    return lake;
  })();
  return demoLake;
}

/** Set up one fixture for a block in `dir`; returns its environment and how to tear it down. */
async function setUp(
  name: string,
  dir: string,
  block: ReadmeBlock,
): Promise<{ env: Record<string, string>; stop?: () => Promise<void> }> {
  if (name === "none") return { env: {} };
  if (name === "lake") {
    // Keep file times: commit times come from them (time travel by timestamp).
    await cp(await buildDemoLake(), join(dir, "lake"), {
      recursive: true,
      preserveTimestamps: true,
    });
    return { env: { LAKE_ROOT: join(dir, "lake") } };
  }
  if (name === "s3") {
    const { startMoto } = await import("./_moto.ts");
    const moto = await startMoto();
    try {
      const buckets = new Set(
        [...block.code.matchAll(/s3:\/\/([a-z0-9][a-z0-9.-]*)/g)].map((m) => m[1]),
      );
      for (const bucket of buckets) await moto.createBucket(bucket);
    } catch (e) {
      await moto.stop();
      throw e;
    }
    return { env: moto.storageOptions(), stop: moto.stop };
  }
  throw new Error(
    `README line ${block.line}: unknown readme-env "${name}" (known: ${FIXTURES.join(", ")})`,
  );
}

Deno.test("README: the TypeScript blocks and their fixtures are known", () => {
  assert.ok(BLOCKS.length >= 3, `only ${BLOCKS.length} TypeScript blocks found in README.md`);
  const keys = BLOCKS.map((b) => blockKey(b, BLOCKS));
  assert.deepEqual(Object.keys(NOT_RUN).filter((k) => !keys.includes(k)), [], "stale NOT_RUN");
  const unknown = BLOCKS.flatMap((b) =>
    b.env.filter((e) => !(FIXTURES as readonly string[]).includes(e))
      .map((e) => `line ${b.line}: readme-env "${e}"`)
  );
  assert.deepEqual(unknown, [], `unknown fixtures (known: ${FIXTURES.join(", ")})`);
  console.log(
    `${BLOCKS.length} TypeScript blocks: ${RUNNABLE.length} run, ` +
      `${BLOCKS.length - RUNNABLE.length} listed as not run`,
  );
});

Deno.test({
  name: "README: every TypeScript block type-checks",
  // The demo lake is built meanwhile; that subprocess outlives this test.
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  if (RUNNABLE.some((b) => b.env.includes("lake"))) buildDemoLake().catch(() => {});
  const dir = await workDir("pointline-readme-check-");
  try {
    const files = [];
    for (const b of RUNNABLE) {
      const file = `block_${String(b.index).padStart(2, "0")}_line_${b.line}.ts`;
      await Deno.writeTextFile(join(dir, file), b.code);
      files.push(file);
    }
    const r = await deno(["check", "--config", join(REPO_ROOT, "deno.json"), ...files], dir);
    assert.equal(
      r.code,
      0,
      `README blocks do not type-check (file names give the line):\n${r.output}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

for (const block of BLOCKS) {
  const key = blockKey(block, BLOCKS);
  const reason = NOT_RUN[key];
  Deno.test({
    name: reason === undefined
      ? `README block ${block.index} (line ${block.line}, "${key}", readme-env=${
        block.env.join(",")
      }) runs`
      : `README block ${block.index} (line ${block.line}, "${key}") not run: ${reason}`,
    ignore: reason !== undefined,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const dir = await workDir("pointline-readme-run-");
      const stops: (() => Promise<void>)[] = [];
      try {
        const env: Record<string, string> = {};
        for (const name of block.env) {
          const f = await setUp(name, dir, block);
          Object.assign(env, f.env);
          if (f.stop) stops.push(f.stop);
        }
        await Deno.writeTextFile(join(dir, "block.ts"), block.code);
        const r = await deno(
          ["run", "-A", "--config", join(REPO_ROOT, "deno.json"), "block.ts"],
          dir,
          env,
        );
        assert.equal(r.code, 0, `README line ${block.line} failed (exit ${r.code}):\n${r.output}`);
      } finally {
        for (const stop of stops.reverse()) await stop();
        await rm(dir, { recursive: true, force: true });
      }
    },
  });
}
