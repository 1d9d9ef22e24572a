SELECT max(`col1`, COL2) as max_col
FROM mytable