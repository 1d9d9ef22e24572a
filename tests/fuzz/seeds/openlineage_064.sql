
                SET hive.auto.convert.join=false;
                SET hive.tez.auto.reducer.parallelism=false;
                SET mapred.reduce.tasks=150;
                INSERT OVERWRITE TABLE d_d_p.d_f_s
                PARTITION (ds = '2022-05-01')
                  SELECT
                      T1.p_id,
                      T2.s_st_ts
                      FROM d_p.f_p_s AS T1
                      INNER JOIN
                        (SELECT
                           fpsm.p_id,
                           MIN(fpsm.ds) as ds
                           from d_p.f_p_s_merged  AS fpsm
                           WHERE fpsm.ds = '2022-05-01'
                           GROUP BY
                               fpsm.p_id
                        ) AS T2
                        ON T1.p_id = T2.p_id
        