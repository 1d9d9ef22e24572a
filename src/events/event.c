#include "events/event.h"

#include <string.h>

static const char *const names[EV_N_TYPES] = {
    "connection_ack", "stats_update",       "ingestion_started", "ingestion_progress",
    "ingestion_complete", "query_complete", "error",
};

const char *event_type_name(enum event_type type)
{
    return (unsigned)type < EV_N_TYPES ? names[type] : "unknown";
}

int event_type_from_name(const char *name, enum event_type *type)
{
    for(int i = 0; i < EV_N_TYPES; i++) {
        if(strcmp(names[i], name) == 0) {
            *type = (enum event_type)i;
            return 0;
        }
    }
    return -1;
}

enum event_class event_type_class(enum event_type type)
{
    switch(type) {
    case EV_STATS_UPDATE:
    case EV_INGESTION_PROGRESS:
        return EV_CLASS_COALESCIBLE;
    case EV_QUERY_COMPLETE:
        return EV_CLASS_DROPPABLE;
    default:
        return EV_CLASS_CRITICAL;
    }
}
