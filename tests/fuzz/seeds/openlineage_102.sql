
        SELECT * FROM tab1
        UNION ALL
        SELECT * FROM (SELECT * FROM tab2) AS t