INSERT INTO target_db.dbo.target_table (target_col_a, target_col_b)
SELECT source_col_x, source_col_y
FROM source_db.dbo.source_table