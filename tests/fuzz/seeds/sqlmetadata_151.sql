
    INSERT OVERWRITE TABLE tbl PARTITION (dt='20240101')
    SELECT col1, col2 FROM table1
    JOIN table2 ON table1.id = table2.id
    