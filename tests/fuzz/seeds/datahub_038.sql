SELECT t1.id, t1.name, t2.value
FROM my_table1 t1
NATURAL JOIN my_table2 t2