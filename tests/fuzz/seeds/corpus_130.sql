SELECT tab1.id
FROM (tab1
    LEFT JOIN tab2 ON tab1.id = tab2.id)