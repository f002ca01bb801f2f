/* heat_rpc.h: oslo.messaging RPC client for heat-engine (amqpdriver.py on the rabbit driver).
 *
 * - heat_rpc_settings_t carries the heat.conf values that matter (plain C values: the glue
 *   reads them with heat_conf.h); heat_rpc_conf_make checks them once in check_config.
 * - heat_rpc_pool_create, in child_init, makes a per-process apr_reslist of AMQP connections
 *   (heat_amqp.h), created lazily; every call takes one connection exclusively, so the event
 *   MPM's threads never share one.
 * - heat_rpc_call / heat_rpc_cast send one request and (for calls) wait for its reply.
 * - The envelope building and reply parsing underneath are pure functions, tested without a
 *   broker (test/unit/test_rpc.c, goldens captured from the real Python code in test/golden/rpc).
 *
 * The context passed in is heat's RequestContext.to_dict() (keys WITHOUT "_context_"); it is
 * never logged (it holds the auth token, the token body and maybe a password). The
 * transport_url's passwords only appear redacted ("***") in logs and errors.
 *
 * Glue sketch:
 *   check_config: heat_rpc_settings_init(&s); s.transport_url = heat_conf_str(...); ...
 *                 if ((err = heat_rpc_conf_make(pconf, &s, &conf))) refuse to start with err;
 *   child_init:   heat_rpc_pool_create(pchild, conf, &rp);
 *   handler:      heat_rpc_call(rp, r->pool, ctx, "list_stacks", args, "1.33", 0, &reply);
 *                 OK -> reply.result; REMOTE_FAILURE -> reply.failure (heat_result_from_remote);
 *                 TIMEOUT -> MessagingTimeout (500); UNREACHABLE -> 503 or 500.
 *
 * Checked against RabbitMQ 3.10 and a real oslo.messaging 14 server by
 * test/tools/rpc-live-test.sh (test/tools/heat-rpc-call is the CLI over this API). */
#ifndef HEAT_RPC_H
#define HEAT_RPC_H

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>

#include "heat_amqp.h"

/* heat.conf values, named as the options are. heat_rpc_settings_init fills in the defaults of
 * heat 19.0.0 / oslo.messaging 14.0.3. */
typedef struct {
    /* [DEFAULT] */
    const char *transport_url;    /* NULL or "" = "rabbit://" (guest:guest@localhost:5672/) */
    const char *control_exchange; /* "heat" (heat's set_transport_defaults) */
    int rpc_response_timeout;     /* seconds, 60 */
    const char *topic;            /* "engine" (heat.rpc.api.ENGINE_TOPIC; not an option) */
    /* [oslo_messaging_rabbit]; the transport_url's query may override each of these */
    int ssl;
    const char *ssl_version;      /* "" = default; tlsv1, tlsv1_1, tlsv1_2, sslv23 */
    const char *ssl_key_file;
    const char *ssl_cert_file;
    const char *ssl_ca_file;
    int ssl_enforce_hostname_verification;
    int heartbeat_timeout_threshold; /* 60; 0 disables heartbeats */
    int heartbeat_rate;              /* 2; accepted for parity, librabbitmq paces itself */
    double kombu_reconnect_delay;    /* 1.0; accepted, no effect (no sleep before reconnecting) */
    const char *kombu_compression;   /* NULL; anything else is refused (replies would be
                                      * compressed and mod_heat does not decompress) */
    const char *kombu_failover_strategy; /* "round-robin"; "shuffle" accepted, hosts are
                                          * tried in order either way */
    const char *rabbit_login_method; /* "AMQPLAIN"; PLAIN, AMQPLAIN (same credentials), EXTERNAL */
    int rabbit_retry_interval;       /* 1 s   fail-fast window after all hosts failed, */
    int rabbit_retry_backoff;        /* 2 s   growing by this per further failed pass, */
    int rabbit_interval_max;         /* 30 s  up to this */
    int rabbit_ha_queues;            /* false: reply queue gets x-ha-policy: all */
    int rabbit_quorum_queue;         /* false: forces a durable exchange (as the engine's) */
    int rabbit_transient_queues_ttl; /* 1800 s: reply queue x-expires */
    int amqp_durable_queues;         /* false: exchange durable flag */
    int amqp_auto_delete;            /* false: exchange auto_delete flag */
    int enable_cancel_on_failover;   /* false */
    int rpc_conn_pool_size;          /* 30: most connections per process */
    int conn_pool_ttl;               /* 1200 s: idle pooled connections are closed after this */
} heat_rpc_settings_t;

void heat_rpc_settings_init(heat_rpc_settings_t *s);

typedef struct {
    heat_amqp_conf_t amqp;
    const char *topic;            /* routing key of requests */
    apr_interval_time_t timeout;  /* rpc_response_timeout */
    int pool_max;
    apr_interval_time_t pool_ttl;
    apr_interval_time_t pool_wait; /* longest wait for a free pooled connection (HEAT_RPC_POOL_WAIT) */
} heat_rpc_conf_t;

/* With all rpc_conn_pool_size connections of a process taken, a request waits this long (or
 * rpc_response_timeout, if shorter) for one and then gets HEAT_RPC_BUSY: heat-engine is slower
 * than the load, and a longer wait would only hold an Apache worker (mpm_event closes kept-alive
 * connections when it has no idle worker) and push answers past the clients' timeouts. */
#define HEAT_RPC_POOL_WAIT apr_time_from_sec(2)

/* Validates the settings and the transport_url (applying the URL's query overrides like
 * oslo's ConfigOptsProxy). NULL, or an error naming the option, e.g.
 * "[DEFAULT] transport_url: no host after '@' (rabbit://heat:***@/heat)". */
const char *heat_rpc_conf_make(apr_pool_t *p, const heat_rpc_settings_t *in, heat_rpc_conf_t **out);

/* The largest request body sent to the broker (RabbitMQ refuses more than 128 MiB by default).
 * A bigger request is not sent: the call returns HEAT_RPC_REMOTE_FAILURE with the failure of
 * heat's RequestLimitExceeded (heat.common.exception), which the APIs answer with 400; so is a
 * message the broker refuses for its size (406 PRECONDITION_FAILED), never retried. */
#define HEAT_RPC_MAX_MESSAGE (16u * 1024 * 1024)

/* ---- calling ---------------------------------------------------------------------------- */

typedef struct heat_rpc_pool_t heat_rpc_pool_t;

/* In child_init, before the worker threads start: conf must live as long as pchild. No
 * connection is opened here. When heartbeats are on, a small thread expires idle connections
 * before the broker drops them (see heat_rpc.c); pchild's cleanup stops it. */
apr_status_t heat_rpc_pool_create(apr_pool_t *pchild, const heat_rpc_conf_t *conf,
                                  heat_rpc_pool_t **out);

typedef enum {
    HEAT_RPC_OK = 0,         /* result holds the engine's return value */
    HEAT_RPC_REMOTE_FAILURE, /* the engine raised: failure holds the decoded exception */
    HEAT_RPC_TIMEOUT,        /* no reply in time (oslo's MessagingTimeout), including when
                              * the connection died after the request was sent */
    HEAT_RPC_UNREACHABLE,    /* nothing was sent: no broker reachable (fast: every host is
                              * tried once, then attempts fail at once for a growing window),
                              * or the request was invalid */
    HEAT_RPC_BUSY            /* nothing was sent: every pooled connection of the process stayed
                              * taken for conf->pool_wait (overload: the APIs answer 503) */
} heat_rpc_outcome_t;

/* An engine exception as it travels (oslo serialize_remote_exception). */
typedef struct {
    const char *cls;       /* "StackExists"; "" if absent. Never with "_Remote" on the wire */
    const char *module;    /* "heat.common.exception", "builtins", "oslo_messaging.rpc.dispatcher" */
    const char *message;   /* str(exc) on the engine */
    json_t *args;          /* array (pool-owned, never NULL) */
    json_t *kwargs;        /* object (pool-owned, never NULL) */
    json_t *tb;            /* array of traceback chunks, each ending in "\n" (never NULL) */
    const char *traceback; /* "\n".join(tb), the part oslo appends to the message */
} heat_rpc_failure_t;

typedef struct {
    heat_rpc_outcome_t outcome;
    json_t *result;             /* OK: the result, JSON null for None (pool-owned); else NULL */
    heat_rpc_failure_t failure; /* REMOTE_FAILURE */
    const char *error;          /* TIMEOUT/UNREACHABLE: a message for logs, e.g. oslo's
                                 * "Timed out waiting for a reply to message ID <id>" */
    const char *msg_id;         /* calls: the request's _msg_id */
} heat_rpc_reply_t;

/* Sends method(args) to the engine and waits for the reply. context: the RequestContext dict
 * (borrowed, only read; its values gain references while the message is built, so it should
 * be the request's own, not shared with other threads); args: a JSON object, stolen (NULL = {}); version: "1.36"..., NULL = "1.0" (heat's
 * BASE_RPC_API_VERSION); timeout 0 = rpc_response_timeout. Everything in reply lives in p.
 * Returns reply->outcome. */
heat_rpc_outcome_t heat_rpc_call(heat_rpc_pool_t *rp, apr_pool_t *p, const json_t *context,
                                 const char *method, json_t *args, const char *version,
                                 apr_interval_time_t timeout, heat_rpc_reply_t *reply);

/* Fire and forget (oslo cast): OK once the broker confirmed the message. */
heat_rpc_outcome_t heat_rpc_cast(heat_rpc_pool_t *rp, apr_pool_t *p, const json_t *context,
                                 const char *method, json_t *args, const char *version,
                                 heat_rpc_reply_t *reply);

/* ---- pure functions (no I/O) ------------------------------------------------------------ */

/* 32 lowercase hex digits of a fresh uuid4, as Python's uuid.uuid4().hex. */
char *heat_rpc_uuid_hex(apr_pool_t *p);

/* The ids of one request; msg_id and reply_q NULL for a cast. */
typedef struct {
    const char *msg_id;
    const char *reply_q;
    const char *unique_id;
} heat_rpc_ids_t;

/* The request body, byte for byte as oslo.messaging writes it: envelope 2.0
 * {"oslo.version": "2.0", "oslo.message": "<inner JSON>"} with the inner keys method, args,
 * version, [_msg_id, _reply_q, _timeout: null,] _unique_id, then _context_<key> for every
 * context key in its order. args is stolen. NULL on success with *body set, else an error. */
const char *heat_rpc_message_build(apr_pool_t *p, const json_t *context, const char *method,
                                   json_t *args, const char *version, const heat_rpc_ids_t *ids,
                                   char **body);

/* The error heat_rpc_message_build returns (this pointer) for a body over HEAT_RPC_MAX_MESSAGE;
 * it stops measuring there, so an oversize body is never built. */
extern const char heat_rpc_too_large[];

/* The "expiration" property of a call: the timeout in milliseconds as a decimal string. */
const char *heat_rpc_expiration(apr_pool_t *p, apr_interval_time_t timeout);

/* One message from the reply queue, decoded (envelope 2.0, or an un-enveloped dict as
 * oslo's deserialize_msg accepts). */
typedef struct {
    const char *msg_id;    /* NULL if absent */
    const char *unique_id; /* NULL if absent */
    json_t *result;        /* NULL when absent or null */
    int failed;            /* "failure" was not null */
    heat_rpc_failure_t failure;
    int ending;
} heat_rpc_incoming_t;

/* NULL, or why the body is not a reply. JSON values are owned by p. */
const char *heat_rpc_reply_parse(apr_pool_t *p, const char *body, apr_size_t len,
                                 heat_rpc_incoming_t *out);

/* Decodes a "failure" value: the JSON string oslo sends (or, liberally, an object). */
const char *heat_rpc_failure_decode(apr_pool_t *p, const json_t *failure, heat_rpc_failure_t *out);

/* The last 16 _unique_id values seen on a reply queue (oslo's _MsgIdCache). */
typedef struct {
    char ids[16][33];
    unsigned next;
} heat_rpc_dedup_t;

/* Waits for the reply to one msg_id, fed message by message (ReplyWaiter.wait in
 * oslo_messaging/_drivers/amqpdriver.py): other msg_ids (late replies to timed-out calls) and
 * repeated _unique_ids are dropped; a failure or non-null result is kept; "ending": true
 * finishes; "ending": false without a result is a call-monitor heartbeat. */
typedef struct {
    apr_pool_t *p;
    const char *msg_id;
    heat_rpc_dedup_t *dedup;
    int done;
    int have_final;
    heat_rpc_incoming_t final;
    unsigned stale;      /* dropped: other msg_id */
    unsigned duplicates; /* dropped: repeated _unique_id */
    unsigned heartbeats;
    unsigned garbage;    /* dropped: not a reply */
} heat_rpc_waiter_t;

void heat_rpc_waiter_init(heat_rpc_waiter_t *w, apr_pool_t *p, const char *msg_id,
                          heat_rpc_dedup_t *dedup);
/* Returns w->done. Matches heat_amqp_delivery_fn (baton = the waiter). */
int heat_rpc_waiter_feed(void *waiter, const char *body, apr_size_t len);
/* After done: sets reply->outcome OK or REMOTE_FAILURE and the result or failure. */
void heat_rpc_waiter_finish(const heat_rpc_waiter_t *w, heat_rpc_reply_t *reply);

#endif
