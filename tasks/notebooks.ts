/**
 * `deno task notebooks`: execute every notebook in `notebooks/` headless on the Deno Jupyter
 * kernel against a temporary lake, and fail on any cell error.
 *
 * ```
 * deno task notebooks                  # run all notebooks (needs jupyter + the deno kernel)
 * deno task notebooks --only 03        # run the notebooks whose name contains "03"
 * deno task notebooks --keep           # keep the executed copies and the lake, print where
 * deno task notebooks --check-clean    # fail if a committed notebook has outputs
 * ```
 *
 * Each notebook runs with `jupyter nbconvert --to notebook --execute` and `LAKE_ROOT` set to
 * a fresh temporary folder shared by the run (the first notebook's first cell builds the
 * demo lake there). A notebook fails when a code cell has an error output or did not run;
 * `03_research_trades.ipynb` must also display a chart, and its HTML export
 * (`jupyter nbconvert --to html`, as a reader would share it) must show the chart drawn: an
 * embedded PNG of a drawn chart, not an empty or stripped SVG.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type CommandSpec, helpText, parseCliArgs } from "../src/cli/args.ts";
import { runCli } from "../src/cli/run_cli.ts";
import { UserError } from "../src/cli/user_error.ts";

/** The repository's notebook folder. */
export const NOTEBOOK_DIR: string = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../notebooks",
);

/** Notebooks that must display a chart, by file name. */
export const CHART_NOTEBOOKS: readonly string[] = ["03_research_trades.ipynb"];

/** MIME types that count as a chart output. */
const _CHART_MIME = ["application/vnd.vegalite.v5+json", "image/png", "image/svg+xml"];

/** An embedded PNG smaller than this is taken as blank (a blank 640×240 PNG is ~1 KB). */
const _DRAWN_PNG_BYTES = 4096;

/** How to install what the run needs. */
export const INSTALL_HINT =
  "install Jupyter with `apt-get install -y jupyter-nbconvert jupyter-client python3-ipykernel` " +
  "(or `pip install nbconvert jupyter_client ipykernel`) and register the Deno kernel with " +
  "`deno jupyter --install`";

/** The part of a notebook cell this runner reads. */
interface _Cell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: { output_type: string; ename?: string; evalue?: string; data?: object }[];
}

/** The outcome of executing one notebook. */
export interface NotebookRun {
  /** File name, e.g. `03_research_trades.ipynb`. */
  name: string;
  /** Number of code cells. */
  codeCells: number;
  /** Code cells that have an execution count after the run. */
  executedCells: number;
  /** Outputs with a chart MIME type. */
  chartOutputs: number;
  /**
   * Drawn charts in the notebook's HTML export: embedded PNGs of at least 4 KB (only for
   * {@linkcode CHART_NOTEBOOKS}; 0 for the others).
   */
  htmlCharts: number;
  /** One message per problem (cell errors, cells not run, a missing chart, a crash). */
  problems: string[];
  /** Path of the executed copy. */
  executedPath: string;
}

/**
 * The notebooks in a folder, sorted by name.
 *
 * @param dir The folder.
 * @returns Absolute paths of `*.ipynb` files.
 */
export async function listNotebooks(dir: string = NOTEBOOK_DIR): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) found.push(join(dir, entry.name));
  }
  return found.sort();
}

function _cells(path: string, text: string): _Cell[] {
  let parsed: { cells?: _Cell[] };
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`Cannot parse notebook "${path}": ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed.cells)) {
    throw new SyntaxError(`Cannot read notebook "${path}": no "cells" array`);
  }
  return parsed.cells;
}

/**
 * Notebooks that are not clean: a code cell with outputs or an execution count, or a kernel
 * other than Deno.
 *
 * @param dir The notebook folder.
 * @returns One message per problem; empty when every notebook is clean.
 */
export async function checkClean(dir: string = NOTEBOOK_DIR): Promise<string[]> {
  const problems: string[] = [];
  for (const path of await listNotebooks(dir)) {
    const text = await Deno.readTextFile(path);
    const kernel = JSON.parse(text)?.metadata?.kernelspec?.name;
    if (kernel !== "deno") {
      problems.push(`${basename(path)}: kernel is "${kernel}", expected "deno"`);
    }
    _cells(path, text).forEach((cell, i) => {
      if (cell.cell_type !== "code") return;
      if ((cell.outputs ?? []).length > 0) {
        problems.push(`${basename(path)}: cell ${i + 1} has ${cell.outputs!.length} output(s)`);
      }
      if (cell.execution_count !== null && cell.execution_count !== undefined) {
        problems.push(
          `${basename(path)}: cell ${i + 1} has execution_count ${cell.execution_count}`,
        );
      }
    });
  }
  return problems;
}

async function _output(cmd: string, args: string[]): Promise<{ ok: boolean; text: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    return { ok: out.success, text: new TextDecoder().decode(out.stdout) };
  } catch {
    return { ok: false, text: "" };
  }
}

/**
 * Whether `jupyter nbconvert` and the Deno kernel are installed.
 *
 * @returns `{ ok: true }`, or `{ ok: false, reason }` naming what is missing.
 */
export async function jupyterAvailable(): Promise<{ ok: boolean; reason?: string }> {
  const nbconvert = await _output("jupyter", ["nbconvert", "--version"]);
  if (!nbconvert.ok) return { ok: false, reason: "`jupyter nbconvert` is not installed" };
  const specs = await _output("jupyter", ["kernelspec", "list", "--json"]);
  let names: string[] = [];
  try {
    names = Object.keys(JSON.parse(specs.text).kernelspecs ?? {});
  } catch {
    names = [];
  }
  if (!names.includes("deno")) {
    return { ok: false, reason: "the Deno Jupyter kernel is not registered" };
  }
  return { ok: true };
}

/**
 * The drawn charts in an exported HTML page: `data:image/png` images of at least 4 KB.
 *
 * @param html The page.
 * @returns The byte sizes of the drawn PNGs, in page order.
 * @example
 * ```ts
 * import { drawnPngs } from "./notebooks.ts";
 * if (drawnPngs('<img src="data:image/png;base64,iVBORw0KGgo=">').length !== 0) {
 *   throw new Error("a tiny PNG is not a drawn chart");
 * }
 * ```
 */
export function drawnPngs(html: string): number[] {
  const sizes: number[] = [];
  for (const m of html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=\s]+)"/g)) {
    const b64 = m[1].replace(/\s+/g, "");
    const bytes = Math.floor((b64.length * 3) / 4) - (b64.match(/=+$/)?.[0].length ?? 0);
    if (bytes >= _DRAWN_PNG_BYTES) sizes.push(bytes);
  }
  return sizes;
}

/** Problems in an executed notebook's cells. */
function _inspect(
  name: string,
  cells: _Cell[],
): Omit<NotebookRun, "executedPath" | "htmlCharts"> {
  const problems: string[] = [];
  let codeCells = 0, executedCells = 0, chartOutputs = 0;
  cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    codeCells++;
    if (typeof cell.execution_count === "number") executedCells++;
    else problems.push(`cell ${i + 1} did not run`);
    for (const out of cell.outputs ?? []) {
      if (out.output_type === "error") {
        const src = (Array.isArray(cell.source) ? cell.source.join("") : cell.source)
          .split("\n")[0];
        problems.push(`cell ${i + 1} (${src.slice(0, 60)}) failed: ${out.ename}: ${out.evalue}`);
      }
      if (out.data && _CHART_MIME.some((m) => m in out.data!)) chartOutputs++;
    }
  });
  if (CHART_NOTEBOOKS.includes(name) && chartOutputs === 0) {
    problems.push("no chart output (Vega-Lite, PNG or SVG) was displayed");
  }
  return { name, codeCells, executedCells, chartOutputs, problems };
}

/** Options of {@linkcode runNotebook}. */
export interface RunNotebookOptions {
  /** The lake root the notebook sees as `LAKE_ROOT`. */
  lakeRoot: string;
  /** Where the executed copy is written. */
  outDir: string;
  /**
   * Per-cell timeout in seconds.
   *
   * @default {600}
   */
  timeoutSeconds?: number;
}

/**
 * Execute one notebook with `jupyter nbconvert` on the Deno kernel and inspect the result.
 *
 * @param path The notebook.
 * @param options Lake root, output folder, timeout.
 * @returns What ran, charts seen, and problems (empty when the notebook passed).
 */
export async function runNotebook(path: string, options: RunNotebookOptions): Promise<NotebookRun> {
  const name = basename(path);
  const executedPath = join(options.outDir, name);
  const out = await new Deno.Command("jupyter", {
    args: [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--allow-errors",
      "--ExecutePreprocessor.kernel_name=deno",
      `--ExecutePreprocessor.timeout=${options.timeoutSeconds ?? 600}`,
      "--output-dir",
      options.outDir,
      path,
    ],
    env: { LAKE_ROOT: options.lakeRoot, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).split("\n")
      .filter((l) => l.trim() !== "" && !/debugger|frozen modules|unstable/i.test(l));
    return {
      name,
      codeCells: 0,
      executedCells: 0,
      chartOutputs: 0,
      htmlCharts: 0,
      problems: [`nbconvert failed: ${stderr.slice(-8).join("\n  ")}`],
      executedPath,
    };
  }
  const cells = _cells(executedPath, await Deno.readTextFile(executedPath));
  const run = { ..._inspect(name, cells), executedPath, htmlCharts: 0 };
  if (CHART_NOTEBOOKS.includes(name)) {
    const html = await _exportHtml(executedPath, options.outDir);
    if (typeof html !== "string") run.problems.push(html.problem);
    else {
      run.htmlCharts = drawnPngs(html).length;
      if (run.htmlCharts === 0) {
        run.problems.push(
          "the HTML export shows no drawn chart (no embedded PNG of at least 4 KB)",
        );
      }
    }
  }
  return run;
}

/** Export an executed notebook to HTML, as a reader would share it; the page or a problem. */
async function _exportHtml(
  executedPath: string,
  outDir: string,
): Promise<string | { problem: string }> {
  const out = await new Deno.Command("jupyter", {
    args: ["nbconvert", "--to", "html", "--output-dir", outDir, executedPath],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const htmlPath = join(outDir, basename(executedPath).replace(/\.ipynb$/, ".html"));
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-4);
    return { problem: `nbconvert --to html failed: ${stderr.join("\n  ")}` };
  }
  return await Deno.readTextFile(htmlPath);
}

const SPEC: CommandSpec = {
  usage: "deno task notebooks [--only TEXT] [--keep] [--check-clean]",
  description: "Executes notebooks/*.ipynb on the Deno Jupyter kernel against a temporary lake.",
  flags: {
    only: {
      type: "string",
      value: "TEXT",
      help: "Run only notebooks whose file name contains TEXT",
    },
    keep: { type: "boolean", help: "Keep the executed notebooks and the lake (prints the folder)" },
    "check-clean": { type: "boolean", help: "Only check that committed notebooks have no outputs" },
  },
};

/**
 * Run the notebooks job.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 * @throws {UserError} On a bad flag, a filter that matches no notebook, or missing Jupyter.
 */
export async function main(args: string[]): Promise<number> {
  const { values, help } = parseCliArgs(args, SPEC);
  if (help) {
    console.log(helpText(SPEC));
    return 0;
  }
  const only = values.only as string | undefined;
  const clean = await checkClean();
  if (values["check-clean"]) {
    if (clean.length > 0) {
      console.error(
        `Notebooks with outputs (clear them before committing):\n  ${clean.join("\n  ")}`,
      );
      return 1;
    }
    console.log(`${(await listNotebooks()).length} notebooks are clean`);
    return 0;
  }
  const available = await jupyterAvailable();
  if (!available.ok) {
    throw new UserError(`Cannot run notebooks: ${available.reason}: ${INSTALL_HINT}`, {
      exitCode: 1,
    });
  }
  const notebooks = (await listNotebooks()).filter((p) =>
    only === undefined || basename(p).includes(only)
  );
  if (notebooks.length === 0) {
    throw new UserError(`No notebook matches --only "${only}" in "${NOTEBOOK_DIR}"`);
  }
  const tmp = await Deno.makeTempDir({ prefix: "pointline-notebooks-" });
  const lakeRoot = join(tmp, "lake");
  const outDir = join(tmp, "executed");
  await Deno.mkdir(outDir, { recursive: true });
  let failed = 0;
  for (const path of notebooks) {
    const started = performance.now();
    console.log(`▶ ${basename(path)}`);
    const run = await runNotebook(path, { lakeRoot, outDir });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (run.problems.length === 0) {
      console.log(
        `  ok: ${run.executedCells}/${run.codeCells} cells, ${run.chartOutputs} chart(s)` +
          `${
            run.htmlCharts > 0 ? ` (${run.htmlCharts} drawn in the HTML export)` : ""
          }, ${seconds}s`,
      );
    } else {
      failed++;
      console.error(`  FAILED (${seconds}s):\n    ${run.problems.join("\n    ")}`);
    }
  }
  if (values.keep) console.log(`Executed notebooks and lake kept in ${tmp}`);
  else await Deno.remove(tmp, { recursive: true });
  console.log(`${notebooks.length - failed} of ${notebooks.length} notebooks passed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) await runCli(main);
