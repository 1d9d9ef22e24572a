SELECT tab1.id
FROM (((((tab1
    LEFT JOIN tab2 ON tab1.id = tab2.id)
    LEFT JOIN tab3 ON tab1.id = tab3.id)
    LEFT JOIN tab4 ON tab1.id = tab4.id)
    LEFT JOIN tab5 ON tab1.id = tab5.id)
    LEFT JOIN tab6 ON tab1.id = tab6.id)
        