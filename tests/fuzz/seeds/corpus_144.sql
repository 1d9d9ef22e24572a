SELECT col1
FROM tab1
WHERE col1 IN (SELECT max(col1) FROM tab2)