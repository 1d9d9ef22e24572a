/*
 * The file name of each part of a multipart/form-data body, read as the client wrote it, beside
 * lws_spa (which still frames the body and hands over fields and file content). lws_spa's own reading
 * of Content-Disposition ends a value at any ';', quoted or not, so `filename="a;b.sql"` reached us as
 * "a"; and a part named only by RFC 5987's `filename*=` (which RFC 7578 §4.2 forbids in forms) was not
 * a file part to it at all, its content silently dropped.
 *
 * mpname_feed reads the body up to the end of each part's Content-Disposition line and stops there:
 * the caller hands those bytes to lws_spa, which opens the file part (when it does) at that very
 * byte, so the name here is the one of the part being opened. Boundaries are found the way lws_spa
 * finds them, so both see the same parts.
 */
#ifndef LINEAGED_SERVER_MPNAME_H
#define LINEAGED_SERVER_MPNAME_H

#include <stddef.h>

#define MPNAME_LINE_MAX  1024 /* a part header line kept whole; a longer one's name is cut there */
#define MPNAME_FIELD_MAX 64   /* a field name kept; a longer one is cut (no form field of ours is that long) */

typedef struct mpname mpname_t;

/* From the request's Content-Type (as lws_spa reads it); NULL out of memory. */
mpname_t *mpname_new(const char *content_type);
void mpname_free(mpname_t *m);

/*
 * Reads up to `len` bytes; returns how many it took. When a Content-Disposition line ended there (the
 * last byte taken is its CR) *disposition is 1 and the reading stops, else 0.
 */
size_t mpname_feed(mpname_t *m, const char *in, size_t len, int *disposition);

/* Of the last Content-Disposition line: 1 when it named a file (`filename=` or `filename*=`). */
int mpname_is_file(const mpname_t *m);
/* Its `filename=` value, unquoted (`\"` and `\\` unescaped), or NULL when it had none. */
const char *mpname_filename(const mpname_t *m);
/* Its `name=` value, unquoted, cut at MPNAME_FIELD_MAX bytes; "" when it had none. */
const char *mpname_field(const mpname_t *m);
/*
 * The first header of the current part other than Content-Disposition and Content-Type (its name, cut
 * at MPNAME_FIELD_MAX bytes, bytes outside printable ASCII as '?'), or NULL. RFC 7578 section 4.8
 * allows no other; after one lws_spa loses its place in the body.
 */
const char *mpname_unknown_header(const mpname_t *m);
/* 1 while a part's headers have begun and not ended: a body that stops there loses that part. */
int mpname_in_headers(const mpname_t *m);

#endif
