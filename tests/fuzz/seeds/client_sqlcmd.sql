:setvar db x
:r y.sql
INSERT INTO a SELECT x FROM b
GO 5
SELECT * FROM a
