
INSERT OVERWRITE TABLE tab1 VALUES ('val1', 'val2'), ('val3', 'val4')