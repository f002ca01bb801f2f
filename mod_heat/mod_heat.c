/* mod_heat.c: the module record, hook registration and the core's log callback.
 * mod_heat serves OpenStack Heat's native API (SetHandler heat-api) and its
 * CloudFormation-compatible API (SetHandler heat-api-cfn) inside httpd. */
#include "mod_heat.h"

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

#include "heat_log.h"
#include "heat_version.h"

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
    return heat_config_check(pconf, plog, ptemp, s);
}

static int heat_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    (void)ptemp;
    (void)s;
    ap_add_version_component(pconf, "mod_heat/" HEAT_MODULE_VERSION);
    return OK;
}

static void heat_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_check_config(heat_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(heat_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(heat_handler, NULL, NULL, APR_HOOK_MIDDLE);
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
