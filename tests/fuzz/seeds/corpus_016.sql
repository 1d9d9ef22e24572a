CREATE VIEW view1
as
SELECT
    col1,
    col2
FROM tab1
GROUP BY
col1