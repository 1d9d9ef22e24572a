
                SET hive.something=false;
                INSERT INTO TABLE a.b.c VALUES (1, 2, 3);
            