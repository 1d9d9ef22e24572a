SELECT t1.a, t2.b, t3.c FROM 
         (SELECT a, t.b FROM table1 t) t1,
         (SELECT t.b, t.c FROM table2 t) t2,
         (SELECT c, t.a FROM table3 t) t3