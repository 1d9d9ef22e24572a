
cache table tab1 select * from tab2