SELECT * FROM tab1 JOIN --comment
tab2 ON tab1.x = tab2.x