SELECT seq4(), uniform(1, 10, random(12))
FROM table(generator()) v
ORDER BY 1;