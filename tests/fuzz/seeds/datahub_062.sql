SELECT t1.id, t1.name, t2.value
FROM my_table1 t1
RIGHT JOIN my_table2 t2 ON t1.id = t2.id