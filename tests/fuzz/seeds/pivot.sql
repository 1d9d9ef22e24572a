SELECT id, m, v FROM s UNPIVOT (v FOR m IN (jan, feb)) PIVOT (SUM(v) AS t FOR m IN ('jan' AS j, 'feb')) AS p(a, b, c);
