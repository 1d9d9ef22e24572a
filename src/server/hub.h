/*
 * The consumer side of the event bus, on the service thread: every event is validated against its
 * schema, passed through the rate-limit policy, serialised once and appended to the broadcast queue.
 * Also the stats tick and the aggregated throttling log.
 */
#ifndef LINEAGED_SERVER_HUB_H
#define LINEAGED_SERVER_HUB_H

#include "server/server.h"

/* After the lws context exists: bus, queue, rate limits, timers. */
int hub_init(server_t *srv);
void hub_free(server_t *srv);
/* LWS_CALLBACK_EVENT_WAIT_CANCELLED: takes what producers published. */
void hub_drain(server_t *srv);
/* Wall-clock milliseconds for a message, never earlier than the previous message's. */
int64_t hub_stamp(server_t *srv);
/* The live §4 statistics (new reference). */
json_t *hub_stats(server_t *srv);
/* A stats_update for a client that just connected (a reference for the caller), or NULL. */
bcast_msg_t *hub_welcome_stats(server_t *srv);

#endif
