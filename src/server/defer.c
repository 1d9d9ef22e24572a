#include "server/defer.h"

#include "server/http.h"
#include "util/alloc.h"
#include "util/log.h"

#include <string.h>

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
    if(!c->resp.borrowed)
        util_free(c->resp.body);
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

void http_ticket_complete(http_ticket_t *t, int status, const char *content_type, char *body, size_t len)
{
    http_completions_t *q = t->q;
    http_completion_t *c = util_calloc(1, sizeof(*c));
    if(!c) {
        /* The request stays pending until its client leaves or the transport's timeout ends it. */
        log_error("http.out_of_memory", "what=deferred_response id=%llu", (unsigned long long)t->id);
        util_free(body);
        return;
    }
    c->id = t->id;
    http_respond(&c->resp, status, content_type, body, len);
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
    t->q = NULL;
    if(closed)
        http_completion_free(c);
}

void http_ticket_complete_json(http_ticket_t *t, int status, json_t *body)
{
    http_response_t r;
    memset(&r, 0, sizeof(r));
    http_respond_json(&r, status, body);
    http_ticket_complete(t, r.status, r.content_type, r.body, r.len);
}
