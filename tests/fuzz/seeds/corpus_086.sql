
CREATE OR REPLACE FUNCTION simple_udf AS 'SimpleUdf'
      USING JAR '/tmp/SimpleUdf.jar'