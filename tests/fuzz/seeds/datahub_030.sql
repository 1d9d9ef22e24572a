SELECT
CASE WHEN (employee_TYPE = 'Manager')
     THEN (CASE
             WHEN job_title in ('Engineer') THEN '12'
             ELSE '11'
           END)
     ELSE (CASE
             WHEN job_title in ('Engineer') THEN '02'
             ELSE '01'
           END)
END AS employee_type_number
FROM ABC.employees ;