PSELECT IF(x > 0, t, NULL).* REPLACE (1 AS c) FROM ds.tab;
SELECT s.* EXCEPT (a) FROM ds.s1 s;
SELECT * FROM ML.PREDICT(MODEL `proj.ds.model1`, TABLE `proj.ds.input1`);
SELECT * FROM ML.PREDICT(MODEL ds.m2, (SELECT a FROM ds.in2));
