WITH cte_alias AS (
    SELECT t1.id as t1_id_alias, t1.user_id, t2.other_col
    FROM my_db.my_schema.table1 t1
    JOIN my_db.my_schema.table2 t2 ON t1.id = t2.id
)
SELECT users.name, cte_alias.user_id, cte_alias.other_col
FROM my_db.my_schema.users_table users
JOIN cte_alias ON users.id = cte_alias.user_id