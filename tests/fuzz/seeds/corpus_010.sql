insert into tab1 select * from foo
insert into tab2 select * from bar