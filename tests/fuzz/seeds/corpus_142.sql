
        select
            1,
            case
                when 1 = ( select count(*) from tab1 where col1 = 'tab2' )
                    then ( select count(*) from tab2 )
                else 0
            end as cnt
        