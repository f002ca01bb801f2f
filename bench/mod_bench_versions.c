/* mod_bench_versions: the limit of bench case a (bench/deployments.py, "bare"). A handler that
 * answers every request with a fixed versions document (HTTP 300, application/json) from
 * memory: what Apache costs per request with a handler doing nothing else, chosen like
 * mod_heat's (SetHandler). Built by bench/deployments.py with apxs into bench/out/; never
 * installed.
 *
 *   SetHandler bench-versions
 *   BenchVersionsBody '{"versions": [...]}'
 */
#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"
#include "ap_config.h"

#include <string.h>

module AP_MODULE_DECLARE_DATA bench_versions_module;

typedef struct {
    const char *body;
} bench_conf;

static void *create_conf(apr_pool_t *p, server_rec *s)
{
    (void)s;
    bench_conf *c = apr_pcalloc(p, sizeof(*c));
    c->body = "{}";
    return c;
}

static const char *set_body(cmd_parms *cmd, void *dummy, const char *arg)
{
    bench_conf *c = ap_get_module_config(cmd->server->module_config, &bench_versions_module);
    (void)dummy;
    c->body = arg;
    return NULL;
}

static int handler(request_rec *r)
{
    bench_conf *c;
    if (!r->handler || strcmp(r->handler, "bench-versions"))
        return DECLINED;
    c = ap_get_module_config(r->server->module_config, &bench_versions_module);
    r->status = HTTP_MULTIPLE_CHOICES;
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, (apr_off_t)strlen(c->body));
    if (!r->header_only)
        ap_rputs(c->body, r);
    return OK;
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(handler, NULL, NULL, APR_HOOK_MIDDLE);
}

static const command_rec cmds[] = {
    AP_INIT_TAKE1("BenchVersionsBody", set_body, NULL, RSRC_CONF, "the document GET / answers"),
    {NULL}
};

module AP_MODULE_DECLARE_DATA bench_versions_module = {
    STANDARD20_MODULE_STUFF, NULL, NULL, create_conf, NULL, cmds, register_hooks
};
