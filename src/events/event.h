/* The dashboard's event types (contract §6) and their delivery classes. */
#ifndef LINEAGED_EVENTS_EVENT_H
#define LINEAGED_EVENTS_EVENT_H

enum event_type {
    EV_CONNECTION_ACK,
    EV_STATS_UPDATE,
    EV_INGESTION_STARTED,
    EV_INGESTION_PROGRESS,
    EV_INGESTION_COMPLETE,
    EV_QUERY_COMPLETE,
    EV_ERROR,
    EV_N_TYPES
};

/* What a slow client may lose: critical never, coalescible when superseded, droppable when lagging. */
enum event_class { EV_CLASS_CRITICAL, EV_CLASS_COALESCIBLE, EV_CLASS_DROPPABLE };

const char *event_type_name(enum event_type type);
/* Returns 0 and sets *type, or -1 for a name outside the contract. */
int event_type_from_name(const char *name, enum event_type *type);
enum event_class event_type_class(enum event_type type);

#endif
