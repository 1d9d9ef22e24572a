SELECT max(split(fourth_category, '~')[2]) AS ch_4th_class
        FROM t
        LATERAL VIEW EXPLODE(ARRAY(1, 2)) lv AS action_type