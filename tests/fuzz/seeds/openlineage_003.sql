SELECT t1.a as x, t2.b as y
         FROM table1 t1
         INNER JOIN table2 t2
         ON t1.a = t2.a