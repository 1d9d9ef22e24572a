SELECT * FROM my_table1
CROSS JOIN my_table2