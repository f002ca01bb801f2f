/* mod_heat_metrics.c: counters shared by the children, shown by mod_status (ExtendedStatus
 * On) and by the heat-metrics handler; access-log notes.
 *
 * The block (common/heat_stats.h) lives in anonymous shared memory allocated from the process
 * pool in the first real post_config, so every child forked later maps it and a graceful
 * restart keeps it (and its numbers: counters never go back, as Prometheus expects of them);
 * a full stop resets them. One slot per scoreboard process slot (ServerLimit, fixed across
 * restarts): a child counts into its own slot, so the status page shows each slot and the
 * total. A slot's numbers are those of every child that used the slot since the start. */
#include "mod_heat_metrics.h"
#include "mod_heat.h"

#include <ap_mpm.h>
#include <apr_optional_hooks.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_status.h>
#include <scoreboard.h>
#include <unistd.h>

#include "heat_stats.h"

#define SHM_KEY "mod_heat_stats_shm"

static heat_stats_t *stats;

/* This child's scoreboard process slot, -1 if not found. The parent records a child's pid
 * just after fork, so a child may look before it is there: child_init tries, then each
 * request until found (counts meanwhile go to the extra slot). */
static int own_slot(void)
{
    apr_proc_t proc;
    proc.pid = getpid();
    return ap_find_child_by_pid(&proc);
}

static int metrics_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    apr_pool_t *pproc = s->process->pool;
    apr_shm_t *shm = NULL;
    apr_status_t rv;
    int nslots = 0;
    apr_size_t size;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    /* the first pass only checks the configuration: no children follow it */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    if (ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &nslots) != APR_SUCCESS || nslots < 1)
        nslots = 1;
    size = heat_stats_size(nslots);
    apr_pool_userdata_get((void **)&shm, SHM_KEY, pproc);
    if (!shm || apr_shm_size_get(shm) < size) {
        rv = apr_shm_create(&shm, size, NULL, pproc);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, "HEAT1300: no shared memory for "
                         "mod_heat's counters (%" APR_SIZE_T_FMT " bytes): server-status and "
                         "heat-metrics show none", size);
            stats = NULL;
            return OK;
        }
        apr_pool_userdata_set(shm, SHM_KEY, apr_pool_cleanup_null, pproc);
    }
    stats = heat_stats_init(apr_shm_baseaddr_get(shm), apr_shm_size_get(shm), nslots);
    return OK;
}

static void metrics_child_init(apr_pool_t *pchild, server_rec *s)
{
    (void)pchild;
    (void)s;
    heat_stats_attach(stats, own_slot());
}

static heat_stats_api_t api_of(const char *handler, int *ours)
{
    *ours = handler && (strcmp(handler, HEAT_HANDLER_NATIVE) == 0
                        || strcmp(handler, HEAT_HANDLER_CFN) == 0);
    return *ours && strcmp(handler, HEAT_HANDLER_CFN) == 0 ? HEAT_STATS_API_CFN
                                                            : HEAT_STATS_API_NATIVE;
}

/* Before mod_log_config writes the line: the request counted, the RPC notes set. */
static int metrics_log_transaction(request_rec *r)
{
    const char *methods;
    apr_interval_time_t engine;
    int ours;
    heat_stats_api_t api = api_of(r->handler, &ours);

    if (!ours)
        return DECLINED;
    if (stats && !heat_stats_slot_known()) {
        int slot = own_slot();
        if (slot >= 0)
            heat_stats_reattach(stats, slot);
    }
    heat_stats_request(api, r->status);
    if (heat_stats_rpc_summary(r->pool, &methods, &engine)) {
        apr_table_setn(r->notes, "heat-rpc-method", methods);
        apr_table_setn(r->notes, "heat-engine-time-us",
                       apr_psprintf(r->pool, "%" APR_TIME_T_FMT, (apr_time_t)engine));
    }
    return DECLINED;
}

void heat_metrics_identity(request_rec *r, const char *user_id, const char *project_id)
{
    if (user_id && *user_id)
        r->user = apr_pstrdup(r->pool, user_id);
    if (project_id && *project_id)
        apr_table_setn(r->notes, "heat-project-id", apr_pstrdup(r->pool, project_id));
}

/* ---- mod_status ---- */

static void status_html_row(request_rec *r, const char *name, const char *const *cells, int ncells)
{
    int i;
    ap_rprintf(r, "<tr><th align=\"left\">%s</th>", ap_escape_html(r->pool, name));
    for (i = 0; i < ncells; i++)
        ap_rprintf(r, "<td align=\"right\">%s</td>", cells[i]);
    ap_rputs("</tr>\n", r);
}

/* Columns: the total, then each slot that has counted anything (the extra slot last). */
static void status_html(request_rec *r, const heat_stats_slot_t *snap, const int *slots, int n)
{
    const char **cells = apr_pcalloc(r->pool, (apr_size_t)n * sizeof(*cells));
    int i, c;

    ap_rputs("<hr /><h2>mod_heat</h2>\n<table border=\"1\"><tr><th>Metric</th>", r);
    for (c = 0; c < n; c++) {
        if (c == 0)
            ap_rputs("<th>Total</th>", r);
        else if (slots[c] == heat_stats_nslots(stats))
            ap_rputs("<th>Slot not yet known</th>", r);
        else
            ap_rprintf(r, "<th>Child %d (pid %" APR_PID_T_FMT ")</th>", slots[c],
                       ap_get_scoreboard_process(slots[c])->pid);
    }
    ap_rputs("</tr>\n", r);
    for (i = 0; i < HEAT_STAT_COUNTERS; i++) {
        for (c = 0; c < n; c++)
            cells[c] = apr_psprintf(r->pool, "%" APR_UINT64_T_FMT, snap[c].counter[i]);
        status_html_row(r, heat_stats_counter_desc[i].key, cells, n);
    }
    for (i = 0; i < HEAT_GAUGES; i++) {
        for (c = 0; c < n; c++)
            cells[c] = apr_psprintf(r->pool, "%d", (int)(apr_int32_t)snap[c].gauge[i]);
        status_html_row(r, heat_stats_gauge_desc[i].key, cells, n);
    }
    for (i = 0; i < HEAT_HISTS; i++) {
        const char *k = heat_stats_hist_desc[i].key;
        for (c = 0; c < n; c++)
            cells[c] = apr_psprintf(r->pool, "%" APR_UINT64_T_FMT, heat_stats_hist_count(&snap[c].hist[i]));
        status_html_row(r, apr_pstrcat(r->pool, k, "Count", NULL), cells, n);
        for (c = 0; c < n; c++)
            cells[c] = apr_psprintf(r->pool, "%.1f ms", 1000 * heat_stats_quantile(&snap[c].hist[i], 0.5));
        status_html_row(r, apr_pstrcat(r->pool, k, "P50", NULL), cells, n);
        for (c = 0; c < n; c++)
            cells[c] = apr_psprintf(r->pool, "%.1f ms", 1000 * heat_stats_quantile(&snap[c].hist[i], 0.99));
        status_html_row(r, apr_pstrcat(r->pool, k, "P99", NULL), cells, n);
    }
    ap_rputs("</table>\n", r);
}

static int status_hook(request_rec *r, int flags)
{
    int nslots = heat_stats_nslots(stats), n = 1, i;
    heat_stats_slot_t *snap;
    int *slots;

    if (!stats || !ap_extended_status)
        return OK;
    snap = apr_pcalloc(r->pool, (apr_size_t)(nslots + 2) * sizeof(*snap));
    slots = apr_pcalloc(r->pool, (apr_size_t)(nslots + 2) * sizeof(*slots));
    heat_stats_read(stats, -1, &snap[0]);
    slots[0] = -1;
    for (i = 0; i <= nslots; i++) {
        heat_stats_read(stats, i, &snap[n]);
        if (heat_stats_any(&snap[n]))
            slots[n++] = i;
    }
    if (flags & AP_STATUS_SHORT) {
        ap_rputs(heat_stats_render_auto(r->pool, &snap[0], ""), r);
        for (i = 1; i < n; i++)
            ap_rputs(heat_stats_render_auto(r->pool, &snap[i],
                                            slots[i] == nslots ? "ChildUnknown"
                                                : apr_psprintf(r->pool, "Child%d", slots[i])), r);
        return OK;
    }
    status_html(r, snap, slots, n);
    return OK;
}

/* ---- SetHandler heat-metrics ---- */

static int metrics_handler(request_rec *r)
{
    heat_stats_slot_t total;
    const char *body;

    if (!r->handler || strcmp(r->handler, HEAT_HANDLER_METRICS) != 0)
        return DECLINED;
    ap_allow_methods(r, REPLACE_ALLOW, "GET", NULL); /* Allow: GET, HEAD (with a 405) */
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    if (!stats) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "HEAT1301: heat-metrics: no counters "
                      "(no shared memory at startup: see the warning then)");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    heat_stats_read(stats, -1, &total);
    body = heat_stats_render_prometheus(r->pool, &total);
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    ap_set_content_length(r, (apr_off_t)strlen(body));
    if (!r->header_only)
        ap_rputs(body, r);
    return OK;
}

void heat_metrics_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(metrics_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* first: the slot is set before any child_init opens connections */
    ap_hook_child_init(metrics_child_init, NULL, NULL, APR_HOOK_FIRST);
    /* before mod_log_config (APR_HOOK_MIDDLE), which reads the notes */
    ap_hook_log_transaction(metrics_log_transaction, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_handler(metrics_handler, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, status_hook, NULL, NULL, APR_HOOK_MIDDLE);
}
