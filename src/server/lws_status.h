/*
 * libwebsockets' own HTML status pages (a request it refuses before any callback) go out as our
 * JSON errors: this file defines send() for the process and rewrites only those pages.
 */
#ifndef LINEAGED_SERVER_LWS_STATUS_H
#define LINEAGED_SERVER_LWS_STATUS_H

#include <sys/types.h>

/* Finds libc's send(); call once before the server starts (0, or -1 when it cannot be found). */
int lws_status_init(void);

#endif
