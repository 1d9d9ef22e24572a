
        WITH tab1 AS (
            WITH data3 AS (
                WITH data8 AS (
                    SELECT r.* FROM (
                        SELECT * FROM users as u
                    ) as r
                ),
                data5 AS (
                    SELECT r.* FROM (
                        SELECT * FROM owners as u
                    ) as r
                ),
               data6 AS (
                    SELECT * FROM data5
                )
               SELECT * FROM data6
               UNION ALL
               SELECT * FROM data5
            ),
            data2 AS (
                SELECT * FROM data3
            )
            SELECT * FROM data2
        ),
        tab2 AS (
            SELECT * FROM tab1
        ),
        tab3 AS (
            SELECT * FROM tab2
        ),
        tab4 AS (
            SELECT * FROM users2
        ),
        tab5 AS (
            SELECT * FROM tab4
        )
        SELECT * FROM tab5