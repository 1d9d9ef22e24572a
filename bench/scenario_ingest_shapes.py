"""Ingest of differently shaped corpora (bench/gen_shapes.py), each through `lineaged ingest` into a
new database under /tmp, the whole process measured: MB and files per CPU-second, peak RSS, the
database's size. `reingest` ingests gen_sql.py's corpus twice into one database and measures the
second run (every file a duplicate); `supersede` ingests it, then measures new versions of the same
paths (every file changed).

Environment: BENCH_SHAPES (comma-separated, default all), BENCH_SHAPES_MB (4; full 24),
BENCH_SHAPES_TINY_MB (the one-statement files, in steps of 0.25 MB: quick 1, full 80).
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

import benchlib
import gen_shapes
import gen_sql

SHAPES = ["generator"] + list(gen_shapes.SHAPES) + ["reingest", "supersede"]
SUMMARY = re.compile(r"ingested (\d+) files? in [\d.]+ s: (\d+) processed, (\d+) failed, (\d+) skipped.*"
                     r"graph ([+-]\d+) nodes, ([+-]\d+) edges")


def corpus(shape, megabytes):
    """The shape's directory under build/bench-data, generated again when a generator or the size changed."""
    digest = hashlib.sha256()
    for mod in (gen_shapes, gen_sql):
        with open(mod.__file__, "rb") as f:
            digest.update(f.read())
    stamp = f"{digest.hexdigest()} {megabytes}"
    out = os.path.join(benchlib.DATA, "shapes", f"{shape}-{megabytes}")
    stamp_path = os.path.join(out, ".stamp")
    if not os.path.exists(stamp_path) or open(stamp_path).read() != stamp:
        shutil.rmtree(out, ignore_errors=True)
        if shape == "tiny":
            gen_shapes.tiny(out, megabytes / 4)
        else:
            gen_shapes.generate(shape, out, megabytes)
        with open(stamp_path, "w") as f:
            f.write(stamp)
    return out


def new_versions(src, out):
    """The same paths as src with every file changed: other source tables, one more comment line."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for name in sorted(os.listdir(src)):
        if not name.endswith(".sql"):
            continue
        with open(os.path.join(src, name)) as f:
            text = f.read()
        with open(os.path.join(out, name), "w") as f:
            f.write("-- version 2\n" + text.replace("staging.", "staging_v2.").replace("core.", "core_v2."))


def size_of(path):
    total, files = 0, 0
    for root, _, names in os.walk(path):
        for n in names:
            if n != ".stamp":
                total += os.path.getsize(os.path.join(root, n))
                files += 1
    return files, total


def ingest(db, path):
    out = tempfile.TemporaryFile(mode="w+")
    m = benchlib.run([benchlib.LINEAGED, "ingest", "--db", db, path], stdout=out, stderr=subprocess.DEVNULL)
    out.seek(0)
    text = out.read()
    match = SUMMARY.search(text)
    if not match:
        sys.exit(f"lineaged ingest {path}: no summary (exit {m.status}): {text[-300:]!r}")
    return m, [int(g) for g in match.groups()]


def main():
    wanted = [s for s in os.environ.get("BENCH_SHAPES", ",".join(SHAPES)).split(",") if s]
    bad = [s for s in wanted if s not in SHAPES]
    if bad:
        sys.exit(f"BENCH_SHAPES: unknown {bad}; known: {SHAPES}")
    megabytes = benchlib.setting("BENCH_SHAPES_MB", 4, 24)
    tiny_steps = benchlib.setting("BENCH_SHAPES_TINY_MB", 1, 80)
    print(f"load average {benchlib.load_average()}; {megabytes} MB a shape, "
          f"one-statement files {tiny_steps / 4:g} MB")
    print(f"{'shape':10} {'files':>7} {'MB':>6} {'CPU-s':>7} {'MB/CPU-s':>9} {'files/CPU-s':>11} {'wall s':>7} "
          f"{'peak MB':>8} {'db MB':>7} {'processed':>9} {'failed':>6} {'skipped':>7} {'nodes':>9} {'edges':>9}")
    tmp = tempfile.mkdtemp(prefix="lineaged-shapes-")
    try:
        for shape in wanted:
            db = os.path.join(tmp, f"{shape}.duckdb")
            if shape in ("reingest", "supersede"):
                src = corpus("generator", megabytes)
                ingest(db, src)
                path = src
                if shape == "supersede":
                    path = os.path.join(tmp, "v2")
                    new_versions(src, path)
            else:
                path = corpus(shape, tiny_steps if shape == "tiny" else megabytes)
            files, size = size_of(path)
            m, (_, processed, failed, skipped, nodes, edges) = ingest(db, path)
            db_mb = sum(os.path.getsize(p) for p in (db, db + ".wal") if os.path.exists(p)) / 1048576
            mb = size / 1048576
            print(f"{shape:10} {files:>7} {mb:>6.1f} {m.cpu:>7.2f} {mb / m.cpu:>9.1f} {files / m.cpu:>11.0f} "
                  f"{m.wall:>7.2f} {m.rss_mb:>8.0f} {db_mb:>7.1f} {processed:>9} {failed:>6} {skipped:>7} "
                  f"{nodes:>+9} {edges:>+9}", flush=True)
            for p in (db, db + ".wal"):
                if os.path.exists(p):
                    os.remove(p)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average {benchlib.load_average()}")


if __name__ == "__main__":
    main()
