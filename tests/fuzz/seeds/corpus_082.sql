
uncache table if exists tab1