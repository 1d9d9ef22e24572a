
    WITH cte_sales AS (
    SELECT
        staff_id,
        COUNT(*) order_count
    FROM
        sales.orders
    WHERE
        YEAR(order_date) = 2018
    GROUP BY
        staff_id
    )
    SELECT
    AVG(order_count) average_orders_by_staff
    FROM
    cte_sales;
    