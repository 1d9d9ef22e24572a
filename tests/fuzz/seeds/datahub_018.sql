UPDATE accounts SET sales_person_name =
    (SELECT name FROM employees
     WHERE employees.id = accounts.sales_person_id)