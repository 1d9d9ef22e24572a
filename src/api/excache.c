#include "api/excache.h"

#include "util/alloc.h"

#include <pthread.h>

typedef struct slot {
    excache_body_t *body;     /* kept, or NULL */
    unsigned long generation; /* the body's */
    int building;             /* a worker is building building_gen's body */
    unsigned long building_gen;
} slot_t;

struct excache {
    pthread_mutex_t mu;
    pthread_cond_t built;
    size_t max_bytes, bytes;
    unsigned long floor; /* generations below it are retired */
    slot_t slots[EXCACHE_FORMATS];
};

excache_t *excache_new(size_t max_bytes)
{
    excache_t *c = util_calloc(1, sizeof(*c));
    if(!c)
        return NULL;
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->built, NULL);
    return c;
}

void excache_body_unref(void *p)
{
    excache_body_t *b = p;
    if(b && atomic_fetch_sub(&b->refs, 1) == 1) {
        util_free(b->bytes);
        util_free(b);
    }
}

static excache_body_t *ref(excache_body_t *b)
{
    atomic_fetch_add(&b->refs, 1);
    return b;
}

/* Under the lock. */
static void drop(excache_t *c, slot_t *s)
{
    if(s->body) {
        c->bytes -= s->body->len;
        excache_body_unref(s->body);
        s->body = NULL;
    }
}

void excache_free(excache_t *c)
{
    if(!c)
        return;
    for(int f = 0; f < EXCACHE_FORMATS; f++)
        drop(c, &c->slots[f]);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->built);
    util_free(c);
}

excache_body_t *excache_get(excache_t *c, enum excache_format f, unsigned long generation)
{
    pthread_mutex_lock(&c->mu);
    slot_t *s = &c->slots[f];
    excache_body_t *b = s->body && s->generation == generation ? ref(s->body) : NULL;
    pthread_mutex_unlock(&c->mu);
    return b;
}

excache_body_t *excache_claim(excache_t *c, enum excache_format f, unsigned long generation)
{
    pthread_mutex_lock(&c->mu);
    slot_t *s = &c->slots[f];
    for(;;) {
        if(s->body && s->generation == generation) {
            excache_body_t *b = ref(s->body);
            pthread_mutex_unlock(&c->mu);
            return b;
        }
        if(!s->building || s->building_gen != generation)
            break;
        pthread_cond_wait(&c->built, &c->mu);
    }
    s->building = 1;
    s->building_gen = generation;
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* Under the lock: whether `len` more bytes fit once the other formats' bodies are evicted if need be. */
static int make_room(excache_t *c, slot_t *keep, size_t len)
{
    size_t own = keep->body ? keep->body->len : 0;
    if(len > c->max_bytes)
        return 0;
    for(int f = 0; f < EXCACHE_FORMATS && c->bytes - own + len > c->max_bytes; f++)
        if(&c->slots[f] != keep)
            drop(c, &c->slots[f]);
    return c->bytes - own + len <= c->max_bytes;
}

/* Under the lock: the build of `generation` is over, whatever came of it. */
static void built(excache_t *c, slot_t *s, unsigned long generation)
{
    if(s->building && s->building_gen == generation)
        s->building = 0;
    pthread_cond_broadcast(&c->built);
}

excache_body_t *excache_put(excache_t *c, enum excache_format f, unsigned long generation, int status, char *bytes,
                            size_t len, int nodes, int edges)
{
    excache_body_t *b = util_calloc(1, sizeof(*b));
    slot_t *s = &c->slots[f];
    pthread_mutex_lock(&c->mu);
    if(b) {
        atomic_init(&b->refs, 1);
        b->status = status;
        b->bytes = bytes;
        b->len = len;
        b->nodes = nodes;
        b->edges = edges;
        int newer = !s->body || generation >= s->generation;
        if(generation >= c->floor && newer && make_room(c, s, len)) {
            drop(c, s);
            s->body = ref(b);
            s->generation = generation;
            c->bytes += len;
        }
    } else {
        util_free(bytes);
    }
    built(c, s, generation);
    pthread_mutex_unlock(&c->mu);
    return b;
}

void excache_abandon(excache_t *c, enum excache_format f, unsigned long generation)
{
    pthread_mutex_lock(&c->mu);
    built(c, &c->slots[f], generation);
    pthread_mutex_unlock(&c->mu);
}

void excache_retire(excache_t *c, unsigned long generation)
{
    pthread_mutex_lock(&c->mu);
    if(generation > c->floor)
        c->floor = generation;
    for(int f = 0; f < EXCACHE_FORMATS; f++)
        if(c->slots[f].body && c->slots[f].generation < c->floor)
            drop(c, &c->slots[f]);
    pthread_mutex_unlock(&c->mu);
}

size_t excache_bytes(excache_t *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = c->bytes;
    pthread_mutex_unlock(&c->mu);
    return n;
}
