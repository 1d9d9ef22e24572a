SELECT sq.col1
FROM (WITH cte1 AS (SELECT col1 FROM tab1)
      SELECT col1
      FROM cte1
               INNER JOIN tab2 ON cte1.col1 = tab2.col1) AS sq