WITH tab1 AS (
                SELECT s.col1, s.col2, s2.col3, s2.col4
                FROM stg AS s, stg2 AS s2
            ), tab1 AS (
                SELECT col1, col2, col3, col4
                FROM tab1
            )
            SELECT col1, col2, col3, col4
            FROM tab1