SELECT COUNT(t1.a) as b
         FROM table1 t1