"""Table lineage with Debian's python3-sqlglot: the extractor lineaged's `parse` is compared with
(BENCHMARKS.md, "Lineage extraction").

  sqlglot_tables.py FILE...    one JSON line per file on stdout, a summary line on stderr

A file's dialect is the part of its name before the first '_' (bench/gen_sql.py names them so).
Per statement: the tables it writes (INSERT, CREATE ... AS, UPDATE, MERGE, DELETE, SELECT INTO)
and the tables it reads (every other table it names, CTE names left out). A file that does not
parse whole is parsed statement by statement (split at ";\\n"), and the statements that still
fail are counted, so one bad statement does not lose the file.
"""

import json
import sys

import sqlglot
from sqlglot import exp

DIALECTS = {"postgres": "postgres", "tsql": "tsql", "snowflake": "snowflake", "bigquery": "bigquery",
            "mysql": "mysql", "oracle": "oracle", "hive": "hive"}
# sqlglot 10.6's tokenizer raises RuntimeError (an unclosed quote), its parser ParseError.
FAILURES = (sqlglot.errors.SqlglotError, RuntimeError, ValueError)
WRITERS = (exp.Insert, exp.Create, exp.Update, exp.Merge, exp.Delete)


def table_name(t):
    return ".".join(p for p in (t.text("catalog"), t.text("db"), t.name) if p)


def lineage(stmt):
    writes = set()
    if isinstance(stmt, WRITERS):
        target = stmt.this
        table = target if isinstance(target, exp.Table) else target.find(exp.Table) if target else None
        if table is not None:
            writes.add(table_name(table))
    into = stmt.args.get("into") if isinstance(stmt, exp.Select) else None
    if into is not None and into.find(exp.Table) is not None:
        writes.add(table_name(into.find(exp.Table)))
    ctes = {c.alias_or_name for c in stmt.find_all(exp.CTE)}
    reads = {table_name(t) for t in stmt.find_all(exp.Table)} - writes - ctes
    return {"reads": sorted(reads), "writes": sorted(writes)}


def parse_file(path):
    dialect = DIALECTS.get(path.rsplit("/", 1)[-1].split("_", 1)[0])
    with open(path, encoding="utf-8", errors="replace") as f:
        sql = f.read()
    errors = 0
    try:
        trees = [t for t in sqlglot.parse(sql, read=dialect) if t is not None]
    except FAILURES:
        trees = []
        for piece in sql.split(";\n"):
            if not piece.strip():
                continue
            try:
                trees.extend(t for t in sqlglot.parse(piece, read=dialect) if t is not None)
            except FAILURES:
                errors += 1
    return {"file": path, "dialect": dialect, "statements": [lineage(t) for t in trees], "errors": errors}


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    statements = errors = 0
    out = sys.stdout
    for path in paths:
        result = parse_file(path)
        statements += len(result["statements"])
        errors += result["errors"]
        out.write(json.dumps(result) + "\n")
    print(f"sqlglot {sqlglot.__version__}: {len(paths)} files, {statements} statements, {errors} errors",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
