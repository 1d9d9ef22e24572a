INSERT INTO my_table (id, month, total_cost, area)
    VALUES
        (1, '2021-01', 100, 10),
        (2, '2021-02', 200, 20),
        (3, '2021-03', 300, 30)