SELECT user_id, source, user_source
FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY __partition_day DESC) AS rank_
    FROM invent_dw.UserDetail
) source_user
WHERE rank_ = 1