SELECT
    a,
    b,
    (SELECT c FROM table2 WHERE table2.id = table1.id) as c
FROM table1