
refresh table tab1