
            insert into "a1"."a2"
            select to_date(C_AT),
                   dm.C_NAME,
                   P,
                   count(*)
            from "b1"."b2" as s
                     left join "m"."dim" as dm on (dm.m_id = s.m_id)
            where PROCESSED_AT = '2022-04-14'
            group by to_date(C_AT), dm.C_NAME, P
            ;