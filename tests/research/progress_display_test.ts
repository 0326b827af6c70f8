import assert from "node:assert/strict";
import { progressDisplay } from "../../src/research/progress_display.ts";

Deno.test("progressDisplay updates one Jupyter display in place", async () => {
  const calls: { obj: Record<string, string>; options: Record<string, unknown> }[] = [];
  const jupyter = {
    display(obj: unknown, options: Record<string, unknown> = {}) {
      calls.push({ obj: obj as Record<string, string>, options });
      return Promise.resolve();
    },
  };
  const p = progressDisplay("Ingesting", { jupyter });
  await p.update({ done: 1, total: 2, file: "a.csv.gz", status: "success", rows: 10 });
  await p.update({ done: 2, total: 2, file: "b.csv.gz", status: "failed", rows: 0 });
  assert.equal(calls.length, 2);
  assert.equal(calls[0].options.update, false);
  assert.equal(calls[1].options.update, true);
  assert.equal(calls[0].options.display_id, calls[1].options.display_id);
  assert.match(calls[1].obj["text/html"], /<progress value="2" max="2">/);
  assert.deepEqual(p.summary, { byStatus: { success: 1, failed: 1 }, rows: 10, done: 2, total: 2 });
});

Deno.test("progressDisplay logs plain lines outside Jupyter", async () => {
  const lines: string[] = [];
  const p = progressDisplay("Ingesting", { log: (l) => lines.push(l) });
  await p.update({ done: 1, total: 3, file: "a.csv.gz", status: "success", rows: 5 });
  assert.deepEqual(lines, ["Ingesting: 1/3 a.csv.gz → success (5 rows)"]);
});

Deno.test("progressDisplay checks its options at run time", () => {
  assert.throws(
    () => progressDisplay("x", { logger: () => {} } as never),
    /Unknown option "logger" of progressDisplay \(did you mean "log"\?\): allowed are "log", "jupyter"/,
  );
  assert.throws(
    () => progressDisplay(undefined as never),
    /Missing argument "title" of progressDisplay/,
  );
});
