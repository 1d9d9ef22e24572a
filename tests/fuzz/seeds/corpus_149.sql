SELECT EXPLODE(SEQUENCE(
        TO_DATE((SELECT MIN(dt) FROM tab1)),
        TO_DATE((SELECT MAX(dt) FROM tab2)),
        INTERVAL 1 DAY
)) AS result