CREATE TABLE "pg_automv"."mv_tbl__auto_mv_12708107__0_recomputed"
BACKUP YES
DISTSTYLE KEY
DISTKEY(2)
AS (
    SELECT
        COUNT(CAST(1 AS INT4)) AS "aggvar_3",
        COUNT(CAST(1 AS INT4)) AS "num_rec"
    FROM
        "public"."permanent_1" AS "permanent_1"
    WHERE (
        (CAST("permanent_1"."insertxid" AS INT8) <= 41990135)
        AND (CAST("permanent_1"."deletexid" AS INT8) > 41990135)
    )
    OR (
        CAST(FALSE AS BOOL)
        AND (CAST("permanent_1"."insertxid" AS INT8) = 0)
        AND (CAST("permanent_1"."deletexid" AS INT8) <> 0)
    )
)