
SET spark.sql.variable.substitute