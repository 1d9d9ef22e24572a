SELECT
  A.ID,
  B.NAME,
  PARSE_JSON(B.MY_JSON) AS :userInfo,
  B.ADDRESS
FROM my_db.my_schema.my_table AS A
LEFT JOIN my_db.my_schema.my_table_B AS B
  ON A.ID = B.ID