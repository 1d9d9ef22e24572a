
show create table tab1