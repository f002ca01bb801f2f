/* heat-rpc-call: calls one heat-engine RPC method through mod_heat's RPC client (heat_rpc.c,
 * heat_amqp.c), for checking the client against a real broker and engine.
 *
 * Build (from the top of the tree):
 *   make tools      (builds build/heat-rpc-call against the core's libheat.a)
 *
 * Usage:
 *   heat-rpc-call --transport-url URL [--context-json FILE] --method NAME [--args JSON]
 *                 [--version X.Y] [--timeout SECONDS] [--cast] [--repeat N] [--interval SECONDS]
 *                 [--exchange NAME] [--heartbeat SECONDS] [--option KEY=VALUE]... [--verbose]
 *   --context-json: heat's RequestContext.to_dict() as a JSON object (default: {}).
 *   --option: any [oslo_messaging_rabbit] option, as in the transport_url query.
 *   --repeat/--interval: the same call N times over one connection pool (reconnect tests:
 *                        restart the broker during the interval).
 *   --script FILE: instead of --method..., a JSON array of steps run in order over one pool:
 *                  [{"method": "sleep", "args": {"seconds": 2}, "version": "1.0", "timeout": 1,
 *                    "cast": false, "sleep_before": 0.5}, ...]; steps may run in parallel
 *                  threads with "threads": N (the step is run N times at once).
 *   --verbose: the client's debug log on stderr.
 * Prints the result (or the decoded failure, or {"timeout": ...} / {"unreachable": ...}) as JSON
 * on stdout, one line per call. Exit status of the last step (the worst of its threads): 0 ok,
 * 1 remote failure, 2 timeout, 3 unreachable, 64 usage error.
 * test/tools/rpc-live-test.sh drives it against RabbitMQ and rpc-test-server.py. */
#include "heat_json.h"
#include "heat_log.h"
#include "heat_rpc.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *method;
    json_t *args; /* template, copied for every call */
    const char *version;
    double timeout;
    int cast;
    double sleep_before;
    int threads;
} step_t;

typedef struct {
    heat_rpc_pool_t *rp;
    const json_t *context;
    const step_t *step;
    int status;
    char *output;
    double ms;
} run_t;

static apr_thread_mutex_t *out_lock;

static void usage(const char *why)
{
    fprintf(stderr, "heat-rpc-call: %s\n(see the comment at the top of test/tools/heat-rpc-call.c)\n",
            why);
    exit(64);
}

static void log_stderr(void *baton, const char *file, int line, int level, const char *msg)
{
    (void)baton;
    fprintf(stderr, "[%d] %s:%d %s\n", level, file, line, msg);
}

static int log_verbose(void *baton, int level)
{
    (void)baton;
    return level <= HEAT_LOG_DEBUG;
}

static int log_quiet(void *baton, int level)
{
    (void)baton;
    return level <= HEAT_LOG_WARNING;
}

/* One call; the output line is kept in r->output (malloc'd). */
static void run_one(run_t *r)
{
    apr_pool_t *p;
    heat_rpc_reply_t reply;
    apr_time_t t0;
    const char *line = NULL;
    json_t *context;

    apr_pool_create(&p, NULL);
    /* each call gets its own context, as each request has in mod_heat (the values' reference
     * counts are taken while the message is built) */
    context = heat_json_own(p, json_deep_copy(r->context));
    if (r->step->sleep_before > 0)
        usleep((useconds_t)(r->step->sleep_before * 1e6));
    t0 = apr_time_now();
    if (r->step->cast)
        heat_rpc_cast(r->rp, p, context, r->step->method, json_deep_copy(r->step->args),
                      r->step->version, &reply);
    else
        heat_rpc_call(r->rp, p, context, r->step->method, json_deep_copy(r->step->args),
                      r->step->version, (apr_interval_time_t)(r->step->timeout * APR_USEC_PER_SEC),
                      &reply);
    r->ms = (double)(apr_time_now() - t0) / 1000.0;
    switch (reply.outcome) {
    case HEAT_RPC_OK:
        line = r->step->cast ? "{\"cast\": \"sent\"}" : heat_json_dump(p, reply.result, 0);
        r->status = 0;
        break;
    case HEAT_RPC_REMOTE_FAILURE: {
        json_t *f = heat_json_own(p, json_pack("{s:s, s:s, s:s, s:O, s:O, s:O}", "class", reply.failure.cls,
                                               "module", reply.failure.module, "message",
                                               reply.failure.message, "args", reply.failure.args,
                                               "kwargs", reply.failure.kwargs, "tb", reply.failure.tb));
        line = apr_pstrcat(p, "{\"failure\": ", heat_json_dump(p, f, 0), "}", NULL);
        r->status = 1;
        break;
    }
    case HEAT_RPC_TIMEOUT:
    case HEAT_RPC_UNREACHABLE:
    case HEAT_RPC_BUSY:
        line = apr_pstrcat(p, reply.outcome == HEAT_RPC_TIMEOUT ? "{\"timeout\": "
                              : reply.outcome == HEAT_RPC_BUSY ? "{\"busy\": " : "{\"unreachable\": ",
                           heat_json_dump(p, heat_json_own(p, json_string(reply.error)), 0), "}", NULL);
        r->status = reply.outcome == HEAT_RPC_TIMEOUT ? 2 : 3;
        break;
    }
    r->output = strdup(line);
    apr_pool_destroy(p);
}

static void *APR_THREAD_FUNC run_thread(apr_thread_t *t, void *data)
{
    run_one(data);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static int run_step(apr_pool_t *pool, heat_rpc_pool_t *rp, const json_t *context, const step_t *st,
                    int index)
{
    int n = st->threads > 0 ? st->threads : 1, i, status = 0;
    run_t *runs = apr_pcalloc(pool, sizeof(*runs) * (apr_size_t)n);
    apr_thread_t **th = apr_pcalloc(pool, sizeof(*th) * (apr_size_t)n);

    for (i = 0; i < n; i++) {
        runs[i].rp = rp;
        runs[i].context = context;
        runs[i].step = st;
        if (n == 1)
            run_one(&runs[i]);
        else if (apr_thread_create(&th[i], NULL, run_thread, &runs[i], pool) != APR_SUCCESS)
            usage("cannot create a thread");
    }
    for (i = 0; i < n; i++) {
        apr_status_t trv;
        if (n > 1)
            apr_thread_join(&trv, th[i]);
        apr_thread_mutex_lock(out_lock);
        printf("%s\n", runs[i].output);
        fprintf(stderr, "heat-rpc-call: step %d %s%s%d: %.1f ms\n", index + 1, st->method,
                n > 1 ? " thread " : "", n > 1 ? i + 1 : 0, runs[i].ms);
        fflush(stdout);
        apr_thread_mutex_unlock(out_lock);
        if (runs[i].status > status)
            status = runs[i].status;
        free(runs[i].output);
    }
    return status;
}

int main(int argc, char **argv)
{
    apr_pool_t *pool;
    heat_rpc_settings_t s;
    heat_rpc_conf_t *conf;
    heat_rpc_pool_t *rp;
    const char *context_file = NULL, *script = NULL, *args_text = "{}", *options = NULL, *err;
    double interval = 1;
    int repeat = 1, verbose = 0, i, status = 0, nsteps;
    step_t one, *steps;
    json_t *context;
    json_error_t je;

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);
    apr_thread_mutex_create(&out_lock, APR_THREAD_MUTEX_DEFAULT, pool);
    json_object_seed(0); /* once, before any object or thread (jansson's thread-safety notes) */
    heat_rpc_settings_init(&s);
    memset(&one, 0, sizeof(one));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (!strcmp(a, name) && (v ? (i++, 1) : (usage("missing value for " name), 0)))
        if (ARG("--transport-url"))
            s.transport_url = v;
        else if (ARG("--context-json"))
            context_file = v;
        else if (ARG("--method"))
            one.method = v;
        else if (ARG("--args"))
            args_text = v;
        else if (ARG("--version"))
            one.version = v;
        else if (ARG("--timeout"))
            one.timeout = atof(v);
        else if (ARG("--repeat"))
            repeat = atoi(v);
        else if (ARG("--interval"))
            interval = atof(v);
        else if (ARG("--script"))
            script = v;
        else if (ARG("--exchange"))
            s.control_exchange = v;
        else if (ARG("--heartbeat"))
            s.heartbeat_timeout_threshold = atoi(v);
        else if (ARG("--option"))
            options = options ? apr_pstrcat(pool, options, "&", v, NULL) : v;
        else if (!strcmp(a, "--cast"))
            one.cast = 1;
        else if (!strcmp(a, "--verbose"))
            verbose = 1;
        else
            usage(apr_psprintf(pool, "unknown argument %s", a));
#undef ARG
    }
    if (!one.method && !script)
        usage("--method or --script is required");
    if (options) /* the transport_url query is where oslo lets a URL set driver options */
        s.transport_url = apr_pstrcat(pool, s.transport_url ? s.transport_url : "rabbit://",
                                      strchr(s.transport_url ? s.transport_url : "", '?') ? "&" : "?",
                                      options, NULL);
    heat_log_set_callback(log_stderr, NULL);
    heat_log_set_level_check(verbose ? log_verbose : log_quiet);
    if ((err = heat_rpc_conf_make(pool, &s, &conf)) != NULL) {
        fprintf(stderr, "heat-rpc-call: %s\n", err);
        return 64;
    }
    if (context_file) {
        context = heat_json_own(pool, json_load_file(context_file, 0, &je));
        if (!json_is_object(context)) {
            fprintf(stderr, "heat-rpc-call: %s: not a JSON object (%s)\n", context_file, je.text);
            return 64;
        }
    }
    else
        context = heat_json_own(pool, json_object());

    if (script) {
        json_t *list = heat_json_own(pool, json_load_file(script, 0, &je));
        if (!json_is_array(list))
            usage(apr_psprintf(pool, "%s: not a JSON array (%s)", script, je.text));
        nsteps = (int)json_array_size(list);
        steps = apr_pcalloc(pool, sizeof(*steps) * (apr_size_t)(nsteps ? nsteps : 1));
        for (i = 0; i < nsteps; i++) {
            json_t *o = json_array_get(list, (size_t)i), *args = NULL;
            const char *m = NULL, *ver = NULL;
            double to = 0, sb = 0;
            int cast = 0, threads = 1;
            if (json_unpack_ex(o, &je, 0, "{s:s, s?o, s?s, s?F, s?b, s?F, s?i}", "method", &m, "args",
                               &args, "version", &ver, "timeout", &to, "cast", &cast, "sleep_before",
                               &sb, "threads", &threads))
                usage(apr_psprintf(pool, "%s: step %d: %s", script, i + 1, je.text));
            steps[i].method = m;
            steps[i].args = args ? args : heat_json_own(pool, json_object());
            steps[i].version = ver;
            steps[i].timeout = to;
            steps[i].cast = cast;
            steps[i].sleep_before = sb;
            steps[i].threads = threads;
        }
    }
    else {
        one.args = heat_json_own(pool, json_loads(args_text, 0, &je));
        if (!json_is_object(one.args))
            usage(apr_psprintf(pool, "--args: not a JSON object (%s)", je.text));
        nsteps = repeat > 0 ? repeat : 1;
        steps = apr_pcalloc(pool, sizeof(*steps) * (apr_size_t)nsteps);
        for (i = 0; i < nsteps; i++) {
            steps[i] = one;
            steps[i].sleep_before = i ? interval : 0;
        }
    }
    if (heat_rpc_pool_create(pool, conf, &rp) != APR_SUCCESS) {
        fprintf(stderr, "heat-rpc-call: cannot create the connection pool\n");
        return 70;
    }
    for (i = 0; i < nsteps; i++)
        status = run_step(pool, rp, context, &steps[i], i);
    apr_pool_destroy(pool);
    return status;
}
