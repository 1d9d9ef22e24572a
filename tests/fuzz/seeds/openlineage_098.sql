
        SELECT COL1
        FROM
        (
            SELECT COL1
            FROM
                (
                    SELECT 
                    COL2
                        AS COL1
                    FROM TAB1
                  ) INNER_QUERY
        );