WITH cte1 AS (SELECT col1, col2 FROM tab1)
UPDATE tab2
SET tab2.col2 = cte1.col2 FROM cte1
WHERE tab2.col1 = cte1.col1;