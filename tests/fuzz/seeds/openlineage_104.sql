
        WITH tab10 AS (
            SELECT * FROM users as u
        )
        SELECT * FROM animals1
        UNION ALL
        SELECT * FROM (SELECT * FROM animals2) AS t
        UNION ALL
        SELECT * FROM (SELECT * FROM animals3) AS t