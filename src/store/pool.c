#include "store/pool.h"

#include "util/alloc.h"

#include <pthread.h>
#include <string.h>

typedef struct job {
    struct job *next;
    store_job_fn fn;
    void *arg;
} job_t;

typedef struct worker {
    store_pool_t *pool;
    pthread_t thread;
    duckdb_connection conn;
} worker_t;

struct store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job_t *head, *tail;
    size_t queued, queue_max;
    int closing;
    worker_t *workers;
    int n_workers; /* started */
};

const char *store_pool_strerror(int code)
{
    switch(code) {
    case STORE_POOL_OK: return "ok";
    case STORE_POOL_ERR_NOMEM: return "out of memory";
    case STORE_POOL_ERR_FULL: return "the work queue is full";
    case STORE_POOL_ERR_CLOSED: return "shutting down";
    case STORE_POOL_ERR_STORE: return "cannot connect to the database";
    case STORE_POOL_ERR_ARG: return "invalid argument";
    }
    return "unknown pool error";
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    store_pool_t *p = w->pool;
    pthread_mutex_lock(&p->mu);
    for(;;) {
        while(!p->head && !p->closing)
            pthread_cond_wait(&p->cv, &p->mu);
        job_t *j = p->head;
        if(!j)
            break;
        p->head = j->next;
        if(!p->head)
            p->tail = NULL;
        p->queued--;
        pthread_mutex_unlock(&p->mu);
        j->fn(w->conn, j->arg);
        util_free(j);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int store_pool_new(store_t *store, int threads, size_t queue_max, store_pool_t **out)
{
    *out = NULL;
    if(threads <= 0 || !queue_max)
        return STORE_POOL_ERR_ARG;
    store_pool_t *p = util_calloc(1, sizeof(*p));
    worker_t *workers = util_calloc((size_t)threads, sizeof(*workers));
    if(!p || !workers) {
        util_free(p);
        util_free(workers);
        return STORE_POOL_ERR_NOMEM;
    }
    p->workers = workers;
    p->queue_max = queue_max;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for(int i = 0; i < threads; i++) {
        worker_t *w = &workers[i];
        w->pool = p;
        if(store_connect(store, &w->conn)) {
            store_pool_free(p);
            return STORE_POOL_ERR_STORE;
        }
        if(pthread_create(&w->thread, NULL, worker_main, w)) {
            duckdb_disconnect(&w->conn);
            store_pool_free(p);
            return STORE_POOL_ERR_NOMEM;
        }
        p->n_workers++;
    }
    *out = p;
    return STORE_POOL_OK;
}

int store_pool_submit(store_pool_t *p, store_job_fn fn, void *arg)
{
    job_t *j = util_malloc(sizeof(*j));
    if(!j)
        return STORE_POOL_ERR_NOMEM;
    j->next = NULL;
    j->fn = fn;
    j->arg = arg;
    pthread_mutex_lock(&p->mu);
    int rc = p->closing ? STORE_POOL_ERR_CLOSED : p->queued >= p->queue_max ? STORE_POOL_ERR_FULL : STORE_POOL_OK;
    if(rc == STORE_POOL_OK) {
        if(p->tail)
            p->tail->next = j;
        else
            p->head = j;
        p->tail = j;
        p->queued++;
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    if(rc)
        util_free(j);
    return rc;
}

size_t store_pool_queued(store_pool_t *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->queued;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void store_pool_free(store_pool_t *p)
{
    if(!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->closing = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for(int i = 0; i < p->n_workers; i++) {
        pthread_join(p->workers[i].thread, NULL);
        duckdb_disconnect(&p->workers[i].conn);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    util_free(p->workers);
    util_free(p);
}
