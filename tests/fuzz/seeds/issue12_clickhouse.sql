VCREATE TABLE db.events (id UInt64, ts DateTime, v Nullable(String)) ENGINE = MergeTree() PARTITION BY toYYYYMM(ts) ORDER BY (id, ts) SETTINGS index_granularity = 8192;
CREATE MATERIALIZED VIEW db.mv TO db.agg AS SELECT id, count() AS c FROM db.events GROUP BY id;
CREATE MATERIALIZED VIEW db.mv2 ENGINE = SummingMergeTree() ORDER BY id POPULATE AS SELECT id, sum(x) AS s FROM db.src GROUP BY id;
INSERT INTO db.out SELECT id, dictGet('db.users_dict', 'name', toUInt64(uid)) AS name FROM db.events FINAL WHERE ts > now() SETTINGS max_threads = 4;
SELECT id, tag FROM db.events ARRAY JOIN tags AS tag WHERE id IN (SELECT id FROM db.ids) LIMIT 1 BY id;
SELECT a.id FROM db.t1 AS a GLOBAL ANY LEFT JOIN db.t2 AS b ON a.id = b.id WHERE a.x GLOBAL IN (SELECT x FROM db.t3) FORMAT JSONEachRow;
WITH toDate('2024-01-01') AS start SELECT count() FROM db.events WHERE ts >= start;
SELECT * FROM db.events SAMPLE 0.1 PREWHERE id > 5;
CREATE DICTIONARY db.d (id UInt64, name String) PRIMARY KEY id SOURCE(CLICKHOUSE(TABLE 'users' DB 'db')) LAYOUT(FLAT()) LIFETIME(300);
