
SET spark.sql.variable.substitute=false