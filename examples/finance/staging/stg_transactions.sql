-- Staging: bank transactions, deduplicated on the bank's reference (PostgreSQL).
CREATE TABLE staging.stg_transactions AS
WITH ranked AS (
    SELECT t.*, row_number() OVER (PARTITION BY t.bank_reference ORDER BY t.loaded_at DESC) AS rn
    FROM raw.bank_transactions t
)
SELECT
    r.transaction_id,
    r.account_id,
    r.bank_reference,
    r.amount,
    r.currency_code,
    r.booked_at::date AS booking_date,
    r.description
FROM ranked r
WHERE r.rn = 1;
