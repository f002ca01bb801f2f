/* heat_profiler.h: osprofiler 3.4.3's WsgiMiddleware on heat's default pipelines (heat-api and
 * heat-api-cfn): with [profiler] enabled, a request whose X-Trace-Info is signed (X-Trace-HMAC)
 * with one of [profiler] hmac_keys carries its trace into the RPC context as the "trace_info"
 * key heat's RequestContextSerializer adds. A missing, unsigned or badly signed trace is
 * ignored, as osprofiler ignores it.
 *
 * mod_heat emits no spans of its own: the parent_id handed to heat-engine is the caller's
 * span (heat-api would hand the id of its own "wsgi" span, which it reports to the
 * profiler's collector), so the engine's spans hang directly under the caller's. */
#ifndef HEAT_PROFILER_H
#define HEAT_PROFILER_H

#include <apr_pools.h>
#include <jansson.h>

typedef struct {
    int enabled;           /* [profiler] enabled */
    const char *hmac_keys; /* [profiler] hmac_keys: comma-separated, secret (never logged) */
} heat_profiler_conf_t;

/* {"hmac_key": <the key that signed it>, "base_id": ..., "parent_id": ...} for a request whose
 * X-Trace-Info (trace) and X-Trace-HMAC (hmac) are valid, pool-owned; NULL otherwise (profiler
 * off, a header missing, no key matches, the payload not a JSON object of base_id and an
 * optional parent_id). */
json_t *heat_profiler_trace_info(apr_pool_t *p, const heat_profiler_conf_t *pc, const char *trace,
                                 const char *hmac);

#endif
