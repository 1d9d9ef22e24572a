/* Per-connection state: libwebsockets' per-session data for HTTP, and a dashboard WebSocket's. */
#ifndef LINEAGED_SERVER_SESSION_H
#define LINEAGED_SERVER_SESSION_H

#include "server/bcast.h"
#include "server/wsframe.h"
#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_PATH 1536 /* a node's whole name (1,024 bytes) after its endpoint, with room for quoting */

enum http_method {
    HTTP_GET = 1 << 0,
    HTTP_HEAD = 1 << 1,
    HTTP_POST = 1 << 2,
    HTTP_PUT = 1 << 3,
    HTTP_PATCH = 1 << 4,
    HTTP_DELETE = 1 << 5,
    HTTP_OPTIONS = 1 << 6,
};

typedef struct http_response {
    int status;
    const char *content_type;
    char *body;                 /* util_malloc'd and owned, unless `borrowed` or `unref` */
    int borrowed;               /* body points at static bytes */
    void (*unref)(void *owner); /* body belongs to `owner`, shared: unref(owner) when done with it */
    void *owner;
    size_t len;
    char allow[64];        /* for 405 */
    char cors_origin[128]; /* an allowed browser Origin to echo in Access-Control-Allow-Origin */
    int preflight;         /* CORS preflight answer: Allow doubles as Access-Control-Allow-Methods */
    int close;             /* send Connection: close and drop the connection */
    int omit_body;         /* HEAD: headers as for GET, no body */
    int retry_after;       /* > 0: Retry-After in seconds (every 503 has one anyway) */
    const char *csp;       /* a page's Content-Security-Policy (static), sent with no framing and no referrer */
    int ws_version;        /* > 0: Sec-WebSocket-Version to offer a handshake of another (RFC 6455 4.4) */
} http_response_t;

#define ROUTE_MAX_PARAMS 4
#define QUERY_MAX_PARAMS 32
#define QUERY_MAX_BYTES  2048 /* all names and values of one request together */

/* Path parameters (in pattern order) and query parameters, decoded, NUL-terminated. */
typedef struct http_args {
    const char *param_name[ROUTE_MAX_PARAMS], *param[ROUTE_MAX_PARAMS];
    int n_params;
    const char *query_name[QUERY_MAX_PARAMS], *query[QUERY_MAX_PARAMS];
    int n_query;
    char bytes[HTTP_MAX_PATH + QUERY_MAX_BYTES + QUERY_MAX_PARAMS * 2];
    size_t used;
} http_args_t;

/* The server's lists of transactions an HTTP request can be on, linked through http_txn_t.on[]. */
enum txn_list {
    TXN_DEFERRED,  /* waiting for a deferred response (srv->deferred) */
    TXN_RECEIVING, /* its body is arriving; the rate is checked on a timer (srv->receiving) */
    TXN_LISTS,
};

typedef struct txn_link {
    struct http_txn *prev, *next;
    struct http_txn **head; /* the list it is on, NULL when on none */
} txn_link_t;

typedef struct http_txn {
    struct lws *wsi;
    enum http_method method;
    char path[HTTP_MAX_PATH];
    http_args_t args;
    const struct route *route; /* NULL: no such path */
    uint64_t defer_id;         /* non-zero: waiting for a deferred response with this id */
    struct http_claim *claim;  /* its work was queued for a worker (http_defer_queued) */
    int recorded;              /* http_defer_recorded: the work may start until --api-timeout */
    int64_t deferred_ms;       /* when it was deferred: the queue wait and answer deadlines count from here */
    buf_t body;
    const struct route_upload_ops *upload_ops; /* the route takes streamed multipart uploads */
    struct lws_spa *spa;                       /* a streamed multipart upload */
    struct mpname *mpname;                     /* its parts' file names as sent (lws_spa cuts them at ';') */
    int at_disposition, part_opened;           /* the bytes lws_spa reads end a Content-Disposition line */
    unsigned fields_seen;                      /* the form's fields given so far, one bit each */
    void *upload;                              /* its route_upload_ops_t state */
    int64_t received;
    int64_t content_length;
    int64_t begun_ms; /* when the body began: its rate is measured from here */
    txn_link_t on[TXN_LISTS];
    int ready;         /* response complete, waiting for WRITEABLE */
    int timeout_moved; /* deferred: lws's content timeout is past --api-timeout */
    int rx_paused;     /* deferred: lws reads nothing more of the connection until the answer is ready */
    int rx_held_back;  /* then, until it is written: reqguard_hold_back */
    int ended;   /* an upload's end was handled: lws can report its body's completion twice */
    size_t sent; /* of a large response's body, handed to lws so far */
    size_t held; /* its bytes counted in srv->resp_held */
    int shared_slot; /* or, 1 + its shared body's slot in srv->shared_held */
    http_response_t resp;
    struct http_txn *next_spare; /* on the server's list of spares */
} http_txn_t;

#define WS_PRIVATE_MAX 3

/* A dashboard WebSocket: lineaged owns its socket (ws.c), libwebsockets never sees it. */
typedef struct ws_client {
    struct ws_client *prev, *next;   /* idle order: the head has been silent longest */
    struct ws_client *cprev, *cnext; /* closing, by deadline (all are CLOSE_WAIT_MS after their start) */
    struct ws_client *dead_next;     /* failed, to be freed when no caller holds it */
    struct server *srv;
    int fd;
    uint64_t id;
    uint64_t cursor;                   /* next broadcast sequence to send */
    bcast_msg_t *priv[WS_PRIVATE_MAX]; /* this client's own messages, sent before the queue */
    int n_priv;
    char peer[48]; /* socket peer address (INET6_ADDRSTRLEN fits) */
    char addr[48]; /* client address: per-IP key (X-Forwarded-For via a trusted proxy) */
    char *origin;  /* NULL when the request had none */
    int64_t connected_mono_ms;
    int64_t last_rx_mono_ms;
    int64_t last_ping_mono_ms;
    int64_t close_by_ms; /* closing: dropped at this time if the peer has not answered */
    uint64_t tx_sent;       /* bytes the socket took from us */
    int64_t acked;          /* of them, those the peer had acknowledged at acked_base_ms */
    int64_t acked_base_ms;  /* the first look of a silence, or the last that found progress */
    int64_t acked_look_ms;  /* the last look; 0: none since the client last spoke */
    int64_t acked_moved_ms; /* the last look that found progress (acknowledged at --min-rate) */
    uint64_t messages_sent;
    buf_t rx;              /* the message being received, bounded */
    unsigned char *tx;     /* what the socket refused, sent before anything else */
    size_t tx_len, tx_off; /* tx holds tx_len bytes, tx_off of them sent */
    size_t tx_extra;       /* control frames queued behind a refused write */
    int close_code;        /* we are closing with this code */
    char *close_reason;    /* set when we start closing */
    int peer_close_code;   /* the client closed with this code */
    uint8_t close_sent;    /* our close frame is written; awaiting the answer */
    uint8_t rx_off;        /* input is no longer parsed (after a protocol error) */
    uint8_t dead;          /* on the dead list */
    uint8_t rx_binary;
    uint8_t rx_refused;  /* dropping the rest of a message, closed at its end: enum ws_rx_refusal */
    uint8_t rx_in_frame; /* the last piece received left its frame unfinished */
    uint16_t rx_frames;  /* frames of the message being received */
    int64_t rx_began_ms; /* when its first frame came */
    wsframe_t fr;
} ws_client_t;

/*
 * lws allocates this for every HTTP connection, so it is kept small: a request's state lives on
 * the heap only while the request is in flight.
 */
enum session_kind { SESSION_NONE, SESSION_HTTP };

typedef struct session {
    enum session_kind kind;
    http_txn_t *http;
} session_t;

#endif
