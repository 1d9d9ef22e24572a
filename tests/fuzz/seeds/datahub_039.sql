-- Merge users from the main_users and external_users tables.
SELECT
    1 as constant1,
    IF (main.id is not null, main, extras).* REPLACE (
        least(main.created_at, extras.created_at) as created_at
    ),
    2 as constant2
FROM my_schema.main_users main
FULL JOIN my_schema.external_users extras
    USING (id)