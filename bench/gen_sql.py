"""Generates the SQL the scripted benchmarks read (BENCHMARKS.md).

  gen_sql.py graph DIR NODES    files whose lineage graph has at least NODES nodes (HTTP scenario)
  gen_sql.py corpus DIR MB      a multi-dialect corpus of about MB megabytes (extraction scenario)

Deterministic: the same arguments always write the same bytes. Files are about 512 KiB, one
dialect each, the dialect in the file name (`<dialect>_<n>.sql`) so a reader can be told it.
"""

import os
import sys

FILE_BYTES = 512 * 1024
COLUMNS = 8

# Statement shapes a warehouse's SQL is made of, one list per dialect, each statement in that
# dialect's own quoting and functions. {t}, {a}, {b} are table numbers.
CORPUS = {
    "postgres": [
        "INSERT INTO dw.fact_sales_{t} (order_id, customer_id, amount, region)\n"
        "SELECT o.id, c.id, SUM(l.price * l.qty)::numeric(18,2) AS amount, COALESCE(c.region, 'n/a')\n"
        "FROM staging.orders_{a} o JOIN staging.customers_{b} c ON c.id = o.customer_id\n"
        "LEFT JOIN staging.lines_{a} l ON l.order_id = o.id -- join the lines\n"
        "WHERE o.created_at >= DATE '2024-01-01' AND o.status IN ('paid', 'shipped')\n"
        "GROUP BY o.id, c.id, c.region;\n",
        "WITH recent AS (\n  SELECT user_id, MAX(ts) AS last_seen FROM events.clicks_{a} GROUP BY user_id\n),\n"
        "ranked AS (\n  SELECT r.user_id, r.last_seen,\n"
        "         ROW_NUMBER() OVER (PARTITION BY r.user_id ORDER BY r.last_seen DESC) AS rn\n"
        "  FROM recent r\n)\n"
        "INSERT INTO marts.active_users_{t} (id, email, last_seen, status)\n"
        "SELECT u.id, u.email, ranked.last_seen,\n"
        "       CASE WHEN ranked.last_seen > CURRENT_DATE - 7 THEN 'active' ELSE 'idle' END\n"
        "FROM ranked JOIN core.users_{b} u ON u.id = ranked.user_id WHERE ranked.rn = 1;\n",
        "CREATE OR REPLACE VIEW reporting.revenue_{t} AS\n"
        "SELECT region, date_trunc('month', order_date) AS month, sum(amount) AS revenue\n"
        "FROM dw.fact_sales_{a} GROUP BY 1, 2 HAVING sum(amount) > 0;\n",
    ],
    "tsql": [
        "INSERT INTO [dw].[dim_customer_{t}] ([id], [name], [segment])\n"
        "SELECT c.[id], c.[name], ISNULL(s.[segment], 'none') FROM [staging].[customers_{a}] c\n"
        "LEFT JOIN [ref].[segments_{b}] s ON s.[code] = c.[segment_code];\n",
        "UPDATE t SET t.[balance] = b.[amount] FROM [core].[accounts_{t}] t\n"
        "JOIN [staging].[balances_{a}] b ON b.[account_id] = t.[id];\n",
        "SELECT TOP 100 o.[id], o.[total] INTO [tmp].[big_orders_{t}] FROM [sales].[orders_{a}] o\n"
        "WHERE o.[total] > 1000 ORDER BY o.[total] DESC;\n",
    ],
    "snowflake": [
        "MERGE INTO core.customers_{t} t USING (SELECT id, name, email FROM staging.customers_{a}) s\n"
        "ON t.id = s.id\n"
        "WHEN MATCHED THEN UPDATE SET name = s.name, email = s.email\n"
        "WHEN NOT MATCHED THEN INSERT (id, name, email) VALUES (s.id, s.name, s.email);\n",
        "CREATE OR REPLACE TABLE marts.orders_daily_{t} AS\n"
        "SELECT o.order_date, COUNT(*) AS orders, SUM(o.amount) AS amount, IFF(SUM(o.amount) > 0, 1, 0) AS any\n"
        "FROM core.orders_{a} o JOIN core.days_{b} d ON d.day = o.order_date GROUP BY o.order_date;\n",
    ],
    "bigquery": [
        "CREATE OR REPLACE TABLE `marts.sessions_{t}` AS\n"
        "SELECT e.user_id, DATE(e.ts) AS day, COUNT(DISTINCT e.session_id) AS sessions\n"
        "FROM `events.clicks_{a}` AS e WHERE e.ts >= TIMESTAMP('2024-01-01') GROUP BY e.user_id, day;\n",
        "INSERT INTO `marts.users_{t}` (id, email, last_seen)\n"
        "SELECT u.id, u.email, MAX(e.ts) FROM `core.users_{b}` AS u JOIN `events.clicks_{a}` AS e\n"
        "ON e.user_id = u.id GROUP BY u.id, u.email;\n",
    ],
    "mysql": [
        "INSERT INTO `shop`.`stock_{t}` (`sku`, `qty`)\n"
        "SELECT `p`.`sku`, SUM(`m`.`delta`) FROM `shop`.`products_{b}` `p`\n"
        "JOIN `shop`.`moves_{a}` `m` ON `m`.`sku` = `p`.`sku` GROUP BY `p`.`sku`;\n",
        "INSERT INTO shop.daily_{t} (day, revenue) SELECT DATE(o.created_at), SUM(o.total)\n"
        "FROM shop.orders_{a} o WHERE o.status <> 'void' GROUP BY DATE(o.created_at);\n",
    ],
    "oracle": [
        "INSERT INTO fin.ledger_{t} (acct, period, amount)\n"
        "SELECT a.acct, TO_CHAR(j.posted, 'YYYY-MM'), NVL(SUM(j.amount), 0)\n"
        "FROM fin.accounts_{b} a, fin.journal_{a} j WHERE j.acct = a.acct (+)\n"
        "GROUP BY a.acct, TO_CHAR(j.posted, 'YYYY-MM');\n",
        "CREATE TABLE fin.balances_{t} AS SELECT acct, SUM(amount) total FROM fin.ledger_{a} GROUP BY acct;\n",
    ],
    "hive": [
        "INSERT OVERWRITE TABLE lake.page_views_{t} PARTITION (dt = '2024-01-01')\n"
        "SELECT v.user_id, v.url, COUNT(1) AS views FROM raw.events_{a} v\n"
        "LATERAL VIEW explode(v.urls) x AS url WHERE v.dt = '2024-01-01' GROUP BY v.user_id, v.url;\n",
        "CREATE TABLE lake.users_{t} STORED AS PARQUET AS\n"
        "SELECT u.id, u.name, c.country FROM raw.users_{a} u LEFT JOIN raw.countries_{b} c ON c.code = u.cc;\n",
    ],
}


def _write(path, chunks):
    with open(path, "w", encoding="ascii") as f:
        f.write("".join(chunks))


def corpus(out, megabytes):
    """About `megabytes` MB of files, dialects in turn, tables from a pool of 5,000 per shape."""
    os.makedirs(out, exist_ok=True)
    names = sorted(CORPUS)
    total, n, x = 0, 0, 12345
    while total < megabytes << 20:
        dialect = names[n % len(names)]
        shapes = CORPUS[dialect]
        chunks, size, i = [], 0, 0
        while size < FILE_BYTES:
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            s = shapes[i % len(shapes)].format(t=x % 5000, a=(x >> 8) % 5000, b=(x >> 16) % 5000)
            chunks.append(s)
            size += len(s)
            i += 1
        _write(os.path.join(out, f"{dialect}_{n:04d}.sql"), chunks)
        total += size
        n += 1
    return n, total


def graph(out, nodes):
    """Files whose graph has at least `nodes` nodes: statement i writes table g.t<i> (a table and
    COLUMNS column nodes) from two earlier ones, so the tables form one connected lineage graph."""
    os.makedirs(out, exist_ok=True)
    cols = ", ".join(f"c{c}" for c in range(COLUMNS))
    half = COLUMNS // 2
    picks = ", ".join([f"a.c{c}" for c in range(half)] + [f"b.c{c}" for c in range(half, COLUMNS)])
    # Sources of the first statements: two seed tables, 2 * (1 + COLUMNS) nodes.
    statements = -(-max(nodes - 2 * (1 + COLUMNS), 0) // (1 + COLUMNS))
    n, chunks, size, total = 0, [], 0, 0
    for i in range(statements):
        a = f"g.t{i - 1 - i % 7}" if i > 7 else "g.seed_a"
        b = f"g.t{i // 2}" if i > 1 else "g.seed_b"
        s = f"INSERT INTO g.t{i} ({cols})\nSELECT {picks}\nFROM {a} a JOIN {b} b ON b.c0 = a.c0;\n"
        chunks.append(s)
        size += len(s)
        if size >= FILE_BYTES or i == statements - 1:
            _write(os.path.join(out, f"postgres_{n:04d}.sql"), chunks)
            total += size
            n, chunks, size = n + 1, [], 0
    return n, total


def main(argv):
    if len(argv) != 4 or argv[1] not in ("graph", "corpus") or not argv[3].isdigit() or int(argv[3]) < 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    files, size = (graph if argv[1] == "graph" else corpus)(argv[2], int(argv[3]))
    print(f"{files} files, {size / 1048576:.1f} MB in {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
