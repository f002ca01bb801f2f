/* heat_stats.h: mod_heat's counters and latency histograms, in one memory block the glue
 * shares between Apache's children (mod_heat_metrics.c: anonymous shared memory, one slot per
 * scoreboard process slot plus one for a child whose slot is not known yet). The request
 * path only does atomic adds on its child's slot: no lock. Readers sum the slots.
 *
 * The event hooks (heat_stats_request, heat_stats_rpc...) are one-line calls at the places
 * where the events happen; with no block attached (unit tests, a module without metrics) they
 * do nothing. Plain C: no httpd header. */
#ifndef HEAT_STATS_H
#define HEAT_STATS_H

#include <apr_pools.h>
#include <apr_time.h>

/* Counters, each one number per slot. The order is the output order (heat_stats_desc). */
typedef enum {
    HEAT_STAT_REQ_NATIVE_1XX,
    HEAT_STAT_REQ_NATIVE_2XX,
    HEAT_STAT_REQ_NATIVE_3XX,
    HEAT_STAT_REQ_NATIVE_4XX,
    HEAT_STAT_REQ_NATIVE_5XX,
    HEAT_STAT_REQ_CFN_1XX,
    HEAT_STAT_REQ_CFN_2XX,
    HEAT_STAT_REQ_CFN_3XX,
    HEAT_STAT_REQ_CFN_4XX,
    HEAT_STAT_REQ_CFN_5XX,
    HEAT_STAT_RPC_OK,          /* the engine answered with a result */
    HEAT_STAT_RPC_ERROR,       /* the engine answered with an exception */
    HEAT_STAT_RPC_TIMEOUT,     /* no answer in rpc_response_timeout */
    HEAT_STAT_RPC_UNREACHABLE, /* no broker, or the message could not be sent */
    HEAT_STAT_RPC_BUSY,        /* no pooled connection free in time: answered 503 (overload) */
    HEAT_STAT_BROKER_CONNECTS,   /* AMQP connections opened */
    HEAT_STAT_BROKER_RECONNECTS, /* of those, opened again after the connection was used */
    HEAT_STAT_CACHE_HIT,
    HEAT_STAT_CACHE_MISS,
    HEAT_STAT_CACHE_NEGATIVE_HIT, /* a token remembered as invalid (HeatInvalidTokenCacheTime) */
    HEAT_STAT_KEYSTONE_OK,        /* Keystone answered (any HTTP status) */
    HEAT_STAT_KEYSTONE_ERROR,     /* no answer: refused, unreachable, timeout, TLS */
    HEAT_STAT_EC2TOKENS,          /* POST /v3/ec2tokens sent */
    HEAT_STAT_COUNTERS
} heat_stat_t;

/* Gauges: current values per child, kept up and down by the RPC pool. */
typedef enum {
    HEAT_GAUGE_POOL_CONNECTIONS, /* AMQP connections in the children's pools */
    HEAT_GAUGE_POOL_IN_USE,      /* of those, taken by a request */
    HEAT_GAUGES
} heat_gauge_t;

typedef enum {
    HEAT_HIST_RPC,      /* heat_rpc_call_duration_seconds: call and cast, whatever the outcome */
    HEAT_HIST_KEYSTONE, /* heat_keystone_request_duration_seconds: each HTTP request to Keystone */
    HEAT_HISTS
} heat_hist_t;

/* Upper bounds of the buckets, in seconds (Prometheus' usual set); then +Inf. */
#define HEAT_STATS_BUCKETS 11
extern const double heat_stats_bucket_bounds[HEAT_STATS_BUCKETS];

typedef struct {
    apr_uint64_t bucket[HEAT_STATS_BUCKETS + 1]; /* not cumulative; the last is +Inf */
    apr_uint64_t sum_us;
} heat_stats_hist_t;

/* One child's numbers (or a total). In shared memory: updated with apr_atomic only. */
typedef struct {
    apr_uint64_t counter[HEAT_STAT_COUNTERS];
    apr_uint32_t gauge[HEAT_GAUGES]; /* read as signed: a decrement may briefly pass an increment */
    heat_stats_hist_t hist[HEAT_HISTS];
} heat_stats_slot_t;

/* The block: a header then nslots + 1 slots (the last: children whose slot is not known). */
typedef struct heat_stats_t heat_stats_t;

/* Bytes of a block of nslots slots. */
apr_size_t heat_stats_size(int nslots);
/* Prepares mem (size bytes) as a block of nslots slots. A block already prepared with the same
 * number of slots keeps its numbers (a graceful restart); anything else is zeroed. NULL if
 * size is too small. */
heat_stats_t *heat_stats_init(void *mem, apr_size_t size, int nslots);
int heat_stats_nslots(const heat_stats_t *st);

/* This process counts into slot (0..nslots-1, or -1: the extra slot) of st; st NULL: counts
 * nothing. Called in child_init before threads start, and again once the slot is known. */
void heat_stats_attach(heat_stats_t *st, int slot);
/* Whether this process counts into a known slot. */
int heat_stats_slot_known(void);
/* heat_stats_attach for the request path, once the slot is found: any number of threads may
 * call it, the first one moves the process to slot (later calls do nothing). */
void heat_stats_reattach(heat_stats_t *st, int slot);

/* A snapshot of one slot (0..nslots-1; nslots: the extra slot) or, with slot -1, of the sum
 * of all. */
void heat_stats_read(const heat_stats_t *st, int slot, heat_stats_slot_t *out);
/* Whether a snapshot has any counter or histogram above zero. */
int heat_stats_any(const heat_stats_slot_t *s);

/* The q-quantile (0 < q < 1) of a histogram in seconds, interpolated linearly within its
 * bucket as Prometheus' histogram_quantile does; the highest finite bound if it falls in
 * +Inf; 0 when empty. */
double heat_stats_quantile(const heat_stats_hist_t *h, double q);
apr_uint64_t heat_stats_hist_count(const heat_stats_hist_t *h);

/* Text forms of a snapshot, allocated in p.
 * auto: "HeatRpcCallsOk: 3\n" ... (mod_status' ?auto style); prefix is put after "Heat"
 * ("Child3" gives "HeatChild3RpcCallsOk"), "" for the total.
 * prometheus: the text exposition format (version 0.0.4), every metric with HELP and TYPE. */
const char *heat_stats_render_auto(apr_pool_t *p, const heat_stats_slot_t *s, const char *prefix);
const char *heat_stats_render_prometheus(apr_pool_t *p, const heat_stats_slot_t *s);

/* Descriptions, for the HTML table of the status page. */
typedef struct {
    const char *key;    /* the ?auto key after "Heat", e.g. "RequestsNative2xx" */
    const char *family; /* Prometheus metric, e.g. "heat_api_requests_total" */
    const char *labels; /* e.g. "api=\"native\",code_class=\"2xx\"", or NULL */
    const char *help;
} heat_stats_desc_t;
extern const heat_stats_desc_t heat_stats_counter_desc[HEAT_STAT_COUNTERS];
extern const heat_stats_desc_t heat_stats_gauge_desc[HEAT_GAUGES];
extern const heat_stats_desc_t heat_stats_hist_desc[HEAT_HISTS];

/* ---- events (no-ops without an attached block) ---- */

typedef enum { HEAT_STATS_API_NATIVE, HEAT_STATS_API_CFN } heat_stats_api_t;
/* One answered request of an API with its final HTTP status. */
void heat_stats_request(heat_stats_api_t api, int status);
void heat_stats_count(heat_stat_t which);
void heat_stats_gauge_add(heat_gauge_t which, int delta);
void heat_stats_observe(heat_hist_t which, apr_interval_time_t elapsed);
/* An AMQP connection opened; used_before: it had been open before (a reconnect). */
void heat_stats_broker_connect(int used_before);
/* One HTTP request to Keystone that took elapsed; answered: an HTTP answer came back. */
void heat_stats_keystone(apr_interval_time_t elapsed, int answered);

/* One RPC call or cast of a request: counted by outcome (heat_rpc_outcome_t's order: ok,
 * remote failure, timeout, unreachable, busy) and timed; method and time are also kept in p for
 * the access log (heat_stats_rpc_summary). */
void heat_stats_rpc(apr_pool_t *p, const char *method, int outcome, apr_interval_time_t elapsed);
/* The RPC methods a request called (comma-separated, in order) and their total time; 0 when
 * it called none. */
int heat_stats_rpc_summary(apr_pool_t *p, const char **methods, apr_interval_time_t *total);

#endif
