/* Publishing snapshots: a mutex guards only the pointer swap and the retain, never a rebuild. */
#include "graph/index.h"
#include "util/alloc.h"
#include "util/log.h"

#include <pthread.h>
#include <time.h>

struct graph_index {
    store_t *store;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    graph_snap_t *current;
    unsigned long generation;
    int dirty, stop;
    pthread_t thread;
};

static void publish(graph_index_t *ix, graph_snap_t *s)
{
    pthread_mutex_lock(&ix->lock);
    graph_snap_t *old = ix->current;
    ix->current = s;
    ix->generation++;
    pthread_mutex_unlock(&ix->lock);
    graph_snap_release(old);
}

static int rebuild(graph_index_t *ix, duckdb_connection conn)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    graph_snap_t *s = NULL;
    int rc = graph_load(conn, &s);
    if(rc) {
        log_warn("graph.rebuild_failed", "reason=\"%s\"", graph_strerror(rc));
        return rc;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    log_info("graph.rebuilt", "nodes=%d edges=%d ms=%.1f", graph_node_count(s), graph_edge_count(s),
             (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    publish(ix, s);
    return 0;
}

static void *rebuild_main(void *arg)
{
    graph_index_t *ix = arg;
    duckdb_connection conn;
    int connected = store_connect(ix->store, &conn) == 0;
    pthread_mutex_lock(&ix->lock);
    for(;;) {
        while(!ix->dirty && !ix->stop)
            pthread_cond_wait(&ix->wake, &ix->lock);
        if(ix->stop)
            break;
        ix->dirty = 0; /* requests from here on ask for one more rebuild */
        pthread_mutex_unlock(&ix->lock);
        if(connected)
            rebuild(ix, conn);
        pthread_mutex_lock(&ix->lock);
    }
    pthread_mutex_unlock(&ix->lock);
    if(connected)
        duckdb_disconnect(&conn);
    return NULL;
}

int graph_index_open(store_t *store, graph_index_t **out)
{
    *out = NULL;
    graph_index_t *ix = util_calloc(1, sizeof(*ix));
    if(!ix)
        return GRAPH_ERR_NOMEM;
    ix->store = store;
    pthread_mutex_init(&ix->lock, NULL);
    pthread_cond_init(&ix->wake, NULL);
    duckdb_connection conn;
    int rc = store_connect(store, &conn) ? GRAPH_ERR_STORE : 0;
    if(!rc) {
        rc = rebuild(ix, conn);
        duckdb_disconnect(&conn);
    }
    if(rc) {
        /* An unreadable graph serves as empty until a commit triggers a rebuild that works. */
        graph_snap_t *empty = NULL;
        graph_builder_t *b = graph_builder_new();
        rc = b ? graph_builder_finish(b, &empty) : GRAPH_ERR_NOMEM;
        if(rc)
            goto fail;
        publish(ix, empty);
    }
    if(pthread_create(&ix->thread, NULL, rebuild_main, ix)) {
        rc = GRAPH_ERR_NOMEM;
        goto fail;
    }
    *out = ix;
    return 0;
fail:
    graph_snap_release(ix->current);
    pthread_cond_destroy(&ix->wake);
    pthread_mutex_destroy(&ix->lock);
    util_free(ix);
    return rc;
}

void graph_index_close(graph_index_t *ix)
{
    if(!ix)
        return;
    pthread_mutex_lock(&ix->lock);
    ix->stop = 1;
    pthread_cond_signal(&ix->wake);
    pthread_mutex_unlock(&ix->lock);
    pthread_join(ix->thread, NULL);
    graph_snap_release(ix->current);
    pthread_cond_destroy(&ix->wake);
    pthread_mutex_destroy(&ix->lock);
    util_free(ix);
}

graph_snap_t *graph_index_acquire(graph_index_t *ix)
{
    pthread_mutex_lock(&ix->lock);
    graph_snap_t *s = graph_snap_retain(ix->current);
    pthread_mutex_unlock(&ix->lock);
    return s;
}

void graph_index_request_rebuild(graph_index_t *ix)
{
    pthread_mutex_lock(&ix->lock);
    ix->dirty = 1;
    pthread_cond_signal(&ix->wake);
    pthread_mutex_unlock(&ix->lock);
}

unsigned long graph_index_generation(graph_index_t *ix)
{
    pthread_mutex_lock(&ix->lock);
    unsigned long g = ix->generation;
    pthread_mutex_unlock(&ix->lock);
    return g;
}
