/* POST /api/chat/{mode}: plain-English questions (graph) and full-text search (text) over the index. */
#include "api/graphq.h"

#include "server/http.h"
#include "util/alloc.h"

#include <string.h>

#define CHAT_BODY_MAX 16384 /* a 2,000-byte question, JSON-escaped */

typedef struct chat_args {
    char *mode, *body;
    size_t len;
} chat_args_t;

static void chat_args_free(void *p)
{
    chat_args_t *a = p;
    util_free(a->mode);
    util_free(a->body);
    util_free(a);
}

static void chat_job(duckdb_connection conn, const graph_snap_t *s, void *arg, query_result_t *out)
{
    chat_args_t *a = arg;
    query_chat(conn, s, a->mode, a->body, a->len, out);
}

static void post_chat(void *ctx, const http_request_t *req, http_response_t *resp)
{
    chat_args_t *a = util_calloc(1, sizeof(*a));
    if(a) {
        a->mode = util_strdup(http_param(req, "mode"));
        a->body = util_malloc(req->body_len + 1); /* whole: a NUL inside is the parser's to refuse */
        if(a->body) {
            if(req->body_len)
                memcpy(a->body, req->body, req->body_len);
            a->body[req->body_len] = '\0';
            a->len = req->body_len;
        }
    }
    if(!a || !a->mode || !a->body) {
        if(a)
            chat_args_free(a);
        http_respond_error(resp, 500, "internal", "out of memory");
        return;
    }
    graphq_defer(ctx, req, resp, chat_job, a, chat_args_free);
}

int api_chat_routes(api_t *api)
{
    const route_t r = {"/api/chat/{mode}", HTTP_POST, post_chat, api, CHAT_BODY_MAX, 0};
    return server_route(api->srv, &r);
}
