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
        http_ticket_t t = {&q, id, NULL};
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
    http_ticket_t t = {&q, 9, NULL};
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
    http_ticket_t t = {&q, 1, NULL};
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
        http_ticket_t t = {p->q, p->first + i, NULL};
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

static int unrefs;

static void count_unref(void *owner)
{
    (void)owner;
    unrefs++;
}

static void shared_bodies_are_let_go_once_whatever_becomes_of_them(void **state)
{
    (void)state;
    static const char body[] = "kept elsewhere";
    http_completions_t q;
    unrefs = 0;
    assert_int_equal(http_completions_init(&q, NULL, NULL), 0);
    http_ticket_t t = {&q, 1, NULL};
    http_ticket_complete_shared(&t, 200, "text/plain", body, sizeof(body) - 1, count_unref, (void *)body);
    http_completion_t *c = http_completions_take(&q);
    assert_non_null(c);
    assert_ptr_equal(c->resp.body, body);
    assert_int_equal(unrefs, 0);
    http_completion_free(c); /* its client left: the owner is told, the bytes are not freed */
    assert_int_equal(unrefs, 1);
    http_completions_close(&q);
    http_ticket_t late = {&q, 2, NULL};
    http_ticket_complete_shared(&late, 200, "text/plain", body, sizeof(body) - 1, count_unref, (void *)body);
    assert_int_equal(unrefs, 2); /* dropped after close, let go all the same */
    http_completions_free(&q);
}

/* The worker and the deadline race for a queued request's claim: exactly one of them wins. */
typedef struct race {
    http_ticket_t ticket;
    int started;
} race_t;

static void *start_work(void *arg)
{
    race_t *r = arg;
    r->started = http_ticket_start(&r->ticket) == 0;
    http_ticket_drop(&r->ticket);
    return NULL;
}

static void a_claim_is_won_by_the_worker_or_the_deadline_never_both(void **state)
{
    (void)state;
    assert_int_equal(http_ticket_start(&(http_ticket_t){NULL, 1, NULL}), 0); /* no claim: always starts */
    http_claim_t *c = http_claim_new();
    http_ticket_t t = {NULL, 1, c};
    assert_int_equal(http_ticket_start(&t), 0);
    assert_int_equal(http_claim_expire(c), 0); /* started: too late to expire */
    http_ticket_drop(&t);
    http_claim_release(c);
    c = http_claim_new();
    t = (http_ticket_t){NULL, 2, c};
    assert_int_equal(http_claim_expire(c), 1);
    assert_int_equal(http_ticket_start(&t), -1); /* expired: the work is skipped */
    http_ticket_drop(&t);
    http_claim_release(c);
    int workers = 0, deadlines = 0;
    for(int i = 0; i < 2000; i++) {
        race_t r = {{NULL, (uint64_t)i, http_claim_new()}, 0};
        http_claim_t *mine = r.ticket.claim;
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, start_work, &r), 0);
        int expired = http_claim_expire(mine);
        pthread_join(th, NULL);
        assert_int_equal(expired + r.started, 1);
        workers += r.started;
        deadlines += expired;
        http_claim_release(mine);
    }
    assert_int_equal(workers + deadlines, 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shared_bodies_are_let_go_once_whatever_becomes_of_them),
        cmocka_unit_test(a_claim_is_won_by_the_worker_or_the_deadline_never_both),
        cmocka_unit_test(completions_arrive_in_order_with_one_wake_per_batch),
        cmocka_unit_test(completions_after_close_are_dropped),
        cmocka_unit_test(threads_complete_concurrently),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
