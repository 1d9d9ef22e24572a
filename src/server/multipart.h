/*
 * A streaming multipart/form-data parser (RFC 7578, RFC 2046 §5.1.1): file parts are handed over in
 * pieces as they arrive and never held; the few plain fields asked for are kept, bounded. It replaces
 * lws_spa, which compares the media type and "boundary=" case-sensitively (RFC 9110 §8.3.1 says
 * they are not), cuts a file name at 255 bytes before anyone can see its extension, and splits a
 * quoted file name at ';'. Memory is fixed per upload (about 6 KiB and the field storage); time is
 * linear in the body.
 */
#ifndef LINEAGED_SERVER_MULTIPART_H
#define LINEAGED_SERVER_MULTIPART_H

#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX 70 /* RFC 2046 */
/* A longer part header line keeps its first and last bytes around "...": a long file name keeps its extension. */
#define MULTIPART_LINE_HEAD    1024
#define MULTIPART_LINE_TAIL    1024
#define MULTIPART_HEADERS_MAX  16 /* header lines of one part */
#define MULTIPART_FILENAME_MAX (MULTIPART_LINE_HEAD + 3 + MULTIPART_LINE_TAIL)
#define MULTIPART_NAME_MAX     64  /* bytes of a field name */
#define MULTIPART_PLAIN_PARTS  256 /* parts without a file name in one body */
#define MULTIPART_FIELDS_MAX   16

typedef struct multipart_ops {
    void *data;
    /* A file part begins: its field name and file name as sent (hostile). 0, or -1 to stop. */
    int (*open)(void *data, const char *field, const char *filename);
    /* Its bytes, in pieces; `final` once at its end. 0, or -1 to stop. */
    int (*content)(void *data, const char *buf, size_t len, int final);
} multipart_ops_t;

typedef struct multipart multipart_t;

/*
 * Reads the boundary from a Content-Type value; NULL with *why set when it is not
 * multipart/form-data with a usable boundary (or out of memory). `fields` are the plain fields kept,
 * `storage` bytes for all their values.
 */
multipart_t *multipart_new(const char *content_type, const char *const *fields, int n_fields, size_t storage,
                           const multipart_ops_t *ops, const char **why);
/* The next bytes of the body: 0, or -1 (an op stopped it, or *why says what is malformed). */
int multipart_feed(multipart_t *m, const char *in, size_t len, const char **why);
/* 1 once the closing boundary was read. */
int multipart_complete(const multipart_t *m);
/* The value of fields[i], or NULL when the body had none. */
const char *multipart_value(const multipart_t *m, int i);
void multipart_free(multipart_t *m);

#endif
