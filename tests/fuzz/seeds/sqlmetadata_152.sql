SELECT event_day, action_type
        FROM t
        LATERAL VIEW EXPLODE(ARRAY(1, 2)) lv AS action_type