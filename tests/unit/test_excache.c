#include "api/excache.h"
#include "util/alloc.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

static char *bytes(size_t n)
{
    char *b = util_malloc(n ? n : 1);
    memset(b, 'x', n);
    return b;
}

static void put_and_drop(excache_t *c, enum excache_format f, unsigned long gen, size_t n)
{
    assert_null(excache_claim(c, f, gen));
    excache_body_unref(excache_put(c, f, gen, 200, bytes(n), n, 1, 2));
}

static void a_body_is_kept_for_its_generation_only(void **state)
{
    (void)state;
    excache_t *c = excache_new(100);
    assert_null(excache_get(c, EXCACHE_CSV, 1));
    put_and_drop(c, EXCACHE_CSV, 1, 40);
    excache_body_t *b = excache_get(c, EXCACHE_CSV, 1);
    assert_non_null(b);
    assert_int_equal(b->len, 40);
    assert_int_equal(b->status, 200);
    assert_int_equal(b->nodes, 1);
    assert_null(excache_get(c, EXCACHE_CSV, 2));         /* another version of the graph */
    assert_null(excache_get(c, EXCACHE_OPENLINEAGE, 1)); /* another format */
    assert_int_equal(excache_bytes(c), 40);
    excache_retire(c, 2); /* the graph moved on: dropped, and never kept again */
    assert_int_equal(excache_bytes(c), 0);
    assert_null(excache_get(c, EXCACHE_CSV, 1));
    assert_memory_equal(b->bytes, "xxxx", 4); /* a response still holding it keeps it */
    excache_body_unref(b);
    put_and_drop(c, EXCACHE_CSV, 1, 10);
    assert_null(excache_get(c, EXCACHE_CSV, 1));
    assert_int_equal(excache_bytes(c), 0);
    excache_free(c);
}

static void the_bound_evicts_the_other_format_and_refuses_what_cannot_fit(void **state)
{
    (void)state;
    excache_t *c = excache_new(100);
    put_and_drop(c, EXCACHE_CSV, 1, 60);
    put_and_drop(c, EXCACHE_OPENLINEAGE, 1, 30);
    assert_int_equal(excache_bytes(c), 90);
    put_and_drop(c, EXCACHE_OPENLINEAGE, 2, 50); /* 60 + 50 > 100: the CSV goes */
    assert_null(excache_get(c, EXCACHE_CSV, 1));
    assert_int_equal(excache_bytes(c), 50);
    put_and_drop(c, EXCACHE_CSV, 2, 101); /* larger than the bound: answered, not kept */
    assert_null(excache_get(c, EXCACHE_CSV, 2));
    assert_int_equal(excache_bytes(c), 50);
    put_and_drop(c, EXCACHE_OPENLINEAGE, 1, 5); /* an older generation never replaces a newer one */
    excache_body_t *b = excache_get(c, EXCACHE_OPENLINEAGE, 2);
    assert_non_null(b);
    excache_body_unref(b);
    excache_free(c);
    c = excache_new(0); /* 0: nothing kept */
    put_and_drop(c, EXCACHE_CSV, 1, 1);
    assert_null(excache_get(c, EXCACHE_CSV, 1));
    excache_free(c);
}

typedef struct asker {
    excache_t *c;
    int built;
    excache_body_t *got;
} asker_t;

static void *ask(void *arg)
{
    asker_t *a = arg;
    a->got = excache_claim(a->c, EXCACHE_CSV, 7);
    if(!a->got) {
        struct timespec ts = {0, 20 * 1000000L}; /* the others arrive while this builds */
        nanosleep(&ts, NULL);
        a->built = 1;
        a->got = excache_put(a->c, EXCACHE_CSV, 7, 200, bytes(8), 8, 0, 0);
    }
    return NULL;
}

static void concurrent_claims_build_once(void **state)
{
    (void)state;
    excache_t *c = excache_new(1 << 20);
    asker_t a[6];
    pthread_t th[6];
    for(int i = 0; i < 6; i++) {
        a[i] = (asker_t){c, 0, NULL};
        assert_int_equal(pthread_create(&th[i], NULL, ask, &a[i]), 0);
    }
    int built = 0;
    for(int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        built += a[i].built;
        assert_non_null(a[i].got);
        assert_int_equal(a[i].got->len, 8);
        excache_body_unref(a[i].got);
    }
    assert_int_equal(built, 1);
    /* a failed build lets the next claim build */
    excache_retire(c, 8);
    assert_null(excache_claim(c, EXCACHE_CSV, 8));
    excache_abandon(c, EXCACHE_CSV, 8);
    assert_null(excache_claim(c, EXCACHE_CSV, 8));
    excache_abandon(c, EXCACHE_CSV, 8);
    excache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_body_is_kept_for_its_generation_only),
        cmocka_unit_test(the_bound_evicts_the_other_format_and_refuses_what_cannot_fit),
        cmocka_unit_test(concurrent_claims_build_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
