SELECT t1.a
         FROM table1 t1
         WHERE b IN (SELECT b FROM table2)