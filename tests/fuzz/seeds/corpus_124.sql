SELECT col1
FROM  -- comment
tab1