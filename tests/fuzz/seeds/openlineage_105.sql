
        WITH tab10 AS (
            SELECT * FROM
            (SELECT * FROM users2 as u
            UNION
            SELECT * FROM users as u) as t
        )
        SELECT * FROM tab10
        UNION ALL
        SELECT * FROM (SELECT * FROM animals2) AS t
        UNION ALL
        SELECT * FROM (SELECT * FROM animals3) AS t