-- Lake: nightly extract of posted journals from the ERP (Oracle PL/SQL).
CREATE OR REPLACE PROCEDURE erp_extract_journals AS
BEGIN
  INSERT INTO raw.erp_journals (journal_id, posted_on, period, is_posted)
  SELECT h.je_header_id, h.posted_date, h.period_name, 1
  FROM gl.gl_je_headers h
  WHERE h.status = 'P';

  INSERT INTO raw.erp_journal_lines (journal_id, line_number, account_id, debit, credit, currency_code)
  SELECT l.je_header_id, l.je_line_num, l.code_combination_id, NVL(l.accounted_dr, 0), NVL(l.accounted_cr, 0),
         h.currency_code
  FROM gl.gl_je_lines l
  JOIN gl.gl_je_headers h ON h.je_header_id = l.je_header_id
  WHERE h.status = 'P';
  COMMIT;
END;
/
