
            INSERT INTO a.a VALUES(1,2);
            INSERT INTO b.b VALUES(1,2);
        