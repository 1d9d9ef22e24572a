
        WITH tab1 AS (
            SELECT * FROM users as u
        ),
        tab2 AS (
            SELECT * FROM tab1
        ),
        tab3 AS (
            SELECT * FROM users2
        )
        SELECT id
        FROM tab2
        UNION ALL
        SELECT id
        FROM users3