DECLARE @age int = 10;
INSERT INTO tgt
SELECT Name,@age
FROM People;