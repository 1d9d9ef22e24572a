
            SELECT *
            FROM `random-project`.`dbt_test1`.`source_table`
            WHERE id = 1
            