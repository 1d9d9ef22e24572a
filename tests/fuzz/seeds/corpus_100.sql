
SELECT * FROM json.`examples/src/main/resources/`