SELECT `a` FROM t # comment
WHERE x = 'it\'s' /* c */