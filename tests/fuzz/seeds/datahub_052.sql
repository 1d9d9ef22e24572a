SELECT
    my_db.my_schema.my_table.id,
    case when my_db.my_schema.my_table.id > 100 then 1 else 0 end as id_gt_100,
    my_db.my_schema.my_table.struct_field.field1 as struct_field1,
FROM my_db.my_schema.my_table