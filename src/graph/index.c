/* Publishing snapshots: a mutex guards only the pointer swap and the retain, never a rebuild. */
#include "graph/index.h"
#include "graph/snap.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/timefmt.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

#define REBUILD_REST 4 /* after a rebuild, wait this many times its CPU time before the next */

typedef struct waiter {
    struct waiter *next;
    unsigned long need; /* the requests the snapshot must reflect */
    void (*fn)(void *arg);
    void *arg;
} waiter_t;

struct graph_index {
    store_t *store;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    graph_snap_t *current;
    graph_builder_t *base; /* the store's rows as last read: the rebuild thread's own */
    unsigned long generation;
    unsigned long requested, covered;  /* rebuild requests made; those a finished rebuild read after */
    waiter_t *waiters, **waiters_tail; /* graph_index_when_current, in the order asked */
    int dirty, stop, ready;            /* ready: the first read of the store is over (whatever its outcome) */
    atomic_int cancel;                 /* `stop` for the loads, which read it between chunks without the lock */
    duckdb_connection conn;            /* the rebuild thread's; NULL until it connects */
    pthread_cond_t loaded;
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

/* Under the lock: unlinks the waiters the snapshot now reflects (all of them when stopping). */
static waiter_t *take_covered(graph_index_t *ix)
{
    waiter_t *done = NULL, **done_tail = &done, **p = &ix->waiters;
    while(*p) {
        waiter_t *w = *p;
        if(ix->stop || w->need <= ix->covered) {
            *p = w->next;
            w->next = NULL;
            *done_tail = w;
            done_tail = &w->next;
        } else {
            p = &w->next;
        }
    }
    ix->waiters_tail = p;
    return done;
}

/* Outside the lock: a waiter may publish, and publishing may take other locks. */
static void run_waiters(waiter_t *w)
{
    while(w) {
        waiter_t *next = w->next;
        w->fn(w->arg);
        util_free(w);
        w = next;
    }
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static double cpu_since(const struct timespec *c0)
{
    struct timespec c1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    return ms_between(c0, &c1);
}

/*
 * A new snapshot after commits: the base takes in only the files that changed when it can, else
 * the whole graph is read again; either way the snapshot is built from a copy of the base by the
 * same graph_builder_finish (which runs the catalog step), so both give the same graph.
 */
/* A flag of the index read under its lock (they are written by other threads). */
static int read_flag(graph_index_t *ix, const int *flag)
{
    pthread_mutex_lock(&ix->lock);
    int v = *flag;
    pthread_mutex_unlock(&ix->lock);
    return v;
}

static int stopping(graph_index_t *ix)
{
    return read_flag(ix, &ix->stop);
}

/* Returns the CPU milliseconds it took. */
static double rebuild(graph_index_t *ix, duckdb_connection conn)
{
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    int changed = 1, rc = 1;
    if(ix->base && (rc = graph_base_update(conn, &ix->cancel, ix->base, &changed)) < 0 && !stopping(ix))
        log_warn("graph.update_failed", "reason=\"%s\"", graph_strerror(rc));
    const char *how = rc ? "full" : "files";
    if(rc) {
        changed = 1;
        graph_builder_free(ix->base);
        ix->base = NULL;
        if((rc = graph_base_load(conn, &ix->cancel, &ix->base))) {
            if(!stopping(ix))
                log_warn("graph.rebuild_failed", "reason=\"%s\"", graph_strerror(rc));
            return cpu_since(&c0);
        }
    }
    if(!changed || stopping(ix))
        return cpu_since(&c0); /* the graph is the same (a duplicate or a failed file), or we are stopping */
    graph_snap_t *s = NULL;
    graph_builder_t *copy = graph_builder_clone(ix->base);
    rc = copy ? graph_builder_finish(copy, &s) : GRAPH_ERR_NOMEM;
    if(rc) {
        if(rc != GRAPH_ERR_STOPPED)
            log_warn("graph.rebuild_failed", "reason=\"%s\"", graph_strerror(rc));
        return cpu_since(&c0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    log_info("graph.rebuilt", "nodes=%d edges=%d read=%s ms=%.1f cpu_ms=%.1f", graph_node_count(s), graph_edge_count(s),
             how, ms_between(&t0, &t1), ms_between(&c0, &c1));
    publish(ix, s);
    return ms_between(&c0, &c1);
}

/*
 * During a long ingest commits never stop, and a rebuild right after each would keep a core busy
 * building snapshots: after one, the next waits REBUILD_REST times the CPU the last one took, so the
 * index costs at most a fifth of a core and stays that many rebuilds behind at most.
 */
static void *rebuild_main(void *arg)
{
    graph_index_t *ix = arg;
    duckdb_connection conn;
    int connected = store_connect(ix->store, &conn) == 0;
    struct timespec rested = {0}; /* CLOCK_MONOTONIC: no rebuild before */
    pthread_mutex_lock(&ix->lock);
    if(connected)
        ix->conn = conn;
    for(;;) {
        while(!ix->dirty && !ix->stop)
            pthread_cond_wait(&ix->wake, &ix->lock);
        while(!ix->stop && pthread_cond_timedwait(&ix->wake, &ix->lock, &rested) != ETIMEDOUT)
            ;
        if(ix->stop)
            break;
        ix->dirty = 0;                         /* requests from here on ask for one more rebuild */
        unsigned long reading = ix->requested; /* committed before the read below starts */
        pthread_mutex_unlock(&ix->lock);
        double cpu = connected ? rebuild(ix, conn) : 0;
        rested = time_after_ns(CLOCK_MONOTONIC, (int64_t)(cpu * REBUILD_REST * 1e6));
        pthread_mutex_lock(&ix->lock);
        if(!ix->ready) {
            ix->ready = 1;
            pthread_cond_broadcast(&ix->loaded);
        }
        ix->covered = reading; /* also when it failed: its waiters are told late, never held forever */
        waiter_t *done = take_covered(ix);
        pthread_mutex_unlock(&ix->lock);
        run_waiters(done);
        pthread_mutex_lock(&ix->lock);
    }
    ix->conn = NULL;
    ix->ready = 1; /* a waiter at start must not wait for a load that will not come */
    pthread_cond_broadcast(&ix->loaded);
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
    ix->waiters_tail = &ix->waiters;
    ix->dirty = 1; /* the first read of the store, on the thread: a large graph takes seconds */
    pthread_mutex_init(&ix->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* the rest after a rebuild and the wait are timed on it */
    pthread_cond_init(&ix->wake, &attr);
    pthread_cond_init(&ix->loaded, &attr);
    pthread_condattr_destroy(&attr);
    /* Served until the first read is over, and after it when the graph cannot be read yet. */
    graph_snap_t *empty = NULL;
    graph_builder_t *b = graph_builder_new();
    int rc = b ? graph_builder_finish(b, &empty) : GRAPH_ERR_NOMEM;
    if(rc)
        goto fail;
    publish(ix, empty);
    if(pthread_create(&ix->thread, NULL, rebuild_main, ix)) {
        rc = GRAPH_ERR_NOMEM;
        goto fail;
    }
    *out = ix;
    return 0;
fail:
    graph_snap_release(ix->current);
    pthread_cond_destroy(&ix->loaded);
    pthread_cond_destroy(&ix->wake);
    pthread_mutex_destroy(&ix->lock);
    util_free(ix);
    return rc;
}

int graph_index_wait_loaded(graph_index_t *ix, int timeout_ms)
{
    struct timespec until = time_after_ns(CLOCK_MONOTONIC, (int64_t)timeout_ms * 1000000);
    pthread_mutex_lock(&ix->lock);
    while(!ix->ready && pthread_cond_timedwait(&ix->loaded, &ix->lock, &until) != ETIMEDOUT)
        ;
    int ready = ix->ready;
    pthread_mutex_unlock(&ix->lock);
    return ready;
}

int graph_index_loaded(graph_index_t *ix)
{
    return read_flag(ix, &ix->ready);
}

void graph_index_stop(graph_index_t *ix)
{
    if(!ix)
        return;
    pthread_mutex_lock(&ix->lock);
    ix->stop = 1;
    atomic_store(&ix->cancel, 1);
    /* A read of a large graph in progress is cut short, so stopping the server is not held up by it. */
    if(ix->conn)
        duckdb_interrupt(ix->conn);
    pthread_cond_signal(&ix->wake);
    waiter_t *done = take_covered(ix); /* no snapshot will come for them */
    pthread_mutex_unlock(&ix->lock);
    run_waiters(done);
}

void graph_index_close(graph_index_t *ix)
{
    if(!ix)
        return;
    graph_index_stop(ix);
    pthread_join(ix->thread, NULL);
    graph_builder_free(ix->base);
    graph_snap_release(ix->current);
    pthread_cond_destroy(&ix->loaded);
    pthread_cond_destroy(&ix->wake);
    pthread_mutex_destroy(&ix->lock);
    util_free(ix);
}

graph_snap_t *graph_index_acquire(graph_index_t *ix)
{
    unsigned long generation;
    return graph_index_acquire_generation(ix, &generation);
}

graph_snap_t *graph_index_acquire_generation(graph_index_t *ix, unsigned long *generation)
{
    pthread_mutex_lock(&ix->lock);
    graph_snap_t *s = graph_snap_retain(ix->current);
    *generation = ix->generation;
    pthread_mutex_unlock(&ix->lock);
    return s;
}

void graph_index_request_rebuild(graph_index_t *ix)
{
    pthread_mutex_lock(&ix->lock);
    ix->requested++;
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

void graph_index_when_current(graph_index_t *ix, void (*fn)(void *arg), void *arg)
{
    waiter_t *w = util_calloc(1, sizeof(*w));
    pthread_mutex_lock(&ix->lock);
    if(w && !ix->stop && ix->covered < ix->requested) {
        *w = (waiter_t){NULL, ix->requested, fn, arg};
        *ix->waiters_tail = w;
        ix->waiters_tail = &w->next;
        w = NULL;
        fn = NULL;
    }
    pthread_mutex_unlock(&ix->lock);
    util_free(w);
    if(fn)
        fn(arg);
}
