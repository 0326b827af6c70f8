# Test peer: prints, for every table of the Delta fixture INDEX.tsv, what delta-rs (python
# deltalake) reads from its log: version, live file paths (decoded, relative), reader version,
# metadata id, partition columns; or the error. Used by tests/io/delta/snapshot_test.ts.
# delta-rs returns file URIs under the table's resolved path (symlinks followed), so the prefix
# to strip is the resolved path too: the fixtures may sit behind a symlink.
import json, os, sys
root = os.path.realpath(sys.argv[1])
out = {}
lines = open(root + "/INDEX.tsv").read().strip().split("\n")[1:]
try:
    import deltalake
except ImportError:
    sys.exit("python deltalake is not installed: pip install deltalake==1.6.6")
for l in lines:
    rel = l.split("\t")[3]
    p = root + "/" + rel
    try:
        dt = deltalake.DeltaTable(p)
        uris = dt.file_uris()
        pre = os.path.realpath(p).rstrip("/") + "/"
        files = sorted(u[len(pre):] if u.startswith(pre) else u for u in uris)
        pr = dt.protocol()
        out[rel] = {"version": dt.version(), "files": files, "minReaderVersion": pr.min_reader_version, "metadataId": dt.metadata().id, "partitionColumns": dt.metadata().partition_columns}
    except Exception as e:
        out[rel] = {"error": type(e).__name__ + ": " + str(e)[:200]}
print(json.dumps(out))
