/* GET /api/v1/lineage/{name}, /api/v1/lineage/path, /api/v1/nodes/{name}: answered from the index. */
#include "api/graphq.h"

#include "server/http.h"
#include "util/alloc.h"

#include <string.h>

/* The request's strings, copied: the job outlives the request's buffers. */
typedef struct qargs {
    char *v[5];
    query_lineage_t lineage;
} qargs_t;

static void qargs_free(void *p)
{
    qargs_t *a = p;
    for(int i = 0; i < 5; i++)
        util_free(a->v[i]);
    util_free(a);
}

static qargs_t *qargs_new(const char *const *values, int n)
{
    qargs_t *a = util_calloc(1, sizeof(*a));
    for(int i = 0; a && i < n; i++)
        if(values[i] && !(a->v[i] = util_strdup(values[i]))) {
            qargs_free(a);
            return NULL;
        }
    return a;
}

/* Each name the request gives must be able to name a node: a 400 here costs no worker. */
static int names_bad(const char *const *names, const char *const *what, int n, http_response_t *resp)
{
    query_result_t bad = {0};
    for(int i = 0; i < n; i++) {
        if(query_check_name(names[i], what[i], &bad)) {
            http_respond_json(resp, bad.status, bad.body);
            return 1;
        }
    }
    return 0;
}

static void defer_or_fail(api_t *api, const http_request_t *req, http_response_t *resp, graphq_fn fn, qargs_t *a)
{
    if(!a) {
        http_respond_error(resp, 500, "internal", "out of memory");
        return;
    }
    graphq_defer(api, req, resp, fn, a, qargs_free);
}

static void lineage_job(duckdb_connection conn, const graph_snap_t *s, void *arg, query_result_t *out)
{
    (void)conn; /* traversals read the snapshot only */
    qargs_t *a = arg;
    a->lineage.name = a->v[0];
    query_lineage(s, &a->lineage, out);
}

static void get_lineage(void *ctx, const http_request_t *req, http_response_t *resp)
{
    query_lineage_t p;
    query_result_t bad = {0};
    /* parameters are checked here, so a bad one costs no worker */
    if(query_lineage_params(http_query(req, "direction"), http_query(req, "level"), http_query(req, "depth"),
                            http_query(req, "limit"), http_query(req, "collapse"), &p, &bad)) {
        http_respond_json(resp, bad.status, bad.body);
        return;
    }
    const char *v[] = {http_param(req, "name")};
    if(names_bad(v, (const char *const[]){"the node name"}, 1, resp))
        return;
    qargs_t *a = qargs_new(v, 1);
    if(a)
        a->lineage = p;
    defer_or_fail(ctx, req, resp, lineage_job, a);
}

static void path_job(duckdb_connection conn, const graph_snap_t *s, void *arg, query_result_t *out)
{
    (void)conn; /* traversals read the snapshot only */
    qargs_t *a = arg;
    query_path(s, a->v[0], a->v[1], a->v[2], out);
}

static void get_path(void *ctx, const http_request_t *req, http_response_t *resp)
{
    const char *v[] = {http_query(req, "from"), http_query(req, "to"), http_query(req, "level")};
    if(!v[0] || !v[1]) {
        http_respond_error(resp, 400, "bad_request", "both from and to are required");
        return;
    }
    if(names_bad(v, (const char *const[]){"from", "to"}, 2, resp))
        return;
    defer_or_fail(ctx, req, resp, path_job, qargs_new(v, 3));
}

static void node_job(duckdb_connection conn, const graph_snap_t *s, void *arg, query_result_t *out)
{
    (void)conn; /* traversals read the snapshot only */
    query_node(s, ((qargs_t *)arg)->v[0], out);
}

static void get_node(void *ctx, const http_request_t *req, http_response_t *resp)
{
    const char *v[] = {http_param(req, "name")};
    if(names_bad(v, (const char *const[]){"the node name"}, 1, resp))
        return;
    defer_or_fail(ctx, req, resp, node_job, qargs_new(v, 1));
}

static void search_job(duckdb_connection conn, const graph_snap_t *s, void *arg, query_result_t *out)
{
    (void)conn; /* traversals read the snapshot only */
    qargs_t *a = arg;
    query_search(s, a->v[0], a->v[1], (int)a->lineage.q.limit, out);
}

static void get_search(void *ctx, const http_request_t *req, http_response_t *resp)
{
    long long limit;
    if(http_query_int(req, "limit", 20, 1, QUERY_SEARCH_MAX, &limit, resp))
        return;
    const char *v[] = {http_query(req, "q"), http_query(req, "kind")};
    if(names_bad(v, (const char *const[]){"q"}, 1, resp))
        return;
    qargs_t *a = qargs_new(v, 2);
    if(a)
        a->lineage.q.limit = (int)limit;
    defer_or_fail(ctx, req, resp, search_job, a);
}

int api_lineage_routes(api_t *api)
{
    const route_t routes[] = {
        {"/api/v1/lineage/path", HTTP_GET | HTTP_HEAD, get_path, api, 0, 0},
        /* a file node's name is its path: "{name*}" keeps its '/'s */
        {"/api/v1/lineage/{name*}", HTTP_GET | HTTP_HEAD, get_lineage, api, 0, 0},
        {"/api/v1/nodes/{name*}", HTTP_GET | HTTP_HEAD, get_node, api, 0, 0},
        {"/api/v1/search", HTTP_GET | HTTP_HEAD, get_search, api, 0, 0},
    };
    for(size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if(server_route(api->srv, &routes[i]))
            return -1;
    return 0;
}
