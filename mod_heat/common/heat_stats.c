/* heat_stats.c: counters and histograms in a block shared by the children (heat_stats.h). */
#include "heat_stats.h"

#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <stdio.h>
#include <string.h>

#define HEAT_STATS_MAGIC 0x48535432u /* "HST2": changes when the slot layout does */

struct heat_stats_t {
    apr_uint32_t magic;
    apr_uint32_t nslots;
    apr_uint32_t slot_size;
    apr_uint32_t pad;
    heat_stats_slot_t slots[]; /* nslots + 1 */
};

const double heat_stats_bucket_bounds[HEAT_STATS_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                             0.5,   1,    2.5,   5,    10};

#define REQ_NATIVE(cls)                                                                        \
    {"RequestsNative" cls, "heat_api_requests_total", "api=\"native\",code_class=\"" cls "\"",  \
     "Requests answered by mod_heat, by API and status class"}
#define REQ_CFN(cls)                                                                           \
    {"RequestsCfn" cls, "heat_api_requests_total", "api=\"cfn\",code_class=\"" cls "\"",       \
     "Requests answered by mod_heat, by API and status class"}
#define RPC(key, outcome)                                                                      \
    {"RpcCalls" key, "heat_rpc_calls_total", "outcome=\"" outcome "\"",                        \
     "RPC calls and casts to heat-engine, by outcome"}
#define CACHE(key, result)                                                                     \
    {"TokenCache" key, "heat_token_cache_lookups_total", "result=\"" result "\"",              \
     "Keystone token cache lookups, by result"}
#define KS(key, result)                                                                        \
    {"KeystoneRequests" key, "heat_keystone_requests_total", "result=\"" result "\"",          \
     "HTTP requests to Keystone: answered (any status) or failed (no answer)"}

const heat_stats_desc_t heat_stats_counter_desc[HEAT_STAT_COUNTERS] = {
    REQ_NATIVE("1xx"), REQ_NATIVE("2xx"), REQ_NATIVE("3xx"), REQ_NATIVE("4xx"), REQ_NATIVE("5xx"),
    REQ_CFN("1xx"), REQ_CFN("2xx"), REQ_CFN("3xx"), REQ_CFN("4xx"), REQ_CFN("5xx"),
    RPC("Ok", "ok"), RPC("Error", "error"), RPC("Timeout", "timeout"),
    RPC("Unreachable", "unreachable"), RPC("Busy", "busy"),
    {"BrokerConnects", "heat_rpc_broker_connects_total", NULL,
     "AMQP connections opened to the broker"},
    {"BrokerReconnects", "heat_rpc_broker_reconnects_total", NULL,
     "AMQP connections opened again after a pooled connection died or idled out"},
    CACHE("Hits", "hit"), CACHE("Misses", "miss"), CACHE("NegativeHits", "negative_hit"),
    KS("Ok", "answered"), KS("Failed", "failed"),
    {"Ec2tokensCalls", "heat_keystone_ec2tokens_total", NULL,
     "POST /v3/ec2tokens requests for signed CFN requests"},
};

const heat_stats_desc_t heat_stats_gauge_desc[HEAT_GAUGES] = {
    {"RpcPoolConnections", "heat_rpc_pool_connections", NULL,
     "AMQP connections in the children's RPC pools"},
    {"RpcPoolInUse", "heat_rpc_pool_connections_in_use", NULL,
     "AMQP connections taken by a request now"},
};

const heat_stats_desc_t heat_stats_hist_desc[HEAT_HISTS] = {
    {"RpcDuration", "heat_rpc_call_duration_seconds", NULL,
     "Time of RPC calls and casts to heat-engine, whatever the outcome"},
    {"KeystoneDuration", "heat_keystone_request_duration_seconds", NULL,
     "Time of HTTP requests to Keystone"},
};

/* The process's slot. Set in child_init before threads start (or once later, by one pointer
 * store); read without a lock on the request path. */
static heat_stats_slot_t *volatile current;
static int current_known;

apr_size_t heat_stats_size(int nslots)
{
    return sizeof(heat_stats_t) + (apr_size_t)(nslots + 1) * sizeof(heat_stats_slot_t);
}

heat_stats_t *heat_stats_init(void *mem, apr_size_t size, int nslots)
{
    heat_stats_t *st = mem;

    if (!mem || nslots < 1 || size < heat_stats_size(nslots))
        return NULL;
    if (st->magic == HEAT_STATS_MAGIC && st->nslots == (apr_uint32_t)nslots
        && st->slot_size == sizeof(heat_stats_slot_t))
        return st;
    memset(mem, 0, heat_stats_size(nslots));
    st->nslots = (apr_uint32_t)nslots;
    st->slot_size = sizeof(heat_stats_slot_t);
    st->magic = HEAT_STATS_MAGIC;
    return st;
}

int heat_stats_nslots(const heat_stats_t *st)
{
    return st ? (int)st->nslots : 0;
}

void heat_stats_attach(heat_stats_t *st, int slot)
{
    if (!st) {
        current = NULL;
        current_known = 0;
        return;
    }
    current_known = slot >= 0 && slot < (int)st->nslots;
    if (current_known) {
        /* a process slot is reused only once its previous child has gone, and with it that
         * child's connections; the extra slot is shared and keeps its gauges */
        int i;
        for (i = 0; i < HEAT_GAUGES; i++)
            apr_atomic_set32(&st->slots[slot].gauge[i], 0);
    }
    current = &st->slots[current_known ? slot : (int)st->nslots];
}

int heat_stats_slot_known(void)
{
    return current_known;
}

void heat_stats_reattach(heat_stats_t *st, int slot)
{
    /* one thread resets the slot's gauges and moves the pointer; a second reset after another
     * thread had counted into the slot would lose its increment */
    static volatile apr_uint32_t moving;
    if (apr_atomic_cas32(&moving, 1, 0) == 0)
        heat_stats_attach(st, slot);
}

static void add_slot(heat_stats_slot_t *out, heat_stats_slot_t *in)
{
    int i, b;

    for (i = 0; i < HEAT_STAT_COUNTERS; i++)
        out->counter[i] += apr_atomic_read64(&in->counter[i]);
    for (i = 0; i < HEAT_GAUGES; i++)
        out->gauge[i] += apr_atomic_read32(&in->gauge[i]);
    for (i = 0; i < HEAT_HISTS; i++) {
        for (b = 0; b <= HEAT_STATS_BUCKETS; b++)
            out->hist[i].bucket[b] += apr_atomic_read64(&in->hist[i].bucket[b]);
        out->hist[i].sum_us += apr_atomic_read64(&in->hist[i].sum_us);
    }
}

void heat_stats_read(const heat_stats_t *st, int slot, heat_stats_slot_t *out)
{
    /* apr_atomic_read* take non-const pointers; nothing is written */
    heat_stats_t *w = (heat_stats_t *)st;
    int i;

    memset(out, 0, sizeof(*out));
    if (!st)
        return;
    if (slot >= 0) {
        if (slot <= (int)st->nslots)
            add_slot(out, &w->slots[slot]);
        return;
    }
    for (i = 0; i <= (int)st->nslots; i++)
        add_slot(out, &w->slots[i]);
}

apr_uint64_t heat_stats_hist_count(const heat_stats_hist_t *h)
{
    apr_uint64_t n = 0;
    int b;
    for (b = 0; b <= HEAT_STATS_BUCKETS; b++)
        n += h->bucket[b];
    return n;
}

int heat_stats_any(const heat_stats_slot_t *s)
{
    int i;
    for (i = 0; i < HEAT_STAT_COUNTERS; i++)
        if (s->counter[i])
            return 1;
    for (i = 0; i < HEAT_HISTS; i++)
        if (heat_stats_hist_count(&s->hist[i]))
            return 1;
    return 0;
}

double heat_stats_quantile(const heat_stats_hist_t *h, double q)
{
    apr_uint64_t total = heat_stats_hist_count(h), seen = 0;
    double rank, lower = 0;
    int b;

    if (total == 0)
        return 0;
    rank = q * (double)total;
    for (b = 0; b < HEAT_STATS_BUCKETS; b++) {
        if ((double)(seen + h->bucket[b]) >= rank && h->bucket[b] > 0) {
            double upper = heat_stats_bucket_bounds[b];
            return lower + (upper - lower) * ((rank - (double)seen) / (double)h->bucket[b]);
        }
        seen += h->bucket[b];
        lower = heat_stats_bucket_bounds[b];
    }
    return heat_stats_bucket_bounds[HEAT_STATS_BUCKETS - 1];
}

/* ---- text forms ---- */

/* snprintf, not apr_psprintf: APR's %g drops the leading zero (".02"), which Prometheus'
 * parsers accept but humans and ?auto readers may not. */
static const char *fmt_seconds(apr_pool_t *p, double v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%.6g", v);
    return apr_pstrdup(p, buf);
}

const char *heat_stats_render_auto(apr_pool_t *p, const heat_stats_slot_t *s, const char *prefix)
{
    apr_array_header_t *out = apr_array_make(p, 64, sizeof(const char *));
    int i;

    for (i = 0; i < HEAT_STAT_COUNTERS; i++)
        APR_ARRAY_PUSH(out, const char *) =
            apr_psprintf(p, "Heat%s%s: %" APR_UINT64_T_FMT "\n", prefix,
                         heat_stats_counter_desc[i].key, s->counter[i]);
    for (i = 0; i < HEAT_GAUGES; i++)
        APR_ARRAY_PUSH(out, const char *) = apr_psprintf(
            p, "Heat%s%s: %d\n", prefix, heat_stats_gauge_desc[i].key, (int)(apr_int32_t)s->gauge[i]);
    for (i = 0; i < HEAT_HISTS; i++) {
        const heat_stats_hist_t *h = &s->hist[i];
        const char *k = heat_stats_hist_desc[i].key;
        APR_ARRAY_PUSH(out, const char *) = apr_psprintf(
            p, "Heat%s%sCount: %" APR_UINT64_T_FMT "\nHeat%s%sSum: %s\n"
               "Heat%s%sP50: %s\nHeat%s%sP99: %s\n",
            prefix, k, heat_stats_hist_count(h), prefix, k, fmt_seconds(p, (double)h->sum_us / 1e6),
            prefix, k, fmt_seconds(p, heat_stats_quantile(h, 0.5)), prefix, k,
            fmt_seconds(p, heat_stats_quantile(h, 0.99)));
    }
    return apr_array_pstrcat(p, out, 0);
}

static void family_head(apr_array_header_t *out, apr_pool_t *p, const heat_stats_desc_t *d,
                        const char *type)
{
    APR_ARRAY_PUSH(out, const char *) =
        apr_psprintf(p, "# HELP %s %s.\n# TYPE %s %s\n", d->family, d->help, d->family, type);
}

const char *heat_stats_render_prometheus(apr_pool_t *p, const heat_stats_slot_t *s)
{
    apr_array_header_t *out = apr_array_make(p, 128, sizeof(const char *));
    int i, b;

    for (i = 0; i < HEAT_STAT_COUNTERS; i++) {
        const heat_stats_desc_t *d = &heat_stats_counter_desc[i];
        /* rows of one family are adjacent in the table: one HELP/TYPE per family */
        if (i == 0 || strcmp(heat_stats_counter_desc[i - 1].family, d->family) != 0)
            family_head(out, p, d, "counter");
        APR_ARRAY_PUSH(out, const char *) =
            apr_psprintf(p, "%s%s%s%s %" APR_UINT64_T_FMT "\n", d->family, d->labels ? "{" : "",
                         d->labels ? d->labels : "", d->labels ? "}" : "", s->counter[i]);
    }
    for (i = 0; i < HEAT_GAUGES; i++) {
        const heat_stats_desc_t *d = &heat_stats_gauge_desc[i];
        family_head(out, p, d, "gauge");
        APR_ARRAY_PUSH(out, const char *) =
            apr_psprintf(p, "%s %d\n", d->family, (int)(apr_int32_t)s->gauge[i]);
    }
    for (i = 0; i < HEAT_HISTS; i++) {
        const heat_stats_desc_t *d = &heat_stats_hist_desc[i];
        const heat_stats_hist_t *h = &s->hist[i];
        apr_uint64_t cum = 0;
        family_head(out, p, d, "histogram");
        for (b = 0; b < HEAT_STATS_BUCKETS; b++) {
            cum += h->bucket[b];
            APR_ARRAY_PUSH(out, const char *) =
                apr_psprintf(p, "%s_bucket{le=\"%s\"} %" APR_UINT64_T_FMT "\n", d->family,
                             fmt_seconds(p, heat_stats_bucket_bounds[b]), cum);
        }
        cum += h->bucket[HEAT_STATS_BUCKETS];
        APR_ARRAY_PUSH(out, const char *) =
            apr_psprintf(p, "%s_bucket{le=\"+Inf\"} %" APR_UINT64_T_FMT "\n%s_sum %s\n"
                            "%s_count %" APR_UINT64_T_FMT "\n",
                         d->family, cum, d->family, fmt_seconds(p, (double)h->sum_us / 1e6),
                         d->family, cum);
    }
    return apr_array_pstrcat(p, out, 0);
}

/* ---- events ---- */

void heat_stats_count(heat_stat_t which)
{
    heat_stats_slot_t *s = current;
    if (s && which < HEAT_STAT_COUNTERS)
        apr_atomic_inc64(&s->counter[which]);
}

void heat_stats_request(heat_stats_api_t api, int status)
{
    int cls = status / 100;
    if (cls < 1 || cls > 5)
        return;
    heat_stats_count((api == HEAT_STATS_API_CFN ? HEAT_STAT_REQ_CFN_1XX : HEAT_STAT_REQ_NATIVE_1XX)
                     + (cls - 1));
}

void heat_stats_gauge_add(heat_gauge_t which, int delta)
{
    heat_stats_slot_t *s = current;
    if (s && which < HEAT_GAUGES)
        apr_atomic_add32(&s->gauge[which], (apr_uint32_t)delta); /* modulo 2^32: -1 subtracts */
}

void heat_stats_observe(heat_hist_t which, apr_interval_time_t elapsed)
{
    heat_stats_slot_t *s = current;
    int b;

    if (!s || which >= HEAT_HISTS)
        return;
    if (elapsed < 0)
        elapsed = 0;
    for (b = 0; b < HEAT_STATS_BUCKETS; b++)
        if ((double)elapsed <= heat_stats_bucket_bounds[b] * 1e6)
            break;
    apr_atomic_inc64(&s->hist[which].bucket[b]);
    apr_atomic_add64(&s->hist[which].sum_us, (apr_uint64_t)elapsed);
}

void heat_stats_broker_connect(int used_before)
{
    heat_stats_count(HEAT_STAT_BROKER_CONNECTS);
    if (used_before)
        heat_stats_count(HEAT_STAT_BROKER_RECONNECTS);
}

void heat_stats_keystone(apr_interval_time_t elapsed, int answered)
{
    heat_stats_count(answered ? HEAT_STAT_KEYSTONE_OK : HEAT_STAT_KEYSTONE_ERROR);
    heat_stats_observe(HEAT_HIST_KEYSTONE, elapsed);
}

/* What a request's pool remembers of its RPC calls, for the access log. */
typedef struct {
    const char *methods;
    apr_interval_time_t total;
} rpc_note_t;

#define RPC_NOTE_KEY "heat_stats_rpc"

void heat_stats_rpc(apr_pool_t *p, const char *method, int outcome, apr_interval_time_t elapsed)
{
    void *data = NULL;
    rpc_note_t *n;

    if (outcome >= 0 && outcome <= 4)
        heat_stats_count(HEAT_STAT_RPC_OK + outcome);
    heat_stats_observe(HEAT_HIST_RPC, elapsed);
    if (!p || !method)
        return;
    apr_pool_userdata_get(&data, RPC_NOTE_KEY, p);
    n = data;
    if (!n) {
        n = apr_pcalloc(p, sizeof(*n));
        apr_pool_userdata_setn(n, RPC_NOTE_KEY, NULL, p);
    }
    n->methods = n->methods ? apr_pstrcat(p, n->methods, ",", method, NULL) : apr_pstrdup(p, method);
    n->total += elapsed;
}

int heat_stats_rpc_summary(apr_pool_t *p, const char **methods, apr_interval_time_t *total)
{
    void *data = NULL;
    const rpc_note_t *n;

    apr_pool_userdata_get(&data, RPC_NOTE_KEY, p);
    n = data;
    if (!n)
        return 0;
    *methods = n->methods;
    *total = n->total;
    return 1;
}
