SELECT tab1.id
FROM (tab1
    LEFT JOIN tab2 USING (id))