/* heat-rpc-bench: heat-engine's own ceiling for bench/run.sh. N threads make the same RPC call
 * that mod_heat makes for a request (list_stacks for case b, show_stack for case c), over the
 * core's RPC client (heat_rpc.c, heat_amqp.c), with the context a real request carries (built
 * by heat_context.c from the token's Keystone body, a new request id per call), for a fixed
 * time: no HTTP, no Keystone. What the engine answers here bounds what any API server on the
 * same engine can answer.
 *
 * Build: make tools (build/heat-rpc-bench, against the core's libheat.a)
 *
 * Usage:
 *   heat-rpc-bench --transport-url URL [--exchange NAME] --token-json FILE --auth-token-file FILE
 *                  [--auth-url URL] --method NAME [--args JSON] [--version X.Y]
 *                  [--concurrency N] [--duration SECONDS] [--warmup SECONDS] [--timeout SECONDS]
 *   --token-json: the validated Keystone v3 body {"token": {...}} (GET /v3/auth/tokens);
 *   --auth-token-file: the token itself (in a file, so that it is not on a command line).
 * Prints one line "BENCH_JSON {...}" in bench/wrk.lua's format (requests, duration_us, status =
 * calls that did not return a result, timeout, p50/p90/p99/max/mean in microseconds).
 * Exit status 0; 1 when no call succeeded; 64 usage error. */
#include "heat_context.h"
#include "heat_json.h"
#include "heat_log.h"
#include "heat_policy.h"
#include "heat_rpc.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    heat_rpc_pool_t *rp;
    const heat_policy_t *pol;
    const json_t *token;
    const char *auth_token, *auth_url, *method, *version;
    const json_t *args;
    apr_interval_time_t timeout;
    apr_time_t start, end;       /* calls started in [start, end) are counted */
    apr_int64_t *lat;            /* microseconds, malloc'd */
    apr_size_t n, cap;
    apr_size_t failed, timeouts;
} worker_t;

static void usage(const char *why)
{
    fprintf(stderr, "heat-rpc-bench: %s\n(see the comment at the top of test/tools/heat-rpc-bench.c)\n",
            why);
    exit(64);
}

static void log_stderr(void *baton, const char *file, int line, int level, const char *msg)
{
    (void)baton;
    fprintf(stderr, "[%d] %s:%d %s\n", level, file, line, msg);
}

static int log_quiet(void *baton, int level)
{
    (void)baton;
    return level <= HEAT_LOG_WARNING;
}

static char *read_text(apr_pool_t *p, const char *path)
{
    char *text;
    apr_size_t len;
    FILE *f = fopen(path, "rb");
    long size;

    if (!f)
        usage(apr_psprintf(p, "cannot open %s", path));
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = apr_palloc(p, (apr_size_t)size + 1);
    len = fread(text, 1, (apr_size_t)size, f);
    fclose(f);
    text[len] = '\0';
    /* a token file may end with a newline */
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    return text;
}

/* One request's worth: its own context (as mod_heat builds one per request) and one call. */
static void call_once(worker_t *w)
{
    apr_pool_t *p;
    heat_context_request_t req;
    heat_context_t *ctx;
    heat_rpc_reply_t reply;
    const char *err;
    apr_time_t t0 = apr_time_now(), t1;

    apr_pool_create(&p, NULL);
    memset(&req, 0, sizeof(req));
    req.auth_token = w->auth_token;
    req.token = w->token;
    req.auth_url = w->auth_url;
    if ((err = heat_context_from_token(&ctx, p, &req, w->pol, NULL)) != NULL) {
        fprintf(stderr, "heat-rpc-bench: context: %s\n", err);
        exit(1);
    }
    heat_rpc_call(w->rp, p, heat_context_to_dict(ctx, p), w->method, json_deep_copy(w->args), w->version,
                  w->timeout, &reply);
    t1 = apr_time_now();
    if (t0 >= w->start && t0 < w->end) {
        if (reply.outcome != HEAT_RPC_OK)
            w->failed++;
        if (reply.outcome == HEAT_RPC_TIMEOUT)
            w->timeouts++;
        if (w->n == w->cap) {
            w->cap = w->cap ? 2 * w->cap : 4096;
            w->lat = realloc(w->lat, w->cap * sizeof(*w->lat));
            if (!w->lat)
                abort();
        }
        w->lat[w->n++] = t1 - t0;
    }
    apr_pool_destroy(p);
}

static void *APR_THREAD_FUNC run_worker(apr_thread_t *t, void *data)
{
    worker_t *w = data;
    while (apr_time_now() < w->end)
        call_once(w);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    apr_int64_t x = *(const apr_int64_t *)a, y = *(const apr_int64_t *)b;
    return x < y ? -1 : x > y;
}

/* wrk's percentile: the value at rank ceil(q * n) */
static apr_int64_t percentile(const apr_int64_t *v, apr_size_t n, double q)
{
    apr_size_t i = (apr_size_t)(q * (double)n + 0.999999);
    if (!n)
        return 0;
    return v[i ? (i > n ? n - 1 : i - 1) : 0];
}

int main(int argc, char **argv)
{
    apr_pool_t *pool;
    heat_rpc_settings_t s;
    heat_rpc_conf_t *conf;
    heat_rpc_pool_t *rp;
    heat_policy_t *pol;
    heat_policy_options_t popts;
    const char *token_file = NULL, *auth_token_file = NULL, *args_text = "{}", *err, *method = NULL;
    const char *version = NULL, *auth_url = NULL;
    double duration = 10, warmup = 0, timeout = 60;
    int concurrency = 1, i;
    json_t *token, *args;
    json_error_t je;
    worker_t *ws;
    apr_thread_t **th;
    apr_time_t start, end;
    apr_int64_t *all, sum = 0;
    apr_size_t n = 0, failed = 0, timeouts = 0, k;

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);
    json_object_seed(0); /* once, before any object or thread (jansson's thread-safety notes) */
    heat_rpc_settings_init(&s);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (!strcmp(a, name) && (v ? (i++, 1) : (usage("missing value for " name), 0)))
        if (ARG("--transport-url"))
            s.transport_url = v;
        else if (ARG("--exchange"))
            s.control_exchange = v;
        else if (ARG("--token-json"))
            token_file = v;
        else if (ARG("--auth-token-file"))
            auth_token_file = v;
        else if (ARG("--auth-url"))
            auth_url = v;
        else if (ARG("--method"))
            method = v;
        else if (ARG("--args"))
            args_text = v;
        else if (ARG("--version"))
            version = v;
        else if (ARG("--concurrency"))
            concurrency = atoi(v);
        else if (ARG("--duration"))
            duration = atof(v);
        else if (ARG("--warmup"))
            warmup = atof(v);
        else if (ARG("--timeout"))
            timeout = atof(v);
        else
            usage(apr_psprintf(pool, "unknown argument %s", a));
#undef ARG
    }
    if (!method || !token_file || !auth_token_file)
        usage("--method, --token-json and --auth-token-file are required");
    if (concurrency < 1 || concurrency > 4096 || duration <= 0 || warmup < 0 || timeout <= 0)
        usage("--concurrency 1..4096, --duration > 0, --warmup >= 0, --timeout > 0");
    /* every thread may hold a connection at once: the pool must not be what limits */
    if (s.rpc_conn_pool_size < concurrency)
        s.rpc_conn_pool_size = concurrency;
    heat_log_set_callback(log_stderr, NULL);
    heat_log_set_level_check(log_quiet);
    if ((err = heat_rpc_conf_make(pool, &s, &conf)) != NULL)
        usage(err);
    token = heat_json_own(pool, json_load_file(token_file, 0, &je));
    if (!json_is_object(token))
        usage(apr_psprintf(pool, "%s: not a JSON object (%s)", token_file, je.text));
    args = heat_json_own(pool, json_loads(args_text, 0, &je));
    if (!json_is_object(args))
        usage(apr_psprintf(pool, "--args: not a JSON object (%s)", je.text));
    /* heat's default policy rules (context_is_admin decides the context's is_admin) */
    memset(&popts, 0, sizeof(popts));
    if ((err = heat_policy_load(&pol, pool, &popts)) != NULL)
        usage(err);
    if (heat_rpc_pool_create(pool, conf, &rp) != APR_SUCCESS)
        usage("cannot create the connection pool");

    ws = apr_pcalloc(pool, sizeof(*ws) * (apr_size_t)concurrency);
    th = apr_pcalloc(pool, sizeof(*th) * (apr_size_t)concurrency);
    start = apr_time_now() + apr_time_from_msec((apr_int64_t)(warmup * 1000));
    end = start + apr_time_from_msec((apr_int64_t)(duration * 1000));
    for (i = 0; i < concurrency; i++) {
        worker_t *w = &ws[i];
        w->rp = rp;
        w->pol = pol;
        w->token = token;
        w->auth_token = read_text(pool, auth_token_file);
        w->auth_url = auth_url;
        w->method = method;
        w->version = version;
        w->args = args;
        w->timeout = apr_time_from_msec((apr_int64_t)(timeout * 1000));
        w->start = start;
        w->end = end;
        if (apr_thread_create(&th[i], NULL, run_worker, w, pool) != APR_SUCCESS)
            usage("cannot create a thread");
    }
    for (i = 0; i < concurrency; i++) {
        apr_status_t trv;
        apr_thread_join(&trv, th[i]);
        n += ws[i].n;
    }
    all = malloc((n ? n : 1) * sizeof(*all));
    if (!all)
        abort();
    for (i = 0, k = 0; i < concurrency; i++) {
        memcpy(all + k, ws[i].lat, ws[i].n * sizeof(*all));
        k += ws[i].n;
        failed += ws[i].failed;
        timeouts += ws[i].timeouts;
        free(ws[i].lat);
    }
    qsort(all, n, sizeof(*all), cmp_i64);
    for (k = 0; k < n; k++)
        sum += all[k];
    /* the same keys as bench/wrk.lua's line; duration: the measured window */
    printf("BENCH_JSON {\"requests\": %lu, \"duration_us\": %" APR_INT64_T_FMT ", \"bytes\": 0, "
           "\"connect\": 0, \"read\": 0, \"write\": 0, \"status\": %lu, \"timeout\": %lu, "
           "\"p50\": %" APR_INT64_T_FMT ", \"p90\": %" APR_INT64_T_FMT ", \"p99\": %" APR_INT64_T_FMT
           ", \"max\": %" APR_INT64_T_FMT ", \"mean\": %.1f, \"concurrency\": %d, \"method\": \"%s\"}\n",
           (unsigned long)n, (apr_int64_t)(end - start), (unsigned long)failed, (unsigned long)timeouts,
           percentile(all, n, 0.50), percentile(all, n, 0.90), percentile(all, n, 0.99),
           n ? all[n - 1] : 0, n ? (double)sum / (double)n : 0.0, concurrency, method);
    fflush(stdout);
    free(all);
    apr_pool_destroy(pool);
    return n > failed ? 0 : 1;
}
