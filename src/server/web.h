/* Static assets compiled into the binary (see cmake/embed.cmake). */
#ifndef LINEAGED_SERVER_WEB_H
#define LINEAGED_SERVER_WEB_H

#include <stddef.h>

extern const unsigned char web_index_html[];
extern const size_t web_index_html_len;

/* The page's Content-Security-Policy header: its inline scripts and style by SHA-256, no framing. */
const char *web_index_csp(void);

#endif
