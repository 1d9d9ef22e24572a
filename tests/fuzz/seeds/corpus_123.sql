SELECT -- comment1
 col1 FROM tab1