import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { lakeRoot, LakeRootError, repoLakeRoot, TABLE_PATHS, tablePath } from "../src/config.ts";

Deno.test("tablePath joins the lake root and the registered relative path", () => {
  assert.equal(tablePath("dim_symbol", "/data/lake/"), "/data/lake/silver/dim_symbol");
  assert.equal(tablePath("ingest_manifest", "lake"), "lake/silver/ingest_manifest");
});

Deno.test("TABLE_PATHS registers every silver table of domain.md", () => {
  for (
    const name of [
      "dim_symbol",
      "ingest_manifest",
      "trades",
      "quotes",
      "book_snapshot_25",
      "derivative_ticker",
      "liquidations",
      "l2_updates",
    ]
  ) {
    assert.equal(TABLE_PATHS[name as keyof typeof TABLE_PATHS], `silver/${name}`);
  }
});

/** Run `f` with LAKE_ROOT set to `value` (or unset), restoring it afterwards. */
function withLakeRoot(value: string | undefined, f: () => void): void {
  const before = Deno.env.get("LAKE_ROOT");
  try {
    if (value === undefined) Deno.env.delete("LAKE_ROOT");
    else Deno.env.set("LAKE_ROOT", value);
    f();
  } finally {
    if (before === undefined) Deno.env.delete("LAKE_ROOT");
    else Deno.env.set("LAKE_ROOT", before);
  }
}

const REPO_LAKE = fileURLToPath(new URL("../lake", import.meta.url));

Deno.test("lakeRoot: explicit root, else LAKE_ROOT, else the repository's ./lake", () => {
  withLakeRoot("/tmp/some-lake/", () => {
    assert.equal(lakeRoot(), "/tmp/some-lake");
    assert.equal(lakeRoot("/data/lake/"), "/data/lake", "an explicit root wins");
    assert.equal(lakeRoot(""), "/tmp/some-lake", "an empty root is not given");
  });
  withLakeRoot(undefined, () => assert.equal(lakeRoot(), REPO_LAKE));
  withLakeRoot("  ", () => assert.equal(lakeRoot(), REPO_LAKE));
});

Deno.test("lakeRoot passes an s3:// URI through untouched (no path resolution)", () => {
  withLakeRoot("s3://bucket/prefix/", () => assert.equal(lakeRoot(), "s3://bucket/prefix"));
  assert.equal(lakeRoot("s3://bucket/a/b"), "s3://bucket/a/b");
  assert.equal(tablePath("trades", lakeRoot("s3://bucket/lake")), "s3://bucket/lake/silver/trades");
});

Deno.test("repoLakeRoot: a module outside a checkout is a LakeRootError saying how to set one", () => {
  assert.equal(repoLakeRoot("file:///srv/pointline/src/config.ts"), "/srv/pointline/lake");
  assert.throws(
    () => repoLakeRoot("https://jsr.io/@pointline/pointline/0.1.0/src/config.ts"),
    (e: unknown) =>
      e instanceof LakeRootError && /set LAKE_ROOT/.test(e.message) &&
      /"https:\/\/jsr\.io\/@pointline/.test(e.message),
  );
});

Deno.test("openLake() without a root finds the repository lake from a notebook's folder", async () => {
  const mod = new URL("../mod.ts", import.meta.url).href;
  const env = { ...Deno.env.toObject() };
  delete env.LAKE_ROOT;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { openLake } from "${mod}"; console.log(openLake().path("trades"));`,
    ],
    cwd: fileURLToPath(new URL("../notebooks", import.meta.url)),
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(new TextDecoder().decode(out.stdout).trim(), `${REPO_LAKE}/silver/trades`);
});
