/* Error codes of the SQL module (0 is success; all others negative). */
#ifndef LINEAGED_SQL_ERROR_H
#define LINEAGED_SQL_ERROR_H

#define SQL_OK            0
#define SQL_ERR_NOMEM     (-1)
#define SQL_ERR_NEED_MORE (-2) /* lexer: the token may continue past the buffer */
#define SQL_ERR_SYNTAX    (-3)
#define SQL_ERR_DEPTH     (-4) /* nesting deeper than SQL_MAX_DEPTH */
#define SQL_ERR_TOO_BIG   (-5) /* statement over the token or byte limit */
#define SQL_ERR_IO        (-6)
#define SQL_ERR_ARG       (-7)

const char *sql_strerror(int code);

#endif
