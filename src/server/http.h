/* HTTP/1.1 transport on libwebsockets: request intake, body limits, one-write responses. */
#ifndef LINEAGED_SERVER_HTTP_H
#define LINEAGED_SERVER_HTTP_H

#include "server/server.h"
#include "server/session.h"

#include <jansson.h>

/* Handles the HTTP callback reasons; returns what the lws callback must return. */
int http_callback(server_t *srv, struct lws *wsi, enum lws_callback_reasons reason, session_t *s, void *in, size_t len);

/* LWS_CALLBACK_EVENT_WAIT_CANCELLED: sends the deferred responses workers completed. */
void http_drain_completions(server_t *srv);
/* Frees the request state of an HTTP session, if any. */
void http_session_release(session_t *s);
/* After the context is gone: frees the request states kept for reuse. */
void http_free_spares(server_t *srv);

void http_respond(http_response_t *r, int status, const char *content_type, char *body, size_t len);
/* Answers with a body `owner` keeps for several responses: unref(owner) once this one is done with it. */
void http_respond_shared(http_response_t *r, int status, const char *content_type, const char *body, size_t len,
                         void (*unref)(void *owner), void *owner);
/* Lets go of the response's body (frees it, unrefs it, or leaves static bytes alone). */
void http_response_drop_body(http_response_t *r);
/* Answers with bytes that outlive the response (compiled-in assets). */
void http_respond_static(http_response_t *r, int status, const char *content_type, const void *body, size_t len);
/* Serialises `body` (the reference is stolen). */
void http_respond_json(http_response_t *r, int status, json_t *body);
void http_respond_error(http_response_t *r, int status, const char *error, const char *detail);
/*
 * From a handler, on the service thread: the client's address as per-IP limits key it (X-Forwarded-For's
 * last hop behind --trusted-proxy, an IPv6 client by its --ipv6-prefix network), as ws.c counts it.
 */
void http_client_key(const http_request_t *req, char *out, size_t outlen);
const char *http_status_text(int status);
/* Hub timer: drops connections whose request body fell below --min-rate (see body_too_slow). */
void http_check_bodies(server_t *srv, int64_t now);
/*
 * Hub timer: answers 503 a request whose queued work has not started within --api-queue-wait, or
 * whose answer has not come within --api-timeout (http_defer_queued).
 */
void http_check_deferred(server_t *srv, int64_t now);
/*
 * The DNS-rebinding guard: 1 when the request has no Host or one that names this server; otherwise
 * fills `resp` with 421 and returns 0.
 */
int request_host_allowed(server_t *srv, struct lws *wsi, http_response_t *resp);
/* The same for a Host read elsewhere: `has` 0 none, 1 `host`, -1 too long. */
int http_host_allowed(server_t *srv, int has, const char *host, http_response_t *resp);
/*
 * LWS_CALLBACK_RAW_RX: lws turned a request it does not handle as HTTP into a raw socket (CONNECT,
 * or an unknown method with LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG). Answers 405
 * (with Allow) or 400 and returns -1 to close.
 */
int http_refuse_raw(server_t *srv, struct lws *wsi, const void *in, size_t len);
/* Status line, headers and body into out (cap bytes): their length, 0 when they do not fit. */
size_t http_render_response(const http_response_t *r, unsigned char *out, size_t cap);
/* Writes status line, headers and body in one lws_write (used before an upgrade, too). */
int http_write_response(struct lws *wsi, const http_response_t *r);

#endif
