
        select t.row_no, t.row_no_two, t.test from (
        SELECT
        ROW_NUMBER() OVER (
        PARTITION BY col_one
        ORDER BY col_two, col_three, col_four) row_no,
        ROW_NUMBER() OVER (
        PARTITION BY col_one
        ORDER BY col_two, col_three) as row_no_two,
        col_three as test
        FROM nice_table) as t
        where t.row_no = 1
        and t.row_no_two = 2
        order by t.row_no
        