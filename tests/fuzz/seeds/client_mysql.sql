DELIMITER $$
CREATE PROCEDURE p() BEGIN INSERT INTO a SELECT 1 FROM b; END$$
DELIMITER ;
select 'x from y;
select été from z;
