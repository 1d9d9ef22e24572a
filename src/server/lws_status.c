/*
 * libwebsockets 4.1.6 answers a few malformed requests itself, before any callback of ours: an
 * undecodable %-escape in the path or query, a path not starting with '/' (lws_parse's "uri
 * sanitation", then lws_return_http_status(403)) and an Upgrade other than websocket or h2c
 * (lws_handshake_server). It writes them with one send() on the socket and offers no hook. Those
 * pages alone are recognised here, by their exact form, and replaced by our JSON error: 400, since
 * each one is a malformed request. Every other byte passes through unchanged.
 */
#define _GNU_SOURCE /* RTLD_NEXT */

#include "server/lws_status.h"

#include "server/http.h"
#include "server/sockwait.h"
#include "server/txwait.h"
#include "util/log.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

typedef ssize_t (*send_fn)(int, const void *, size_t, int);

static send_fn real_send;
static pthread_once_t found = PTHREAD_ONCE_INIT;

static void find_send(void)
{
    real_send = (send_fn)dlsym(RTLD_NEXT, "send");
}

/* What lws_return_http_status puts between the header block and its status code. */
static const char lws_page[] =
    "\r\n\r\n<html><head><meta charset=utf-8 http-equiv=\"Content-Language\" content=\"en\"/>"
    "<link rel=\"stylesheet\" type=\"text/css\" href=\"/error.css\"/></head><body><h1>";

int lws_status_init(void)
{
    pthread_once(&found, find_send);
    return real_send ? 0 : -1;
}

/* The status of an lws status page ("HTTP/1.x NNN ...", its HTML body whole at the end), else 0. */
static int lws_page_status(const char *buf, size_t len)
{
    if(len < 16 || len > 2048 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' || !isdigit((unsigned char)buf[9]) ||
       !isdigit((unsigned char)buf[10]) || !isdigit((unsigned char)buf[11]) || buf[12] != ' ')
        return 0;
    if(len < 14 || memcmp(buf + len - 14, "</body></html>", 14) != 0)
        return 0;
    const char *page = memmem(buf, len, lws_page, sizeof(lws_page) - 1);
    return page ? (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0') : 0;
}

/*
 * Called for every send() of the process (libwebsockets, libgit2's HTTP transport): the executable's
 * definition comes first in the dynamic linker's search. The page is small and starts a response,
 * so the socket takes it whole; if not, lws keeps what was not taken and sends it again, and it is
 * recognised again. After lws's writes the socket's room is noted for txwait.c.
 */
ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    if(lws_status_init()) {
        errno = ENOSYS;
        return -1;
    }
    if(sockwait_ready(fd, POLLOUT))
        return -1;
    int status = lws_page_status(buf, len);
    if(status < 400) {
        ssize_t sent = real_send(fd, buf, len, flags);
        int saved = errno;
        if(sent >= 0 || errno == EAGAIN || errno == EWOULDBLOCK)
            txwait_sent(fd, sent < 0 || (size_t)sent < len);
        errno = saved;
        return sent;
    }
    if(status == 403)
        status = 400;
    const char *detail = status == 400 ? "the request is malformed: an undecodable %-escape, a path that does not start"
                                         " with '/', or an Upgrade other than websocket"
                                       : http_status_text(status);
    char body[256], out[512];
    int blen = snprintf(body, sizeof(body), "{\"error\":\"%s\",\"detail\":\"%s\"}",
                        status == 400 ? "bad_request" : "refused", detail);
    int n = snprintf(out, sizeof(out),
                     "HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                     "connection: close\r\n\r\n%s",
                     status, http_status_text(status), blen, body);
    log_limited(LOG_WARN, "http.rejected", "reason=lws_status status=%d", status);
    ssize_t sent = real_send(fd, out, (size_t)n, flags);
    /* All of ours went: all of lws's is done. A part of ours cannot be resumed from lws's bytes. */
    return sent < 0 ? sent : (ssize_t)len;
}
