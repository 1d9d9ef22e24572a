
        WITH tab1 AS (
            SELECT * FROM users as u
        )
        SELECT * FROM tab1
        UNION ALL
        SELECT * FROM (SELECT * FROM tab2) AS t