with stage_1 as
            (
                   SELECT col_1, col_2, col_3, col_4 FROM source_tbl
                   WHERE date_time >= current_date AND  col_1 IN (SELECT distinct col_1 FROM source_tbl)
            ),
            stage_2 as
            (
                select col_1, col_2, col_3, col_4 from stage_1
            )
            select tl.col_1, s_acc.x,
            s_coa_acc.y,
            tl.col_3, tl.col_4
            from stage_2 tl
            join tbl2 s_acc on s_acc.x= tl.col_2
            left join tbl3 s_coa_acc on s_coa_acc.y= tl.col_2