
CREATE OR REPLACE TEMPORARY FUNCTION simple_temp_udf AS 'SimpleUdf'
  USING JAR '/tmp/SimpleUdf.jar'