#include "server/defer.h"

#include "server/http.h"
#include "util/alloc.h"
#include "util/log.h"

#include <string.h>

enum { CLAIM_QUEUED, CLAIM_STARTED, CLAIM_EXPIRED };

struct http_claim {
    atomic_int state;
    atomic_int refs;
    json_t *late; /* http_ticket_start_late: the answer's body should the real one miss its deadline */
};

http_claim_t *http_claim_new(void)
{
    http_claim_t *c = util_malloc(sizeof(*c));
    if(c) {
        atomic_init(&c->state, CLAIM_QUEUED);
        atomic_init(&c->refs, 2); /* the request's and the ticket's */
        c->late = NULL;
    }
    return c;
}

void http_claim_release(http_claim_t *c)
{
    if(c && atomic_fetch_sub(&c->refs, 1) == 1) {
        json_decref(c->late);
        util_free(c);
    }
}

json_t *http_claim_take_late(http_claim_t *c)
{
    json_t *late = c->late;
    c->late = NULL;
    return late;
}

int http_claim_expire(http_claim_t *c)
{
    int expected = CLAIM_QUEUED;
    return atomic_compare_exchange_strong(&c->state, &expected, CLAIM_EXPIRED);
}

int http_ticket_start(http_ticket_t *t)
{
    int expected = CLAIM_QUEUED;
    return !t->claim || atomic_compare_exchange_strong(&t->claim->state, &expected, CLAIM_STARTED) ? 0 : -1;
}

int http_ticket_start_late(http_ticket_t *t, json_t *late)
{
    if(t->claim && !t->claim->late) /* set before the exchange publishes it to the service thread */
        t->claim->late = late;
    else
        json_decref(late);
    return http_ticket_start(t);
}

int http_ticket_expired(const http_ticket_t *t)
{
    return t->claim && atomic_load(&t->claim->state) == CLAIM_EXPIRED;
}

void http_ticket_drop(http_ticket_t *t)
{
    http_claim_release(t->claim);
    t->claim = NULL;
    t->q = NULL;
}

int http_completions_init(http_completions_t *q, void (*wake)(void *), void *arg)
{
    memset(q, 0, sizeof(*q));
    q->wake = wake;
    q->wake_arg = arg;
    return pthread_mutex_init(&q->mu, NULL) ? -1 : 0;
}

void http_completion_free(http_completion_t *c)
{
    if(!c)
        return;
    http_response_drop_body(&c->resp);
    util_free(c);
}

static void free_list(http_completion_t *c)
{
    while(c) {
        http_completion_t *next = c->next;
        http_completion_free(c);
        c = next;
    }
}

void http_completions_close(http_completions_t *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    http_completion_t *list = q->head;
    q->head = q->tail = NULL;
    q->n = 0;
    pthread_mutex_unlock(&q->mu);
    free_list(list);
}

void http_completions_free(http_completions_t *q)
{
    http_completions_close(q);
    pthread_mutex_destroy(&q->mu);
}

http_completion_t *http_completions_take(http_completions_t *q)
{
    pthread_mutex_lock(&q->mu);
    http_completion_t *list = q->head;
    q->head = q->tail = NULL;
    q->n = 0;
    pthread_mutex_unlock(&q->mu);
    return list;
}

/* Queues the response in `r` (its body taken) for the service thread. */
static void complete(http_ticket_t *t, http_response_t *r)
{
    http_completions_t *q = t->q;
    http_completion_t *c = util_calloc(1, sizeof(*c));
    http_ticket_drop(t);
    if(!c) {
        /* The request stays pending until its client leaves or the transport's timeout ends it. */
        log_error("http.out_of_memory", "what=deferred_response id=%llu", (unsigned long long)t->id);
        http_response_drop_body(r);
        return;
    }
    c->id = t->id;
    c->resp = *r;
    pthread_mutex_lock(&q->mu);
    int closed = q->closed, was_empty = !q->head;
    if(!closed) {
        if(q->tail)
            q->tail->next = c;
        else
            q->head = c;
        q->tail = c;
        q->n++;
        /* Under the lock, so a wake never reaches a loop that closed the queue and went away. */
        if(was_empty && q->wake)
            q->wake(q->wake_arg);
    }
    pthread_mutex_unlock(&q->mu);
    if(closed)
        http_completion_free(c);
}

void http_ticket_complete(http_ticket_t *t, int status, const char *content_type, char *body, size_t len)
{
    http_response_t r;
    memset(&r, 0, sizeof(r));
    http_respond(&r, status, content_type, body, len);
    complete(t, &r);
}

void http_ticket_complete_shared(http_ticket_t *t, int status, const char *content_type, const char *body, size_t len,
                                 void (*unref)(void *owner), void *owner)
{
    http_response_t r;
    memset(&r, 0, sizeof(r));
    http_respond_shared(&r, status, content_type, body, len, unref, owner);
    complete(t, &r);
}

void http_ticket_complete_json(http_ticket_t *t, int status, json_t *body)
{
    http_response_t r;
    memset(&r, 0, sizeof(r));
    http_respond_json(&r, status, body);
    complete(t, &r);
}
