--comment
DROP TABLE IF EXISTS tab1