SELECT id as ID,
        f.value AS Contact,
        f1.value:type AS Type,
        f1.value:content AS Details
        FROM my_snowflake_schema.persons p,
        lateral flatten(input => p.c, path => 'contact') f,
        lateral flatten(input => f.value:business) f1;