
uncache table tab1