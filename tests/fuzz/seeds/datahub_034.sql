WITH cte_alias AS (
    SELECT col1, col2
    FROM table1
)
SELECT table2.col2, cte_alias.col1
FROM table2
JOIN table3 AS cte_alias ON table2.col2 = cte_alias.col2