
        SELECT * FROM tab1
        UNION ALL
        SELECT * FROM tab2