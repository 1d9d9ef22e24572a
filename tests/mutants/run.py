"""`make mutants`: applies each mutation of mutations.txt to a scratch copy of the tree, builds it, runs
the tests that should catch it and prints caught or survived. Not part of `make test`.

    MUTANTS=name,name  only these mutations
    MUTANTS_DIR=path   scratch folder (default build-mutants/ in the repository)
Exit status: 0 when every mutation was caught, 1 when one survived or could not be applied or built.
"""

import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TEST_TIMEOUT = 600


def load(path):
    mutations, block = [], {}
    with open(path) as f:
        lines = f.read().splitlines() + [""]
    for number, line in enumerate(lines, 1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if block:
                missing = {"name", "file", "from", "to", "tests"} - block.keys()
                if missing:
                    sys.exit(f"{path}:{number}: block {block.get('name', '?')} lacks {', '.join(sorted(missing))}")
                mutations.append(block)
                block = {}
            continue
        key, sep, value = line.partition(": ")
        if not sep:
            sys.exit(f"{path}:{number}: expected 'key: value', got {line!r}")
        block[key] = value
    return mutations


def run(cmd, cwd, timeout=None, env=None):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def scratch_copy(dest):
    """The tree as it is now (tracked and new files, nothing ignored) without build output."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO)
    if listed.returncode:
        sys.exit(f"git ls-files failed: {listed.stderr.strip()}")
    tree = os.path.join(dest, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    for rel in filter(None, listed.stdout.split("\0")):
        src = os.path.join(REPO, rel)
        if not os.path.isfile(src):
            continue  # deleted in the work tree but still in the index
        os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(tree, rel))
    if os.path.isdir(os.path.join(REPO, "node_modules")):
        os.symlink(os.path.join(REPO, "node_modules"), os.path.join(tree, "node_modules"))
    return tree


def configure(tree, build):
    cmd = ["cmake", "-S", tree, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
           f"-DLINEAGED_DUCKDB_DIR={os.path.join(REPO, 'deps', 'duckdb')}",
           f"-DLINEAGED_SHARED_DIR={os.path.realpath(os.path.join(REPO, '..', 'shared'))}"]
    r = run(cmd, REPO)
    if r.returncode:
        sys.exit(f"cmake configure failed:\n{r.stdout}{r.stderr}")


def build_tree(build):
    return run(["cmake", "--build", build, "-j", str(os.cpu_count() or 2)], REPO)


def ctest(build, pattern):
    try:
        r = run(["ctest", "-R", pattern, "--timeout", "300", "-j", "2", "--output-on-failure"], build,
                timeout=TEST_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, ["(ctest timed out)"]
    failed = [line.split(" - ", 1)[1].split(" (")[0].strip() for line in r.stdout.splitlines()
              if " - " in line and ("(Failed)" in line or "(Timeout)" in line or "(SEGFAULT)" in line
                                     or "(Subprocess aborted)" in line)]
    if "No tests were found" in r.stdout + r.stderr:
        return None, []
    return r.returncode == 0, failed


def main():
    mutations = load(os.path.join(HERE, "mutations.txt"))
    chosen = [n for n in os.environ.get("MUTANTS", "").split(",") if n]
    if chosen:
        unknown = set(chosen) - {m["name"] for m in mutations}
        if unknown:
            sys.exit(f"unknown mutation(s): {', '.join(sorted(unknown))}")
        mutations = [m for m in mutations if m["name"] in chosen]
    dest = os.path.abspath(os.environ.get("MUTANTS_DIR", os.path.join(REPO, "build-mutants")))
    os.makedirs(dest, exist_ok=True)
    tree = scratch_copy(dest)
    build = os.path.join(dest, "build")
    configure(tree, build)

    print(f"building the unmutated copy in {build} ...", flush=True)
    r = build_tree(build)
    if r.returncode:
        sys.exit(f"the unmutated tree does not build:\n{r.stdout[-4000:]}{r.stderr[-4000:]}")
    pattern = "|".join(sorted({m["tests"] for m in mutations}))
    ok, failed = ctest(build, pattern)
    if not ok:
        sys.exit(f"the unmutated tree fails its own tests ({', '.join(failed) or 'see ctest'}): fix that first")

    results = []
    for m in mutations:
        path = os.path.join(tree, m["file"])
        with open(path) as f:
            original = f.read()
        count = original.count(m["from"])
        started = time.monotonic()
        if count != 1:
            results.append((m, "stale", f"'from' occurs {count} times in {m['file']}"))
        else:
            with open(path, "w") as f:
                f.write(original.replace(m["from"], m["to"]))
            try:
                r = build_tree(build)
                if r.returncode:
                    results.append((m, "no-build", (r.stdout + r.stderr).strip().splitlines()[-1:]))
                else:
                    passed, failed = ctest(build, m["tests"])
                    if passed is None:
                        results.append((m, "no-tests", f"no test matches {m['tests']}"))
                    else:
                        results.append((m, "survived" if passed else "caught", ", ".join(failed)))
            finally:
                with open(path, "w") as f:
                    f.write(original)
        _, verdict, detail = results[-1]
        print(f"{verdict:9} {m['name']:32} {time.monotonic() - started:5.0f} s  {detail}", flush=True)
        if verdict == "survived":
            print(f"          {m['what']}", flush=True)

    build_tree(build)  # leave the copy unmutated
    counts = {v: sum(1 for _, verdict, _ in results if verdict == v)
              for v in ("caught", "survived", "stale", "no-build", "no-tests")}
    print(f"\n{counts['caught']} caught, {counts['survived']} survived"
          + "".join(f", {n} {v}" for v, n in counts.items() if v not in ("caught", "survived") and n))
    return 0 if counts["caught"] == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
