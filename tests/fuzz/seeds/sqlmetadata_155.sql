
        WITH x AS (
            SELECT * FROM n
        )
        SELECT
            *
        FROM x
        JOIN y ON x.a = y.a
        