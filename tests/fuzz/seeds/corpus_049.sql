INSERT INTO default.tab2
    (SELECT *
    FROM tab1)