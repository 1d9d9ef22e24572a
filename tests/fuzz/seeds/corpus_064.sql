MERGE INTO tgt t
USING (SELECT s1.id, baz.value
       FROM (SELECT id
             FROM foo
             UNION ALL
             SELECT id
             FROM bar) s1
                CROSS JOIN baz) s
ON t.id = s.id
WHEN MATCHED THEN UPDATE SET t.value = s.value
