
            INSERT OVERWRITE TABLE d_d_n.g_d_t_r
            PARTITION (ds = '2022-02-24')
            SELECT
                u.u_i,
                g.d_r
            FROM
                (SELECT * FROM d_d_n.u_t_250 WHERE ds = '2022-02-24') u
            JOIN
                (SELECT * FROM d_n_p.g_d_r WHERE ds = '2022-02-24') g
            ON
                u.u_i = g.u_i
        