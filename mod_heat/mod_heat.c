/* mod_heat.c: the module record, hook registration and the core's log callback.
 * mod_heat serves OpenStack Heat's native API (SetHandler heat-api) and its
 * CloudFormation-compatible API (SetHandler heat-api-cfn) inside httpd. */
#include "mod_heat.h"

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

#include "heat_log.h"
#include "heat_version.h"

/* One libcurl handle stack per child, for Keystone and template_url fetches. */
static heat_http_t *child_http;

heat_http_t *heat_child_http(void)
{
    return child_http;
}

/* Forwards the core's messages to the error log under the module's own LogLevel. */
static void heat_log_to_httpd(void *baton, const char *file, int line, int level, const char *msg)
{
    ap_log_error(file, line, APLOG_MODULE_INDEX, level, 0, (server_rec *)baton, "%s", msg);
}

static int heat_log_level_enabled(void *baton, int level)
{
    return APLOG_MODULE_IS_LEVEL((server_rec *)baton, APLOG_MODULE_INDEX, level);
}

static int heat_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    heat_log_set_callback(heat_log_to_httpd, s);
    heat_log_set_level_check(heat_log_level_enabled);
    heat_dir_conf_mounts(pconf, s);
    return heat_config_check(pconf, plog, ptemp, s);
}

static int heat_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    return heat_cache_pre_config(pconf, plog, ptemp);
}

static int heat_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    if (heat_http_global_init(pconf) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "HEAT0010: libcurl could not be initialised");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_add_version_component(pconf, "mod_heat/" HEAT_MODULE_VERSION);
    heat_config_warn_unused(ptemp, s);
    return heat_cache_post_config(pconf, plog, ptemp, s);
}

/* Per child, before its threads start: the shared cache's mutex, the curl handles, and
 * each Heat server's Keystone client. */
static void heat_child_init(apr_pool_t *pchild, server_rec *s)
{
    server_rec *vs;

    heat_cache_child_init(pchild, s);
    if (heat_http_create(&child_http, pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "HEAT0011: no libcurl handles in this child");
        return;
    }
    for (vs = s; vs; vs = vs->next) {
        heat_server_conf_t *sc = ap_get_module_config(vs->module_config, &heat_module);
        apr_status_t rv;
        if (!sc->conf || heat_config_seen_before(s, vs))
            continue;
        if (sc->same_as) {
            /* the same heat.conf as an earlier server (set up before this one): its client and pool */
            sc->auth = sc->same_as->auth;
            sc->rpc = sc->same_as->rpc;
            continue;
        }
        /* without [keystone_authtoken] auth_url there is nothing to set up (said at startup) */
        if (!sc->settings.noauth && (sc->settings.keystone.auth_url || sc->settings.standalone)) {
            rv = heat_auth_child_init(pchild, vs, child_http, &sc->settings.keystone, &sc->auth);
            if (rv != APR_SUCCESS)
                ap_log_error(APLOG_MARK, APLOG_ERR, rv, vs, "HEAT0012: Keystone client not set up: "
                             "requests will be answered 503");
            else {
                heat_auth_set_clients_keystone_uri(sc->auth, sc->settings.clients_keystone_uri);
                heat_auth_set_password_settings(sc->auth, &sc->settings.password);
            }
        }
        /* connections are opened on first use, so a broker that is down does not stop Apache */
        rv = heat_rpc_pool_create(pchild, sc->rpc_conf, &sc->rpc);
        if (rv != APR_SUCCESS)
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, vs, "HEAT0013: no RPC connection pool: "
                         "requests that need heat-engine will be answered 503");
    }
}

static void heat_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(heat_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(heat_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(heat_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_map_to_storage(heat_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_child_init(heat_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(heat_handler, NULL, NULL, APR_HOOK_MIDDLE);
    heat_metrics_register_hooks(p);
}

/* Spelled out rather than AP_DECLARE_MODULE: mod_heat.h already has APLOG_USE_MODULE(heat). */
module AP_MODULE_DECLARE_DATA heat_module = {
    STANDARD20_MODULE_STUFF,
    heat_dir_conf_create,
    NULL, /* the mount point is per <Location>; nothing to merge */
    heat_server_conf_create,
    heat_server_conf_merge,
    heat_cmds,
    heat_register_hooks,
    AP_MODULE_FLAG_NONE,
};
