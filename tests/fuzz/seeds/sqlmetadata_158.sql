
        WITH foo AS (
             SELECT * FROM tab
        )
        DELETE FROM z JOIN foo ON z.a = foo.a
        