/*
 * The event bus: the one way producers (ingest workers, query workers, timers, error paths) reach
 * dashboard clients. Producers call bus_publish() from any thread; a transport carries the event to
 * every subscriber's inbox; the consumer (the WebSocket service thread) is woken and drains it.
 * The transport sits behind a small vtable so a NATS or Redis transport can replace the in-process
 * one without touching producers or the consumer.
 */
#ifndef LINEAGED_EVENTS_BUS_H
#define LINEAGED_EVENTS_BUS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define BUS_TYPE_MAX 32

enum bus_error {
    BUS_OK = 0,
    BUS_ERR_NOMEM = -1,
    BUS_ERR_FULL = -2, /* the inbox is at its bound; the event was dropped */
    BUS_ERR_ARG = -3,
};

typedef struct bus_event {
    struct bus_event *next;
    char type[BUS_TYPE_MAX]; /* as published; validated by the consumer */
    json_t *data;            /* owned */
    int64_t published_ms;    /* wall clock */
} bus_event_t;

typedef struct bus bus_t;

/* A transport moves published events to subscribers, ending in bus_deliver() on each of them. */
typedef struct bus_transport_ops {
    const char *name;
    /* Takes ownership of `ev` whatever it returns. */
    int (*publish)(void *impl, bus_t *bus, bus_event_t *ev);
    void (*destroy)(void *impl);
} bus_transport_ops_t;

/* Called (from the publishing thread) when the inbox goes from empty to non-empty. */
typedef void (*bus_wake_fn)(void *arg);

/* A bus with the in-process transport; at most `max_pending` events wait in the inbox. */
bus_t *bus_new(size_t max_pending, bus_wake_fn wake, void *wake_arg);
/* Replaces the transport (before any publish); the bus destroys `impl` at bus_free. */
void bus_set_transport(bus_t *bus, const bus_transport_ops_t *ops, void *impl);
void bus_free(bus_t *bus);

/* Any thread: publishes event `type` with payload `data` (reference stolen, even on error). */
int bus_publish(bus_t *bus, const char *type, json_t *data);
/* Transports: appends an event to this bus's inbox (ownership taken). */
int bus_deliver(bus_t *bus, bus_event_t *ev);
/* Consumer: takes every waiting event, oldest first, as a list to free with bus_event_free_list. */
bus_event_t *bus_drain(bus_t *bus);
void bus_event_free_list(bus_event_t *ev);
/* Events refused because the inbox was full, since start. */
uint64_t bus_dropped(bus_t *bus);
const char *bus_strerror(int code);

#endif
