WITH cte1 AS
         (WITH cte2 AS
                   (SELECT id
                    FROM tab1)
          SELECT id
          FROM cte2)
SELECT id
FROM cte1