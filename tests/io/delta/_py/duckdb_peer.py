"""Python test peer for the DuckDB interop tests (tests/io/delta/duckdb_interop_test.ts).

DuckDB reads Delta tables with its `delta` extension (delta_scan, delta_list_files, built on
delta-kernel-rs). The extension normally downloads from DuckDB's extension site; here it comes
from the PyPI package `duckdb-extension-delta`, whose version must equal duckdb's, and is loaded
from that package's folder, so nothing is fetched at run time.

Usage: a JSON list of steps on stdin, a JSON list of answers (one per step) on stdout.
  {"rows": "<select>"}   the rows of a query, canonical (see below), columns sorted by name
  {"exec": "<sql>"}      a statement whose result is ignored (ATTACH, INSERT, SET)
  {"files": "<select>"}  how many files the query's delta_scan reads ({"read": n}, from
                         EXPLAIN ANALYZE): what DuckDB's partition pruning and skipping by the
                         `add` actions' stats left
Every answer is {"error": "<message>"} when DuckDB refuses the step; the later steps still run.

Canonical values, so that they compare exactly with pointline's (nodejs-polars) frame:
integers, dates, decimals and timestamps (as microseconds since the epoch) become strings;
doubles stay JSON numbers (non-finite ones become strings); lists hold canonical values.
Only SQL does the conversion, so no python timezone package is needed.
"""
import json
import math
import os
import re
import sys


def _need():
    try:
        import duckdb
        import duckdb_extension_delta
    except ImportError as e:
        sys.exit(f"the DuckDB peer needs python duckdb and duckdb-extension-delta ({e}): "
                 "pip install duckdb==1.5.5 duckdb-extension-delta==1.5.5")
    path = os.path.join(os.path.dirname(duckdb_extension_delta.__file__), "extensions",
                        "v" + duckdb.__version__, "delta.duckdb_extension")
    if not os.path.exists(path):
        sys.exit(f"duckdb-extension-delta has no build for duckdb {duckdb.__version__} ({path}): "
                 "install equal versions, pip install duckdb==1.5.5 duckdb-extension-delta==1.5.5")
    return duckdb, path


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def _canonical_expr(expr, type_name):
    """A SQL expression giving the canonical form of `expr`, a value of DuckDB type `type_name`."""
    t = type_name.upper()
    if t.endswith("[]"):
        inner = _canonical_expr("x", type_name[:-2])
        return f"list_transform({expr}, x -> {inner})"
    if t.startswith("TIMESTAMP"):
        return f"CAST(epoch_us({expr}) AS VARCHAR)"
    if t in ("FLOAT", "DOUBLE"):
        return f"CAST({expr} AS DOUBLE)"
    if t in ("BOOLEAN", "VARCHAR"):
        return expr
    # integers, DATE (ISO text), DECIMAL (its scale's digits) and anything else: text
    return f"CAST({expr} AS VARCHAR)"


def _json_value(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")  # as JS
    if isinstance(v, list):
        return [_json_value(x) for x in v]
    return v


def _rows(con, sql):
    rel = con.sql(sql)
    types = {name: str(t) for name, t in zip(rel.columns, rel.types)}
    names = sorted(rel.columns)
    select = ", ".join(_canonical_expr(_quote(n), types[n]) + " AS " + _quote(n) for n in names)
    rows = con.sql(f"SELECT {select} FROM ({sql})").fetchall()
    return {"columns": names, "types": types,
            "rows": [[_json_value(v) for v in row] for row in rows]}


def _files(con, sql):
    con.execute("SET delta_scan_explain_files_filtered = true")
    plan = "\n".join(str(r[1]) for r in con.sql("EXPLAIN ANALYZE " + sql).fetchall())
    found = re.findall(r"Total Files Read: (\d+)", plan)
    if len(found) != 1:
        return {"error": f"expected one delta_scan in the plan, found {len(found)}:\n{plan}"}
    return {"read": int(found[0])}


def main():
    duckdb, path = _need()
    steps = json.load(sys.stdin)
    con = duckdb.connect()
    con.execute(f"LOAD '{path}'")
    answers = []
    for step in steps:
        try:
            if "rows" in step:
                answers.append(_rows(con, step["rows"]))
            elif "files" in step:
                answers.append(_files(con, step["files"]))
            else:
                con.execute(step["exec"])
                answers.append({"ok": True})
        except duckdb.Error as e:
            answers.append({"error": f"{type(e).__name__}: {e}"})
    print(json.dumps(answers))


if __name__ == "__main__":
    main()
