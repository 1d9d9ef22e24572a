#include "server/defer.h"
#include "util/alloc.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static int wakes;

static void count_wake(void *arg)
{
    (void)arg;
    wakes++;
}

static void completions_arrive_in_order_with_one_wake_per_batch(void **state)
{
    (void)state;
    http_completions_t q;
    wakes = 0;
    assert_int_equal(http_completions_init(&q, count_wake, NULL), 0);
    for(uint64_t id = 1; id <= 3; id++) {
        http_ticket_t t = {&q, id};
        http_ticket_complete_json(&t, 200, json_pack("{s:I}", "n", (json_int_t)id));
        assert_null(t.q); /* a ticket is spent */
    }
    assert_int_equal(wakes, 1); /* the loop is woken when the queue becomes non-empty */
    http_completion_t *list = http_completions_take(&q);
    uint64_t want = 1;
    for(http_completion_t *c = list; c; c = c->next, want++) {
        assert_int_equal(c->id, want);
        assert_int_equal(c->resp.status, 200);
        assert_string_equal(c->resp.content_type, "application/json");
    }
    assert_int_equal(want, 4);
    while(list) {
        http_completion_t *next = list->next;
        http_completion_free(list);
        list = next;
    }
    http_ticket_t t = {&q, 9};
    http_ticket_complete(&t, 204, "text/plain", NULL, 0);
    assert_int_equal(wakes, 2);
    http_completions_free(&q); /* frees what is still queued */
}

static void completions_after_close_are_dropped(void **state)
{
    (void)state;
    http_completions_t q;
    wakes = 0;
    assert_int_equal(http_completions_init(&q, count_wake, NULL), 0);
    http_completions_close(&q);
    http_ticket_t t = {&q, 1};
    http_ticket_complete(&t, 200, "text/plain", util_strdup("late"), 4);
    assert_int_equal(wakes, 0); /* the loop may be gone: never woken */
    assert_null(http_completions_take(&q));
    http_completions_free(&q);
}

typedef struct producer {
    http_completions_t *q;
    uint64_t first;
} producer_t;

static void *produce(void *arg)
{
    producer_t *p = arg;
    for(uint64_t i = 0; i < 1000; i++) {
        http_ticket_t t = {p->q, p->first + i};
        http_ticket_complete(&t, 200, "text/plain", util_strdup("x"), 1);
    }
    return NULL;
}

static void threads_complete_concurrently(void **state)
{
    (void)state;
    http_completions_t q;
    wakes = 0;
    assert_int_equal(http_completions_init(&q, NULL, NULL), 0);
    pthread_t th[4];
    producer_t p[4];
    for(int i = 0; i < 4; i++) {
        p[i] = (producer_t){&q, (uint64_t)i * 1000 + 1};
        assert_int_equal(pthread_create(&th[i], NULL, produce, &p[i]), 0);
    }
    size_t seen = 0;
    uint64_t sum = 0;
    while(seen < 4000) {
        http_completion_t *list = http_completions_take(&q);
        while(list) {
            http_completion_t *next = list->next;
            sum += list->id;
            seen++;
            http_completion_free(list);
            list = next;
        }
    }
    for(int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(seen, 4000);
    assert_int_equal(sum, (uint64_t)4000 * 4001 / 2);
    http_completions_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(completions_arrive_in_order_with_one_wake_per_batch),
        cmocka_unit_test(completions_after_close_are_dropped),
        cmocka_unit_test(threads_complete_concurrently),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
