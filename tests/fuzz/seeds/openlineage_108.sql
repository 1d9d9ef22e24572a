with tab1 as (
                 SELECT s.col1, s.col2, s2.col3, s2.col4
                 from stg as s, stg2 AS s2
            ),
            tab2 as (
                 SELECT col1, col2, col3, col4 from tab1
            )
            SELECT col1, col2, col3, col4 FROM tab2