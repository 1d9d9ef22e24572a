UPDATE my_table
SET
    col1 = t1.col1 || t1.col2,
    col2 = t1.col1 || t2.col2
FROM table1 t1
JOIN table2 t2 ON t1.id = t2.id
WHERE my_table.id = t1.id;