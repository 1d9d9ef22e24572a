
        WITH tab1 AS (
            SELECT * FROM users
        )
        SELECT id
        FROM tab2