/* Per-type schemas of dashboard events (contract §6): required fields, JSON types, allowed values. */
#ifndef LINEAGED_EVENTS_SCHEMA_H
#define LINEAGED_EVENTS_SCHEMA_H

#include "events/event.h"

#include <jansson.h>
#include <stddef.h>

#define SCHEMA_MESSAGE_MAX 400

/* 0 when `data` is a valid payload for `type`; otherwise -1 and a sentence in `why`. */
int schema_validate(enum event_type type, const json_t *data, char *why, size_t whylen);
/*
 * 1 when `msg` reads like a sentence for people: not empty, short, one line, and free of stack
 * traces, source paths, pointers and SQL text.
 */
int schema_message_is_safe(const char *msg);

#endif
