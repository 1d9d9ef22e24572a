"""Lineage extraction: `lineaged parse` against python3-sqlglot (bench/peers/sqlglot_tables.py) on
the same generated multi-dialect corpus, whole processes, CPU-seconds and peak RSS of each.

sqlglot is about a hundred times slower (~20 CPU-s for 3.5 MB here), so it reads a subset: the first
BENCH_SQLGLOT_FILES files of 512 KiB (7, one per dialect; full 14), and lineaged reads that subset
too, in the same rounds, for the ratio; lineaged also reads the whole corpus.
Environment: BENCH_PARSE_MB (50), BENCH_PARSE_RUNS (3; full 5), BENCH_SQLGLOT_FILES (7; full 14),
BENCH_SQLGLOT_RUNS (1; full 3).
"""

import collections
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import benchlib
import gen_sql

HERE = os.path.dirname(os.path.abspath(__file__))
SQLGLOT = os.path.join(HERE, "peers", "sqlglot_tables.py")
PYTHON = "/usr/bin/python3"  # Debian's, where python3-sqlglot is installed


def corpus(megabytes):
    """The corpus directory, generated again only when the generator or the size changed."""
    with open(gen_sql.__file__, "rb") as f:
        stamp = f"{hashlib.sha256(f.read()).hexdigest()} {megabytes}"
    out = os.path.join(benchlib.DATA, f"corpus-{megabytes}")
    stamp_path = os.path.join(out, ".stamp")
    if not os.path.exists(stamp_path) or open(stamp_path).read() != stamp:
        shutil.rmtree(out, ignore_errors=True)
        gen_sql.corpus(out, megabytes)
        with open(stamp_path, "w") as f:
            f.write(stamp)
    return sorted(glob.glob(os.path.join(out, "*.sql")), key=lambda p: p.rsplit("_", 1)[1])


def size_mb(files):
    return sum(os.path.getsize(f) for f in files) / 1048576


def statement_sets(docs):
    """file -> multiset of (reads, writes) per statement."""
    out = {}
    for d in docs:
        out[d["file"]] = collections.Counter((tuple(sorted(s.get("reads", []))), tuple(sorted(s.get("writes", []))))
                                             for s in d["statements"])
    return out


def agreement(lineaged_out, sqlglot_out):
    """Statements each tool found in the subset (from the outputs of the first measured runs), their
    errors, and how many of sqlglot's statements lineaged gave the same reads and writes."""
    docs = json.load(open(lineaged_out))
    docs = docs if isinstance(docs, list) else [docs]
    gdocs = [json.loads(line) for line in open(sqlglot_out)]
    lsets, gsets = statement_sets(docs), statement_sets(gdocs)
    same = sum(min(n, lsets.get(f, {}).get(k, 0)) for f, c in gsets.items() for k, n in c.items())
    return {
        "lineaged_statements": sum(len(d["statements"]) for d in docs),
        "lineaged_errors": sum(len(d.get("errors") or []) for d in docs),
        "sqlglot_statements": sum(len(d["statements"]) for d in gdocs),
        "sqlglot_errors": sum(d["errors"] for d in gdocs),
        "same": same,
    }


def line(name, mb, runs):
    cpu = benchlib.median([r.cpu for r in runs])
    rss = benchlib.median([r.rss_mb for r in runs])
    rate = mb / cpu if cpu > 0 else float("inf")
    print(f"  {name:<34} {mb:7.1f} MB  {len(runs)} runs  median {cpu:8.2f} CPU-s  {rate:8.2f} MB per CPU-s"
          f"  peak RSS {rss:7.1f} MB   (CPU-s: {', '.join(f'{r.cpu:.2f}' for r in runs)})")
    return rate


def main():
    megabytes = benchlib.setting("BENCH_PARSE_MB", 50, 50)
    runs = benchlib.setting("BENCH_PARSE_RUNS", 3, 5)
    glot_runs = benchlib.setting("BENCH_SQLGLOT_RUNS", 1, 3)
    files = corpus(megabytes)
    subset = files[: benchlib.setting("BENCH_SQLGLOT_FILES", len(gen_sql.CORPUS), 2 * len(gen_sql.CORPUS))]
    mb, sub_mb = size_mb(files), size_mb(subset)
    dialects = ", ".join(sorted({os.path.basename(f).split("_")[0] for f in subset}))
    print(f"corpus: {len(files)} files, {mb:.1f} MB, {len(gen_sql.CORPUS)} dialects (guessed per file by lineaged,"
          f" named to sqlglot); subset: {len(subset)} files, {sub_mb:.1f} MB ({dialects}); load {benchlib.load_average()}")
    tmp = tempfile.mkdtemp(prefix="lineaged-bench-extract-")
    lout, gout = os.path.join(tmp, "lineaged.json"), os.path.join(tmp, "sqlglot.jsonl")
    whole, lsub, gsub = [], [], []
    # Output goes to /dev/null, except the first subset run of each tool, kept to compare their answers.
    for r in range(max(runs, glot_runs)):
        if r < runs:
            whole.append(benchlib.run([benchlib.LINEAGED, "parse", *files]))
            with open(lout if r == 0 else os.devnull, "w") as out:
                lsub.append(benchlib.run([benchlib.LINEAGED, "parse", *subset], stdout=out))
        if r < glot_runs:
            with open(gout if r == 0 else os.devnull, "w") as out:
                gsub.append(benchlib.run([PYTHON, SQLGLOT, *subset], stdout=out, stderr=subprocess.DEVNULL,
                                         timeout=3600))
    for m in whole + lsub + gsub:
        if m.status not in (0, 1):
            sys.exit(f"a parse run failed with status {m.status}")
    line("lineaged parse, whole corpus", mb, whole)
    rate_l = line("lineaged parse, subset", sub_mb, lsub)
    rate_g = line("python3-sqlglot, subset", sub_mb, gsub)
    ratio = rate_l / rate_g
    verdict = "met" if ratio >= 50 else f"MISSED by {50 / ratio:.2f}x"
    print(f"  ratio (MB per CPU-second, same files, same rounds): {ratio:.0f}x   target >= 50x: {verdict}")
    a = agreement(lout, gout)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"  on the subset: lineaged {a['lineaged_statements']} statements, {a['lineaged_errors']} errors;"
          f" sqlglot {a['sqlglot_statements']} statements, {a['sqlglot_errors']} failed;"
          f" {a['same']} of sqlglot's statements with the same reads and writes in lineaged's output;"
          f" load {benchlib.load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
