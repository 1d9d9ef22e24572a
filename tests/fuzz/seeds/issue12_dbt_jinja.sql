K{{ config(materialized='incremental', unique_key='id') }}
with src as (
    select id, amount, {% if target.name == 'prod' %} region, {% endif %} updated_at
    from {{ source('raw', 'payments') }}
    {% if is_incremental() %}
    where updated_at > (select max(updated_at) from {{ this }})
    {% endif %}
)
select id, sum(amount) as total from src group by id
