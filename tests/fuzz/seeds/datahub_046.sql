merge into `demo-pipelines-stg`.`referrer`.`base_union` as DBT_INTERNAL_DEST
    using (
SELECT * FROM `demo-pipelines-stg`.`referrer`.`prep_from_ios` WHERE partition_time = "2018-03-03"
UNION ALL
SELECT * FROM `demo-pipelines-stg`.`referrer`.`prep_from_web` WHERE partition_time = "2018-03-03"
    ) as DBT_INTERNAL_SOURCE
    on FALSE

when not matched by source
     and timestamp_trunc(DBT_INTERNAL_DEST.partition_time, day) in (
          timestamp('2018-03-03')
      )
    then delete

when not matched then insert
    (`platform`, `pageview_id`, `query`, `referrer`, `partition_time`)
values
    (`platform`, `pageview_id`, `query`, `referrer`, `partition_time`)