
WITH wtab1 (SELECT * FROM schema1.tab1) SELECT * FROM wtab1