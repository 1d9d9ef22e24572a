SINSERT OVERWRITE TABLE ${db}.tgt SELECT a, b FROM ${hiveconf:src_db}.src WHERE dt = '${hiveconf:dt}';
INSERT INTO {{ ref('model_a') }} SELECT x FROM {{ source('raw', 'orders') }} o;
{{ config(materialized='table') }}
SELECT id FROM {{ ref('stg_users') }};
INSERT INTO IDENTIFIER($tgt) SELECT a FROM IDENTIFIER('db.s.src2');
SELECT a FROM src3 WHERE d > ${start_date} AND e = {{ var('x') }};
CREATE TABLE t_${env} AS SELECT a FROM src4;
