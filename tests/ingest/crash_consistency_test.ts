/**
 * Crash consistency: `deno task ingest` is killed with SIGKILL at random points, then re-run
 * to completion; every silver table must equal the result of one clean run (same rows, no
 * duplicates, manifest all `success`). 30 trials on the same small bronze set, two at a time.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  diffTables,
  killIngestAfter,
  makeLake,
  putBronze,
  sampleFile,
  snapshotTables,
  taskCommand,
} from "./_lake.ts";
import { openDeltaLake } from "../../src/io/delta_lake.ts";

const TRIALS = Number(Deno.env.get("CRASH_TRIALS") ?? 30);

/** The bronze set: 7 small files over three tables, one with a rejected row. */
async function writeBronze(root: string) {
  for (const date of ["2024-07-30", "2024-07-31"]) {
    for (const dt of ["trades", "quotes", "derivative_ticker"] as const) {
      const s = sampleFile(dt, "BTCUSDT", date, 20);
      await putBronze(root, s.path, s.csv);
    }
  }
  const bad = sampleFile("trades", "ETHUSDT", "2024-07-30", 20);
  const lines = bad.csv.trimEnd().split("\n");
  lines[5] = lines[5].replace(/,buy,|,sell,/, ",buy,").replace(/,[0-9.]+$/, ",-1");
  await putBronze(root, bad.path, lines.join("\n") + "\n");
}

async function copyLake(from: string, to: string) {
  const cp = new Deno.Command("cp", { args: ["-a", from, to] });
  const out = await cp.output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

async function ingestToCompletion(root: string): Promise<void> {
  const out = await taskCommand("ingest.ts", ["--lake", root]).output();
  if (out.code !== 0) {
    throw new Error(
      `ingest exited ${out.code}: ${new TextDecoder().decode(out.stderr)}\n${
        new TextDecoder().decode(out.stdout)
      }`,
    );
  }
}

Deno.test(`crash consistency: ${TRIALS} kill -9 trials, each re-run equals one clean run`, async () => {
  const template = await makeLake();
  const work = await Deno.makeTempDir({ prefix: "pointline_crash_" });
  try {
    await writeBronze(template.root);
    // The clean run, on a copy (the template keeps only bronze + dim_symbol).
    const clean = `${work}/clean`;
    await copyLake(template.root, clean);
    const t0 = performance.now();
    await ingestToCompletion(clean);
    const cleanMs = performance.now() - t0;
    const perFileMs = cleanMs / 14; // about half the run is start-up
    const expected = await snapshotTables(openDeltaLake(clean));
    const manifest = expected.manifest;
    assert.equal(manifest.height, 7);
    assert.deepEqual([...new Set(manifest.getColumn("status").toArray())], ["success"]);
    assert.equal(expected.quarantine.height, 1, "the bad row is quarantined");

    let killedMidway = 0;
    const progressAtKill: number[] = [];
    const trial = async (i: number) => {
      const root = `${work}/trial${i}`;
      await copyLake(template.root, root);
      const child = taskCommand("ingest.ts", ["--lake", root]).spawn();
      // Kill point: after k finished files (progress lines on stderr) plus a random delay
      // within one file's time; k = 0 kills anywhere from start-up on.
      const k = Math.floor(Math.random() * 7);
      const status = await killIngestAfter(child, k, { perFileMs, anyMs: cleanMs });
      if (status.signal === "SIGKILL") killedMidway++;
      const partial = await openDeltaLake(root).manifest.readAll();
      const done = partial.height === 0
        ? 0
        : partial.filter(pl.col("status").eq(pl.lit("success"))).height;
      progressAtKill.push(done);
      await ingestToCompletion(root);
      const got = await snapshotTables(openDeltaLake(root));
      const diff = diffTables(expected, got);
      assert.deepEqual(
        diff,
        [],
        `trial ${i} (killed after file ${k}, ${done} done) differs: ${diff.join(", ")}`,
      );
      await Deno.remove(root, { recursive: true });
    };
    for (let i = 0; i < TRIALS; i += 2) {
      const settled = await Promise.allSettled([
        trial(i),
        ...(i + 1 < TRIALS ? [trial(i + 1)] : []),
      ]);
      for (const r of settled) if (r.status === "rejected") throw r.reason;
    }
    assert.ok(
      killedMidway >= TRIALS / 2,
      `only ${killedMidway} of ${TRIALS} runs were killed mid-way`,
    );
    // The kills must land inside the loop, not only before or after it.
    const inside = progressAtKill.filter((d) => d > 0 && d < 7).length;
    console.log(`files done at kill time: ${progressAtKill.sort((a, b) => a - b).join(",")}`);
    assert.ok(inside >= 3, `only ${inside} trials were killed between the first and the last file`);
  } finally {
    await template.cleanup();
    await Deno.remove(work, { recursive: true });
  }
});
