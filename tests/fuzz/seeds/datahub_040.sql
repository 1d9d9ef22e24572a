SELECT max(`col1`, COL2, `this_will_not_resolve`) as max_col
FROM mytable