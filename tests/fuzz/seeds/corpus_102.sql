
INSERT OVERWRITE DIRECTORY 'hdfs://path/to/folder'
SELECT * FROM tab1