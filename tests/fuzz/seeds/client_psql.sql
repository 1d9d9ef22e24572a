﻿\set x 1
\i a.sql
\copy t FROM stdin
1	2
\.
INSERT INTO a SELECT x FROM b;
