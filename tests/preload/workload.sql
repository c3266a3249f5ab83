-- SPDX-License-Identifier: MIT
-- An sqlite3 workload for tests/preload: a table of 200000 rows, an index,
-- grouping and a join, all from memory.
CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, s TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
INSERT INTO t SELECT i, (i * 7919) % 1000, printf('row-%d-%x', i, i * 31) FROM n;
CREATE INDEX t_k ON t(k);
SELECT k, count(*), sum(length(s)) FROM t GROUP BY k ORDER BY k LIMIT 5;
SELECT count(*) FROM t a JOIN t b ON a.k = b.k AND a.id = b.id + 1000;
SELECT max(s), min(s) FROM t WHERE k BETWEEN 100 AND 200;
