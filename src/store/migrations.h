#ifndef LINEAGED_STORE_MIGRATIONS_H
#define LINEAGED_STORE_MIGRATIONS_H

/* Ordered schema migrations; migration i (1-based) moves the schema to version i. */
extern const char *const store_migrations[];
extern const int store_n_migrations;

#endif
