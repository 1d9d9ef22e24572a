/*
 * Deferred HTTP responses: workers hand finished responses to a queue and wake the service thread,
 * which matches each one to its request by id. A request whose client left is no longer pending, so
 * its late response is dropped: ids, never pointers, cross threads.
 */
#ifndef LINEAGED_SERVER_DEFER_H
#define LINEAGED_SERVER_DEFER_H

#include "server/router.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct http_completion {
    struct http_completion *next;
    uint64_t id;
    http_response_t resp;
} http_completion_t;

typedef struct http_completions {
    pthread_mutex_t mu;
    http_completion_t *head, *tail;
    size_t n;
    int closed;           /* shutting down: completions are dropped */
    void (*wake)(void *); /* called after a completion is queued */
    void *wake_arg;
} http_completions_t;

/*
 * Whether a request's queued work started before the transport gave up waiting for it: the worker
 * (http_ticket_start) and the hub's deadline (http_claim_expire) each try to move it on from
 * queued, with an atomic exchange, so exactly one of them wins and neither ever waits on the other.
 * Shared by the request and its ticket, freed by the last of them to let go.
 */
typedef struct http_claim http_claim_t;

http_claim_t *http_claim_new(void);
void http_claim_release(http_claim_t *c);
/* Service thread, at the queue-wait deadline: 1 when the work had not started (it never will now). */
int http_claim_expire(http_claim_t *c);
/*
 * Service thread, once http_claim_expire found the work started: the answer its starter left for a
 * missed deadline (http_ticket_start_late), now the caller's to free; NULL when none.
 */
json_t *http_claim_take_late(http_claim_t *c);

int http_completions_init(http_completions_t *q, void (*wake)(void *), void *arg);
/* No more completions (the loop is gone); drops what is queued. */
void http_completions_close(http_completions_t *q);
void http_completions_free(http_completions_t *q);
/* Service thread: takes every queued completion, oldest first (free each with http_completion_free). */
http_completion_t *http_completions_take(http_completions_t *q);
void http_completion_free(http_completion_t *c);

#endif
