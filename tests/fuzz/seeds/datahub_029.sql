SELECT t1.id, t1.name, t2.value
FROM my_table1 t1,
LATERAL (SELECT value FROM my_table2 WHERE t1.id = my_table2.id LIMIT 1) t2