OCREATE TABLE db.s.t1 WITH TAG (gov.pii = 'yes') AS SELECT a, b FROM db.s.src;
CREATE OR REPLACE VIEW v1 WITH TAG (cost_center = 'x', owner = 'y') AS SELECT a FROM src2;
SELECT * FROM SEMANTIC_VIEW(my_sv DIMENSIONS customer.name METRICS orders.total) AS sv;
SELECT a AS :name FROM src3;
