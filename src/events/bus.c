#include "events/bus.h"

#include "util/alloc.h"
#include "util/timefmt.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

struct bus {
    pthread_mutex_t lock;
    bus_event_t *head, *tail;
    size_t pending, max_pending;
    atomic_uint_least64_t dropped;
    bus_wake_fn wake;
    void *wake_arg;
    const bus_transport_ops_t *ops;
    void *impl;
};

/* In-process: publishing is delivering to our own inbox. */
static int local_publish(void *impl, bus_t *bus, bus_event_t *ev)
{
    (void)impl;
    return bus_deliver(bus, ev);
}

static const bus_transport_ops_t local_transport = {"in-process", local_publish, NULL};

const char *bus_strerror(int code)
{
    switch(code) {
    case BUS_OK: return "ok";
    case BUS_ERR_NOMEM: return "out of memory";
    case BUS_ERR_FULL: return "event inbox full";
    case BUS_ERR_ARG: return "bad event";
    }
    return "unknown bus error";
}

bus_t *bus_new(size_t max_pending, bus_wake_fn wake, void *wake_arg)
{
    bus_t *bus = util_calloc(1, sizeof(*bus));
    if(!bus)
        return NULL;
    if(pthread_mutex_init(&bus->lock, NULL)) {
        util_free(bus);
        return NULL;
    }
    bus->max_pending = max_pending;
    bus->wake = wake;
    bus->wake_arg = wake_arg;
    bus->ops = &local_transport;
    atomic_init(&bus->dropped, 0);
    return bus;
}

void bus_set_transport(bus_t *bus, const bus_transport_ops_t *ops, void *impl)
{
    bus->ops = ops;
    bus->impl = impl;
}

void bus_free(bus_t *bus)
{
    if(!bus)
        return;
    if(bus->ops->destroy)
        bus->ops->destroy(bus->impl);
    bus_event_free_list(bus->head);
    pthread_mutex_destroy(&bus->lock);
    util_free(bus);
}

int bus_publish(bus_t *bus, const char *type, json_t *data)
{
    if(!bus || !type || strlen(type) >= BUS_TYPE_MAX) {
        json_decref(data);
        return BUS_ERR_ARG;
    }
    bus_event_t *ev = util_calloc(1, sizeof(*ev));
    if(!ev) {
        json_decref(data);
        return BUS_ERR_NOMEM;
    }
    memcpy(ev->type, type, strlen(type) + 1);
    ev->data = data;
    ev->published_ms = time_now_ms();
    return bus->ops->publish(bus->impl, bus, ev);
}

int bus_deliver(bus_t *bus, bus_event_t *ev)
{
    ev->next = NULL;
    pthread_mutex_lock(&bus->lock);
    if(bus->pending >= bus->max_pending) {
        pthread_mutex_unlock(&bus->lock);
        atomic_fetch_add_explicit(&bus->dropped, 1, memory_order_relaxed);
        bus_event_free_list(ev);
        return BUS_ERR_FULL;
    }
    int was_empty = bus->pending == 0;
    if(bus->tail)
        bus->tail->next = ev;
    else
        bus->head = ev;
    bus->tail = ev;
    bus->pending++;
    pthread_mutex_unlock(&bus->lock);
    /* One wake per batch: the consumer drains everything that arrived meanwhile. */
    if(was_empty && bus->wake)
        bus->wake(bus->wake_arg);
    return BUS_OK;
}

bus_event_t *bus_drain(bus_t *bus)
{
    pthread_mutex_lock(&bus->lock);
    bus_event_t *list = bus->head;
    bus->head = bus->tail = NULL;
    bus->pending = 0;
    pthread_mutex_unlock(&bus->lock);
    return list;
}

void bus_event_free_list(bus_event_t *ev)
{
    while(ev) {
        bus_event_t *next = ev->next;
        json_decref(ev->data);
        util_free(ev);
        ev = next;
    }
}

uint64_t bus_dropped(bus_t *bus)
{
    return atomic_load_explicit(&bus->dropped, memory_order_relaxed);
}
