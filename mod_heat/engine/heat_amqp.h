/* heat_amqp.h: the AMQP 0-9-1 side of the RPC client (librabbitmq 0.11). Parses oslo's
 * transport_url, and runs one connection's life cycle: connect with failover over the URL's
 * hosts, login, channel 1 with publisher confirms, the control exchange and a reply queue
 * declared exactly as oslo.messaging's rabbit driver (impl_rabbit.py) declares them,
 * publish-and-confirm, and reading deliveries from the reply queue with a deadline.
 *
 * A connection object is used by one thread at a time (heat_rpc.c hands them out from an
 * apr_reslist); nothing here is shared between threads except heat_amqp_health_t, which has
 * its own mutex. No httpd headers: this is core code (doc/architecture.md). */
#ifndef HEAT_AMQP_H
#define HEAT_AMQP_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

/* One host of a transport_url, as written (percent-decoded). */
typedef struct {
    const char *host;     /* IPv6 literal without brackets; NULL when empty */
    int port;             /* 0 when absent */
    const char *user;     /* NULL when absent */
    const char *password; /* NULL when absent */
} heat_amqp_host_t;

/* oslo.messaging's TransportURL.parse (oslo_messaging/transport.py) result. */
typedef struct {
    const char *scheme;        /* lowercased: "rabbit", "kombu", ... */
    apr_array_header_t *hosts; /* heat_amqp_host_t; empty items skipped, may be empty */
    const char *vhost;         /* percent-decoded path after the first '/'; NULL if no path */
    apr_table_t *query;        /* decoded key -> value; repeated keys joined with ','; keys
                                * with an empty value dropped (urllib's parse_qs) */
} heat_amqp_url_t;

/* Parses url as oslo does (TransportURL.parse, impl_rabbit.py). Returns NULL or an error text
 * (which never contains the password). */
const char *heat_amqp_url_parse(apr_pool_t *p, const char *url, heat_amqp_url_t **out);

/* The URL with every password replaced by "***", for logs and error messages. */
const char *heat_amqp_url_redact(apr_pool_t *p, const char *url);

/* Everything a connection needs, resolved from heat.conf and the URL by heat_rpc_conf_make. */
typedef struct {
    apr_array_header_t *hosts; /* heat_amqp_host_t with defaults applied (kombu's: guest/guest,
                                * port 5672, "localhost" -> 127.0.0.1); never empty */
    const char *vhost;         /* never NULL; "/" by default */
    const char *redacted_url;
    int sasl_external;         /* rabbit_login_method = EXTERNAL; else PLAIN (= AMQPLAIN) */
    /* TLS ([oslo_messaging_rabbit] ssl*) */
    int ssl;
    const char *ssl_ca_file;   /* NULL: the system CA bundle, peer verified (as Python does) */
    const char *ssl_cert_file;
    const char *ssl_key_file;
    int ssl_version;           /* 0 = library default, else an amqp_tls_version_t pinned */
    int ssl_verify_hostname;
    int heartbeat;             /* seconds asked of the broker (0 = off) */
    apr_interval_time_t connect_timeout; /* per host: TCP, TLS and AMQP handshake */
    /* the control exchange, declared before the first publish with the engine's flags */
    const char *exchange;
    int exchange_durable;
    int exchange_auto_delete;
    /* the reply queue's arguments */
    int reply_expires_ms;      /* x-expires; 0 = none */
    int ha_queues;             /* x-ha-policy: all */
    int cancel_on_failover;    /* consumer argument x-cancel-on-ha-failover */
    /* fail-fast window after every host failed (rabbit_retry_interval/backoff/interval_max) */
    apr_interval_time_t retry_interval;
    apr_interval_time_t retry_backoff;
    apr_interval_time_t retry_max;
} heat_amqp_conf_t;

/* Shared by all connections of a process: after a pass over all hosts failed, further
 * connection attempts fail at once until the window ends (no thread waits on a dead broker). */
typedef struct heat_amqp_health_t heat_amqp_health_t;
apr_status_t heat_amqp_health_create(apr_pool_t *p, const heat_amqp_conf_t *conf,
                                     heat_amqp_health_t **out);

typedef struct heat_amqp_conn_t heat_amqp_conn_t;

/* Called for every message read from the reply queue (already acked, like oslo does before
 * processing). body lives until the callback returns. Return nonzero when the waiter is
 * satisfied; heat_amqp_consume then returns. */
typedef int heat_amqp_delivery_fn(void *baton, const char *body, apr_size_t len);

/* An unconnected connection object in its own pool (own allocator, so that threads never share
 * an allocator); reply_queue is its fixed reply queue name, kept across reconnects so that a
 * reply published while the connection was down is still found. Freed by heat_amqp_conn_destroy. */
heat_amqp_conn_t *heat_amqp_conn_create(const heat_amqp_conf_t *conf, heat_amqp_health_t *health,
                                        const char *reply_queue);
void heat_amqp_conn_destroy(heat_amqp_conn_t *c);

const char *heat_amqp_conn_reply_queue(const heat_amqp_conn_t *c);
/* The object's own pool (same lifetime), for the caller's per-connection state. */
apr_pool_t *heat_amqp_conn_pool(const heat_amqp_conn_t *c);
/* host:port of the current connection, or NULL. */
const char *heat_amqp_conn_peer(const heat_amqp_conn_t *c);

/* Makes c usable: connects if it is not; if it is, checks it (reads what is pending, passing
 * stale deliveries to fn, which sees a closed socket or a broker's close), and reconnects when
 * it is dead or has been idle for a heartbeat interval (the broker may be about to drop it).
 * APR_SUCCESS, or an error with *err set (no broker reachable: every host was tried). */
apr_status_t heat_amqp_conn_ensure(heat_amqp_conn_t *c, apr_time_t deadline,
                                   heat_amqp_delivery_fn *fn, void *baton, const char **err);

/* Publishes body to exchange/routing_key with oslo's properties (content_type
 * application/json, content_encoding utf-8, empty headers, delivery_mode 2, priority 0, and
 * expiration when not NULL) and waits for the broker's confirm; deliveries arriving meanwhile
 * go to fn. APR_SUCCESS; APR_TIMEUP when the deadline passed first; APR_EAGAIN at once when
 * the broker blocks publishing (connection.blocked; the connection stays); HEAT_AMQP_EREFUSED
 * when the broker closed the channel with 406 PRECONDITION_FAILED for this message (for example
 * larger than its max_message_size): not worth sending again; another error (the connection is
 * then closed) when the connection broke or the broker refused (basic.nack). */
#define HEAT_AMQP_EREFUSED (APR_OS_START_USERERR + 406)
/* Whether the broker told c it blocks publishing (connection.blocked, a resource alarm) and
 * has not unblocked it yet. heat_amqp_conn_ensure reads pending frames, unblocked included. */
int heat_amqp_conn_blocked(const heat_amqp_conn_t *c);

apr_status_t heat_amqp_publish(heat_amqp_conn_t *c, const char *exchange, const char *routing_key,
                               const char *body, apr_size_t len, const char *expiration,
                               apr_time_t deadline, heat_amqp_delivery_fn *fn, void *baton,
                               const char **err);

/* Reads deliveries until fn returns nonzero (APR_SUCCESS), the deadline passes (APR_TIMEUP),
 * or the connection breaks (another error; the connection is then closed). */
apr_status_t heat_amqp_consume(heat_amqp_conn_t *c, apr_time_t deadline, heat_amqp_delivery_fn *fn,
                               void *baton, const char **err);

/* Closes the connection (gracefully when it was recently alive); the object stays usable. */
void heat_amqp_conn_close(heat_amqp_conn_t *c);

/* Counters for tests and logs. */
typedef struct {
    unsigned connects;   /* successful connection openings */
    unsigned failures;   /* failed openings and broken connections */
    unsigned deliveries; /* messages read from the reply queue */
} heat_amqp_stats_t;
void heat_amqp_conn_stats(const heat_amqp_conn_t *c, heat_amqp_stats_t *out);

#endif
