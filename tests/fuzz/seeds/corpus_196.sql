UPDATE tab2
SET tab2.col2 = tab1.col2 FROM tab1
WHERE tab2.col1 = tab1.col1