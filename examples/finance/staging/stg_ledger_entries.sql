-- Staging: general ledger journal lines (PostgreSQL).
CREATE TABLE staging.stg_ledger_entries AS
SELECT
    j.journal_id,
    l.line_number,
    l.account_id,
    j.posted_on,
    j.period,
    l.debit,
    l.credit,
    l.debit - l.credit AS net_amount,
    l.currency_code
FROM raw.erp_journals j
JOIN raw.erp_journal_lines l ON l.journal_id = j.journal_id
WHERE j.is_posted;
