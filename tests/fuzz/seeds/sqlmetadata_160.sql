
        select t.RANKED, t.RANKED_two, t.test from (
        SELECT
        RANK() OVER (PARTITION BY col_one ORDER BY col_two) RANKED,
        RANK() OVER (PARTITION BY col_one ORDER BY col_two) as RANKED_two,
        col_three as test
        FROM nice_table) as t
        where t.RANKED = 1
        and t.RANKED_two = 2
        order by test
        