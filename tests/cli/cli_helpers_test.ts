import assert from "node:assert/strict";
import { helpText, parseCliArgs, parseDateFlag, parseTimestampFlag } from "../../src/cli/args.ts";
import { formatTable } from "../../src/cli/table.ts";
import { ProgressBar } from "../../src/cli/progress_bar.ts";
import { runCli } from "../../src/cli/run_cli.ts";
import { UserError } from "../../src/cli/user_error.ts";

const SPEC = {
  usage: "deno task x",
  description: "Does x.",
  flags: {
    lake: { type: "string" as const, value: "DIR", help: "Lake" },
    force: { type: "boolean" as const, help: "Force" },
  },
  maxPositionals: 1,
};

Deno.test("parseCliArgs parses flags and positionals, and rejects mistakes as UserError", () => {
  const p = parseCliArgs(["sync", "--lake", "/l", "--force"], SPEC);
  assert.deepEqual(p.positionals, ["sync"]);
  assert.equal(p.values.lake, "/l");
  assert.equal(p.values.force, true);
  assert.equal(parseCliArgs(["-h"], SPEC).help, true);
  assert.throws(
    () => parseCliArgs(["--nope"], SPEC),
    (e) => e instanceof UserError && /--nope/.test(e.message),
  );
  assert.throws(() => parseCliArgs(["--lake"], SPEC), UserError);
  assert.throws(() => parseCliArgs(["a", "b"], SPEC), /Unexpected argument "b"/);
});

Deno.test("helpText lists every flag with its value placeholder", () => {
  const text = helpText(SPEC);
  assert.match(text, /^Usage: deno task x/);
  assert.match(text, /--lake DIR\s+Lake/);
  assert.match(text, /--force\s+Force/);
  assert.match(text, /-h, --help/);
});

Deno.test("date and timestamp flags are validated with the flag named", () => {
  assert.equal(parseDateFlag("since", "2024-02-29"), "2024-02-29");
  assert.throws(() => parseDateFlag("since", "2023-02-29"), /Invalid --since "2023-02-29"/);
  assert.equal(parseTimestampFlag("t", "2024-08-01"), Date.UTC(2024, 7, 1) * 1000);
  assert.equal(
    parseTimestampFlag("t", "2024-08-01T00:00:00+02:00"),
    Date.UTC(2024, 6, 31, 22) * 1000,
  );
  assert.equal(parseTimestampFlag("t", "1722470400000000"), 1722470400000000);
  assert.throws(() => parseTimestampFlag("t", "soon"), /Invalid --t "soon"/);
});

Deno.test("a timestamp in seconds or milliseconds is rejected with the microseconds meant", () => {
  assert.throws(
    () => parseTimestampFlag("effective-ts", "1722643200"),
    (e) =>
      e instanceof UserError && /as microseconds this is 1970-01-01T00:28:42/.test(e.message) &&
      /if it is seconds \(2024-08-03T00:00:00.000Z\), give 1722643200000000/.test(e.message),
  );
  assert.throws(
    () => parseTimestampFlag("effective-ts", "1722643200000"),
    /if it is milliseconds \(2024-08-03T00:00:00.000Z\), give 1722643200000000/,
  );
  assert.equal(parseTimestampFlag("t", "1000000000000000"), 1e15, "2001-09-09 in µs is accepted");
});

Deno.test("a negative number after a string flag is its value, checked by the flag", () => {
  const spec = { ...SPEC, flags: { ...SPEC.flags, limit: { type: "string" as const, help: "N" } } };
  assert.equal(parseCliArgs(["--limit", "-1"], spec).values.limit, "-1");
  assert.equal(parseCliArgs(["--limit", "-1.5", "x"], spec).positionals[0], "x");
  assert.throws(() => parseCliArgs(["--force", "-1"], spec), UserError, "booleans take no value");
});

Deno.test("formatTable aligns columns and right-aligns numbers", () => {
  const t = formatTable([{ name: "a", n: 1 }, { name: "long", n: 12345 }]);
  assert.deepEqual(t.split("\n"), ["name      n", "----  -----", "a         1", "long  12345"]);
  assert.equal(formatTable([]), "(no rows)");
});

Deno.test("ProgressBar redraws in place on a terminal and prints tenths otherwise", () => {
  let tty = "";
  const a = new ProgressBar({ write: (s) => (tty += s), interactive: true, width: 10 });
  a.update({ done: 1, total: 2, file: "x.csv.gz", status: "success" });
  a.update({ done: 2, total: 2, file: "y.csv.gz", status: "failed" });
  a.finish();
  assert.ok(tty.startsWith("\r\x1b[2K"));
  assert.match(tty, /\[##########\] 2\/2 \(success 1, failed 1\) y\.csv\.gz\n$/);
  let log = "";
  const b = new ProgressBar({ write: (s) => (log += s), interactive: false });
  for (let i = 1; i <= 100; i++) b.update({ done: i, total: 100 });
  assert.equal(log.trimEnd().split("\n").length, 11, "0%, 10%, ..., 100%");
});

Deno.test("runCli prints user errors on one line without a stack and maps exit codes", async () => {
  const run = async (main: () => unknown) => {
    const lines: string[] = [];
    let code = -1;
    await runCli(main as () => Promise<number>, [], {
      printError: (l) => lines.push(l),
      exit: (c) => (code = c),
    });
    return { code, lines };
  };
  const user = await run(() => {
    throw new UserError("Bad flag");
  });
  assert.deepEqual(user, { code: 2, lines: ["error: Bad flag"] });
  const bug = await run(() => {
    throw new RangeError("oops");
  });
  assert.equal(bug.code, 1);
  assert.equal(bug.lines[0], "error: RangeError: oops");
  assert.equal((await run(() => 3)).code, 3);
  assert.equal((await run(() => undefined)).code, 0);
});
