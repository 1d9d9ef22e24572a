CREATE OR REPLACE TABLE my_db.my_schema.target_table
WITH TAG (cost_center = 'engineering')
AS
SELECT id, name FROM my_db.my_schema.source_table