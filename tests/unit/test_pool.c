#include "store/pool.h"
#include "util/alloc.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int open;
    int ran;
    int64_t sum;
} gate_t;

typedef struct job_arg {
    gate_t *gate;
    int64_t value;
} job_arg_t;

/* Waits for the gate, then adds a value computed by DuckDB on the worker's own connection. */
static void job(duckdb_connection conn, void *arg)
{
    job_arg_t *a = arg;
    gate_t *g = a->gate;
    pthread_mutex_lock(&g->mu);
    while(!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    char sql[64];
    snprintf(sql, sizeof(sql), "SELECT %lld * 2", (long long)a->value);
    duckdb_result res;
    assert_int_equal(duckdb_query(conn, sql, &res), DuckDBSuccess);
    int64_t v = duckdb_value_int64(&res, 0, 0);
    duckdb_destroy_result(&res);
    pthread_mutex_lock(&g->mu);
    g->ran++;
    g->sum += v;
    pthread_mutex_unlock(&g->mu);
    util_free(a);
}

static void gate_init(gate_t *g)
{
    memset(g, 0, sizeof(*g));
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
}

static void gate_open(gate_t *g)
{
    pthread_mutex_lock(&g->mu);
    g->open = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static int submit(store_pool_t *p, gate_t *g, int64_t value)
{
    job_arg_t *a = util_malloc(sizeof(*a));
    a->gate = g;
    a->value = value;
    int rc = store_pool_submit(p, job, a);
    if(rc)
        util_free(a);
    return rc;
}

static void full_queue_refuses_and_free_runs_what_was_queued(void **state)
{
    (void)state;
    store_t *s = NULL;
    char err[256];
    assert_int_equal(store_open(":memory:", &s, err, sizeof(err)), STORE_OK);
    store_pool_t *p = NULL;
    assert_int_equal(store_pool_new(s, 2, 3, &p), STORE_POOL_OK);
    gate_t g;
    gate_init(&g);
    /* Two jobs occupy the workers (held at the gate), three wait, the sixth is refused. */
    int accepted = 0, refused = 0;
    for(int i = 1; i <= 8; i++) {
        int rc = submit(p, &g, i);
        if(rc == STORE_POOL_OK)
            accepted++;
        else if(rc == STORE_POOL_ERR_FULL)
            refused++;
        else
            fail_msg("unexpected %d", rc);
    }
    /* Workers may not have taken their first job yet, so 3 to 5 are accepted. */
    assert_in_range(accepted, 3, 5);
    assert_int_equal(accepted + refused, 8);
    assert_in_range(store_pool_queued(p), 1, 3);
    gate_open(&g);
    store_pool_free(p);
    assert_int_equal(g.ran, accepted);
    int64_t want = 0;
    for(int i = 1; i <= accepted; i++)
        want += 2 * i;
    assert_int_equal(g.sum, want);
    store_close(s);
}

static void many_jobs_through_few_workers(void **state)
{
    (void)state;
    store_t *s = NULL;
    char err[256];
    assert_int_equal(store_open(":memory:", &s, err, sizeof(err)), STORE_OK);
    store_pool_t *p = NULL;
    assert_int_equal(store_pool_new(s, 3, 1000, &p), STORE_POOL_OK);
    gate_t g;
    gate_init(&g);
    gate_open(&g);
    for(int i = 0; i < 500; i++)
        assert_int_equal(submit(p, &g, 1), STORE_POOL_OK);
    store_pool_free(p);
    assert_int_equal(g.ran, 500);
    assert_int_equal(g.sum, 1000);
    store_close(s);
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    store_t *s = NULL;
    char err[256];
    assert_int_equal(store_open(":memory:", &s, err, sizeof(err)), STORE_OK);
    store_pool_t *p = (store_pool_t *)1;
    assert_int_equal(store_pool_new(s, 0, 10, &p), STORE_POOL_ERR_ARG);
    assert_null(p);
    assert_int_equal(store_pool_new(s, 1, 0, &p), STORE_POOL_ERR_ARG);
    util_alloc_fail_after(0);
    assert_int_equal(store_pool_new(s, 1, 1, &p), STORE_POOL_ERR_NOMEM);
    util_alloc_fail_after(-1);
    assert_null(p);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_queue_refuses_and_free_runs_what_was_queued),
        cmocka_unit_test(many_jobs_through_few_workers),
        cmocka_unit_test(bad_arguments_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
