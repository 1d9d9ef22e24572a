-- Lake: bank statement files landed by the SFTP job, exposed to the warehouse (Hive).
CREATE EXTERNAL TABLE IF NOT EXISTS lake.bank_statement_lines (
  bank_reference STRING,
  account_iban STRING,
  amount DECIMAL(18, 2),
  currency STRING,
  booked_at TIMESTAMP,
  narrative STRING
)
PARTITIONED BY (feed_date STRING)
STORED AS PARQUET
LOCATION '/landing/bank/statements';

INSERT OVERWRITE TABLE raw.bank_transactions
SELECT
  md5(concat(s.bank_reference, s.account_iban)) AS transaction_id,
  m.account_id,
  s.bank_reference,
  s.amount,
  s.currency AS currency_code,
  s.booked_at,
  s.narrative AS description,
  current_timestamp() AS loaded_at
FROM lake.bank_statement_lines s
JOIN lake.iban_account_map m ON m.iban = s.account_iban;
