WITH "cte_orders" AS (
    SELECT * FROM "MySource"."sales"."orders"
    WHERE "status" = 'completed'
)
SELECT "cte_orders"."order_id", "customers"."customer_name"
FROM "cte_orders"
JOIN "MySource"."sales"."customers" ON "cte_orders"."customer_id" = "customers"."customer_id"