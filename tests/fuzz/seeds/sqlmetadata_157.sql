
        WITH foo AS (
            SELECT * FROM n
        )
        UPDATE z from foo set z.q = foo.y
        