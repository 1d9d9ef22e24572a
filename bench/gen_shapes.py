"""Corpora of shapes other than gen_sql.py's, for the ingest shapes scenario (BENCHMARKS.md).

  gen_shapes.py SHAPE DIR MB     about MB megabytes of SHAPE in DIR (gen_shapes.py list: the shapes)

Deterministic: the same arguments always write the same bytes. Names are numbered so that
repeated statements stay distinct where the shape wants distinct names.
"""

import os
import sys

import gen_sql

MB = 1 << 20
FILE_BYTES = 512 * 1024


def _files(out, megabytes, statement, file_bytes=FILE_BYTES, ext="sql", prefix="f", head="", tail=""):
    """Files of about file_bytes, each statement(i) appended in turn until megabytes in all."""
    os.makedirs(out, exist_ok=True)
    total, n, i = 0, 0, 0
    while total < megabytes * MB:
        chunks, size = [head], len(head)
        while size < file_bytes and total + size < megabytes * MB:
            s = statement(i)
            chunks.append(s)
            size += len(s)
            i += 1
        chunks.append(tail)
        size += len(tail)
        with open(os.path.join(out, f"{prefix}_{n:05d}.{ext}"), "w", encoding="ascii", newline="") as f:
            f.write("".join(chunks))
        total += size
        n += 1
    return n, total


def tiny(out, megabytes):
    """One statement a file (~200 bytes), in folders of 1,000."""
    total, n = 0, 0
    while total < megabytes * MB:
        d = os.path.join(out, f"d{n // 1000:04d}")
        if n % 1000 == 0:
            os.makedirs(d, exist_ok=True)
        s = (f"INSERT INTO mart.daily_{n % 5000} (id, amount, region)\n"
             f"SELECT o.id, o.amount * r.rate, o.region FROM staging.orders_{n % 3000} o\n"
             f"JOIN ref.rates r ON r.cur = o.cur WHERE o.ts >= '2024-01-01';\n")
        with open(os.path.join(d, f"q_{n:06d}.sql"), "w", encoding="ascii") as f:
            f.write(s)
        total += len(s)
        n += 1
    return n, total


def _row(i):
    return f"({i}, 'customer {i % 9973}', {i * 7 % 100000 / 100:.2f}, '2024-{1 + i % 12:02d}-{1 + i % 28:02d} 12:00:00', 'note {i}')"


def values(out, megabytes):
    """mysqldump style: files of 8 MB (or MB when less), one INSERT ... VALUES statement per 1,000 rows."""
    def statement(i):
        rows = ",\n".join(_row(i * 1000 + r) for r in range(1000))
        return f"INSERT INTO raw.events_{i % 50} (id, name, amount, ts, note) VALUES\n{rows};\n"
    return _files(out, megabytes, statement, file_bytes=min(8, megabytes) * MB)


def values1(out, megabytes):
    """Files of 8 MB, each one INSERT ... VALUES statement of 8 MB."""
    os.makedirs(out, exist_ok=True)
    total, n, i = 0, 0, 0
    while total < megabytes * MB:
        chunks, size = [f"INSERT INTO raw.dump_{n} (id, name, amount, ts, note) VALUES\n"], 0
        while size < min(8, megabytes) * MB:
            r = _row(i) + ",\n"
            chunks.append(r)
            size += len(r)
            i += 1
        chunks.append(_row(i) + ";\n")
        text = "".join(chunks)
        with open(os.path.join(out, f"dump_{n:03d}.sql"), "w", encoding="ascii") as f:
            f.write(text)
        total += len(text)
        n += 1
    return n, total


def proc(out, megabytes):
    """T-SQL: files of 8 MB (or MB when less), each one CREATE PROCEDURE whose body is the whole file
    (few distinct tables: more than 8,192 distinct table flows in one routine fail its file)."""
    def statement(i):
        return (f"    DECLARE @n{i} INT = {i};\n"
                f"    IF @n{i} > 0\n    BEGIN\n"
                f"        INSERT INTO #stage_{i % 20} (id, amount) SELECT s.id, s.amount FROM dbo.src_{i % 60} s"
                f" WHERE s.batch = @n{i};\n"
                f"        UPDATE t SET t.total = t.total + x.amount FROM dbo.totals_{i % 40} t"
                f" JOIN #stage_{i % 20} x ON x.id = t.id;\n"
                f"    END\n"
                f"    INSERT INTO dbo.audit_{i % 10} (step, at) VALUES ({i}, GETDATE());\n")
    os.makedirs(out, exist_ok=True)
    total, n = 0, 0
    while total < megabytes * MB:
        sub = os.path.join(out, f"p{n}")
        mb = min(8, megabytes)
        files, size = _files(sub, mb, lambda i, n=n: statement(n * 100000 + i), file_bytes=mb * MB,
                             head=f"CREATE PROCEDURE dbo.load_all_{n}\nAS\nBEGIN\n    SET NOCOUNT ON;\n",
                             tail="END;\nGO\n")
        total += size
        n += files
    return n, total


def wide(out, megabytes):
    """Views of 500 columns, each reading the one before it (column lineage 500 wide, chains deep)."""
    cols = 500

    def statement(i):
        src = f"wide.v_{i - 1}" if i % 200 else f"wide.base_{i // 200}"
        sel = ",\n  ".join(f"a.c{c} + b.c{(c + 1) % cols} AS c{c}" if c % 3 == 0 else f"a.c{c}" for c in range(cols))
        return (f"CREATE VIEW wide.v_{i} AS\nSELECT\n  {sel}\nFROM {src} a\n"
                f"JOIN wide.dim_{i % 50} b ON b.c0 = a.c0;\n")
    return _files(out, megabytes, statement)


def deep(out, megabytes):
    """A chain of 100 CTEs each reading the one before, and subqueries nested 60 deep."""
    def statement(i):
        if i % 2 == 0:
            ctes = [f"c0 AS (SELECT id, v, w FROM deep.src_{i % 1000})"]
            ctes += [f"c{k} AS (SELECT p.id, p.v + q.w AS v, q.w FROM c{k - 1} p JOIN deep.dim_{k} q ON q.id = p.id)"
                     for k in range(1, 100)]
            return "WITH " + ",\n".join(ctes) + f"\nINSERT INTO deep.out_{i % 1000} SELECT id, v, w FROM c99;\n"
        inner = f"SELECT id, v FROM deep.src_{i % 1000}"
        for k in range(60):
            inner = f"SELECT s{k}.id, s{k}.v + 1 AS v FROM ({inner}) s{k} WHERE s{k}.id > {k}"
        return f"INSERT INTO deep.nest_{i % 1000} (id, v)\n{inner};\n"
    return _files(out, megabytes, statement)


def plsql(out, megabytes):
    """Oracle packages: a specification and a body of 20 procedures, each a loop, a cursor and DML."""
    def statement(i):
        procs = []
        for p in range(20):
            procs.append(
                f"  PROCEDURE load_{p}(p_day IN DATE) IS\n"
                f"    CURSOR c IS SELECT id, amount FROM stg.orders_{(i * 20 + p) % 3000} WHERE day = p_day;\n"
                f"    v_total NUMBER := 0;\n"
                f"  BEGIN\n"
                f"    FOR r IN c LOOP\n"
                f"      v_total := v_total + r.amount;\n"
                f"      INSERT INTO dw.order_lines_{p} (id, amount) VALUES (r.id, r.amount);\n"
                f"    END LOOP;\n"
                f"    MERGE INTO dw.daily_{p} d USING (SELECT p_day AS day, v_total AS total FROM dual) s\n"
                f"      ON (d.day = s.day)\n"
                f"      WHEN MATCHED THEN UPDATE SET d.total = s.total\n"
                f"      WHEN NOT MATCHED THEN INSERT (day, total) VALUES (s.day, s.total);\n"
                f"    UPDATE dw.totals_{p} t SET t.amount = (SELECT SUM(amount) FROM dw.order_lines_{p} l"
                f" WHERE l.id = t.id);\n"
                f"    COMMIT;\n"
                f"  EXCEPTION WHEN OTHERS THEN\n"
                f"    ROLLBACK;\n"
                f"    RAISE;\n"
                f"  END load_{p};\n")
        spec = "".join(f"  PROCEDURE load_{p}(p_day IN DATE);\n" for p in range(20))
        return (f"CREATE OR REPLACE PACKAGE etl_{i} AS\n{spec}END etl_{i};\n/\n"
                f"CREATE OR REPLACE PACKAGE BODY etl_{i} AS\n{''.join(procs)}END etl_{i};\n/\n")
    return _files(out, megabytes, statement, ext="pls")


def distinct(out, megabytes):
    """Every name distinct: two tables a statement, ~55 bytes each (1,000,000 names in ~28 MB)."""
    return _files(out, megabytes, lambda i: f"INSERT INTO s.t{i} (a, b) SELECT a, b FROM s.u{i};\n")


def onetable(out, megabytes):
    """One table read and written by every statement."""
    def statement(i):
        if i % 2:
            return f"INSERT INTO core.events (id, v, src) SELECT id, v + {i}, 'x' FROM core.events WHERE id = {i};\n"
        return f"INSERT INTO mart.agg_{i % 500} (id, v) SELECT e.id, SUM(e.v) FROM core.events e GROUP BY e.id;\n"
    return _files(out, megabytes, statement)


def comments(out, megabytes):
    """Most bytes in comments and string literals: a 4 KB block comment, a 2 KB literal a statement."""
    block = "/*\n" + ("  This table holds the reconciled ledger; see the runbook for the nightly order.\n" * 50) + "*/\n"
    text = "lorem ipsum dolor sit amet, consectetur adipiscing elit " * 36

    def statement(i):
        return (f"{block}-- step {i}: load\nINSERT INTO fin.notes_{i % 2000} (id, body)\n"
                f"SELECT n.id, '{text}' || n.body FROM fin.raw_notes_{i % 1000} n;\n")
    return _files(out, megabytes, statement)


def crlf(out, megabytes):
    """gen_sql.py's corpus with CRLF line ends."""
    n, _ = gen_sql.corpus(out, megabytes)
    total = 0
    for name in sorted(os.listdir(out)):
        path = os.path.join(out, name)
        with open(path, "rb") as f:
            data = f.read().replace(b"\n", b"\r\n")
        with open(path, "wb") as f:
            f.write(data)
        total += len(data)
    return n, total


def broken(out, megabytes):
    """Nine statements in ten fail to parse; the tenth is a good one."""
    def statement(i):
        if i % 10 == 0:
            return f"INSERT INTO ok.t_{i % 3000} (a) SELECT a FROM ok.s_{i % 2000};\n"
        return [f"SELEC a,, FROM WHERE (( t_{i} ;\n",
                f"INSERT INTO ok.t_{i % 3000} (a b c) SELECT FROM FROM ok.s_{i} WHERE ;\n",
                f"UPDATE SET = 1 WHERE {i} ) ) ;\n",
                f"CREATE TABLE ( x INT, y ;\n"][i % 4]
    return _files(out, megabytes, statement)


SHAPES = {f.__name__: f for f in (tiny, values, values1, proc, wide, deep, plsql, distinct, onetable, comments, crlf,
                                  broken)}


def generate(shape, out, megabytes):
    if shape == "generator":
        return gen_sql.corpus(out, megabytes)
    return SHAPES[shape](out, megabytes)


def main(argv):
    if len(argv) == 2 and argv[1] == "list":
        print("\n".join(f"{k:10} {v.__doc__}" for k, v in SHAPES.items()))
        return 0
    if len(argv) != 4 or argv[1] not in SHAPES or not argv[3].isdigit() or int(argv[3]) < 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    files, size = generate(argv[1], argv[2], int(argv[3]))
    print(f"{files} files, {size / MB:.1f} MB in {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
