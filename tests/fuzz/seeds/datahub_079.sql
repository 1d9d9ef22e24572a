
SELECT * FROM hive_metastore.bronze_kambi.bet