CREATE MATERIALIZED VIEW analytics.mv_daily_stats TO analytics.agg_daily_stats
(date Date, total_events UInt64)
AS SELECT
    toDate(timestamp) AS date,
    count(*) AS total_events
FROM analytics.events
GROUP BY date