WITH temp_cte AS (
    SELECT id, name, value
    FROM db.schema.source_table
)
INSERT INTO db.schema.target_table (id, name, value)
SELECT id, name, value FROM temp_cte