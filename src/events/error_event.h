/* `error` events: how any subsystem tells dashboard users that something went wrong. */
#ifndef LINEAGED_EVENTS_ERROR_EVENT_H
#define LINEAGED_EVENTS_ERROR_EVENT_H

#include "events/bus.h"

enum error_severity { ERROR_SEVERITY_WARNING, ERROR_SEVERITY_ERROR, ERROR_SEVERITY_CRITICAL };

/*
 * Publishes an `error` event. `error_type` is a short machine word (e.g. "ingestion_failed");
 * `message` is a sentence for people. A message carrying a stack trace, source path, pointer or SQL
 * text is logged server-side and replaced by a generic sentence, so internals never reach browsers.
 */
int error_event_raise(bus_t *bus, const char *error_type, enum error_severity severity, const char *message);
const char *error_severity_name(enum error_severity severity);

#endif
