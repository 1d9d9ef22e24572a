CREATE OR REPLACE VIEW my_db.my_schema.my_view
WITH TAG (cost_center = 'engineering', classification = 'internal')
AS
SELECT id, name FROM my_db.my_schema.my_table