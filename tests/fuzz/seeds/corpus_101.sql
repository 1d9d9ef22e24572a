
SELECT * FROM csv.`examples/src/main/resources/`