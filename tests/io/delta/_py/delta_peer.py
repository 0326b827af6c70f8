"""Python test peer for the Delta writer interop tests (tests/io/delta/interop_test.ts).

delta-rs (python `deltalake`) is the reference implementation. Commands (JSON on stdout):
  describe <table> [version ...]  what delta-rs reads at each version (all when none given):
                                  protocol, live files (decoded, relative), canonical rows;
                                  and the per-file stats delta-rs parses at the newest version
  scenario <table>                delta-rs writes one table through every kind of version
  turn <table> <step>             one delta-rs operation: append, merge, delete, vacuum
Rows are canonical: every column cast to a string by polars, columns sorted by name, rows sorted.
"""
import json
import sys


def _need():
    try:
        import deltalake  # noqa: F401
        import polars  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as e:
        sys.exit(f"the interop peer needs python deltalake, polars and pyarrow ({e}): "
                 "pip install deltalake==1.6.6 polars pyarrow")


def _canonical(table):
    import polars as pl
    df = pl.from_arrow(table)
    if isinstance(df, pl.Series):
        df = df.to_frame()
    cols = sorted(df.columns)
    df = df.select([pl.col(c).cast(pl.Utf8) for c in cols])
    rows = sorted(json.dumps(r) for r in df.rows())
    return {"columns": cols, "rows": rows}


def describe(path, versions):
    from deltalake import DeltaTable
    latest = DeltaTable(path).version()
    out = {"latest": latest, "versions": {}}
    for v in (versions or range(latest + 1)):
        dt = DeltaTable(path, version=int(v))
        pre = path.rstrip("/") + "/"
        files = sorted(u[len(pre):] if u.startswith(pre) else u for u in dt.file_uris())
        pr = dt.protocol()
        out["versions"][str(v)] = {
            "protocol": [pr.min_reader_version, pr.min_writer_version,
                         sorted(pr.reader_features or []), sorted(pr.writer_features or [])],
            "files": files,
            "partitionColumns": dt.metadata().partition_columns,
            **_canonical(dt.to_pyarrow_table()),
        }
    import pyarrow as pa
    adds = pa.table(DeltaTable(path).get_add_actions(flatten=True)).to_pylist()
    out["stats"] = {a["path"]: {"numRecords": a["num_records"], "minK": a.get("min.k"), "maxK": a.get("max.k"),
                                "nullCountV": a.get("null_count.v")} for a in adds}
    try:
        out["txn_job"] = DeltaTable(path).transaction_version("job")
    except Exception:  # noqa: BLE001
        out["txn_job"] = None
    print(json.dumps(out))


def _frame(keys, value, part=None):
    import pyarrow as pa
    cols = {"k": pa.array(keys, pa.int64()), "v": pa.array([value] * len(keys), pa.string())}
    cols["p"] = pa.array([part if part is not None else ("a" if k % 2 == 0 else "b:c") for k in keys],
                         pa.string())
    return pa.table(cols)


def scenario(path):
    from deltalake import DeltaTable, write_deltalake
    import pyarrow as pa
    ops = []
    write_deltalake(path, _frame([0, 1, 2, 3], "v0"), partition_by=["p"]); ops.append("create")
    write_deltalake(path, _frame([4, 5], "v1"), mode="append"); ops.append("append")
    write_deltalake(path, _frame([10], "v2", "a"), mode="overwrite", predicate="p = 'a'"); ops.append("replaceWhere")
    t = _frame([6], "v3").append_column("extra", pa.array([1.5], pa.float64()))
    write_deltalake(path, t, mode="append", schema_mode="merge"); ops.append("schemaMerge")
    dt = DeltaTable(path)
    src = _frame([1, 7], "merged").append_column("extra", pa.array([None, 2.5], pa.float64()))
    (dt.merge(src, predicate="t.k = s.k", source_alias="s", target_alias="t")
       .when_matched_update_all().when_not_matched_insert_all().execute()); ops.append("merge")
    DeltaTable(path).delete("k = 5"); ops.append("delete")
    DeltaTable(path).optimize.compact(); ops.append("optimize")
    t = _frame([8], "v7").append_column("extra", pa.array([None], pa.float64()))
    write_deltalake(path, t, mode="append"); ops.append("append")
    DeltaTable(path).create_checkpoint(); ops.append("checkpoint")
    print(json.dumps({"ops": ops, "version": DeltaTable(path).version()}))


def turn(path, step):
    from deltalake import DeltaTable, write_deltalake
    if step == "append":
        write_deltalake(path, _frame([100, 101], "rs"), mode="append", schema_mode="merge")
    elif step == "merge":
        (DeltaTable(path).merge(_frame([0, 102], "rs-merged"), predicate="t.k = s.k",
                                source_alias="s", target_alias="t")
         .when_matched_update_all().when_not_matched_insert_all().execute())
    elif step == "delete":
        DeltaTable(path).delete("k = 1")
    elif step == "vacuum":
        DeltaTable(path).vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    else:
        sys.exit(f"unknown turn step {step!r}")
    print(json.dumps({"version": DeltaTable(path).version()}))


if __name__ == "__main__":
    _need()
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "describe":
        describe(path, sys.argv[3:])
    elif cmd == "scenario":
        scenario(path)
    elif cmd == "turn":
        turn(path, sys.argv[3])
    else:
        sys.exit(f"unknown command {cmd!r}")
