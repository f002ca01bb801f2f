/* mod_heat.h: glue-private declarations shared by the httpd-facing files (mod_heat*.c), and
 * the entry points mod_heat.c (the module record) calls in the other glue files. Those are
 * declared here, not in the files' own headers, so that mod_heat.c includes no other glue
 * header: every glue file includes this one, and an include back would be a cycle
 * (test/tools/check_sources.py). */
#ifndef MOD_HEAT_H
#define MOD_HEAT_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "heat_auth.h"
#include "heat_conf.h"
#include "heat_context.h"
#include "heat_front.h"
#include "heat_http.h"
#include "heat_keystone.h"
#include "heat_policy.h"
#include "heat_routes.h"
#include "heat_rpc.h"
#include "heat_settings.h"

APLOG_USE_MODULE(heat);
extern module AP_MODULE_DECLARE_DATA heat_module;

/* Directive names, so a typo is a compile error and the docs test can list them. */
#define HEAT_DIRECTIVE_CONFIG_FILE "HeatConfigFile"
#define HEAT_DIRECTIVE_CONFIG_DIR "HeatConfigDir"
#define HEAT_DIRECTIVE_OPTION "HeatOption"
#define HEAT_DIRECTIVE_RELEASE "HeatRelease"

#define HEAT_HANDLER_NATIVE "heat-api"
#define HEAT_HANDLER_CFN "heat-api-cfn"
#define HEAT_DEFAULT_CONFIG_FILE "/etc/heat/heat.conf"

typedef struct {
    const char *section;
    const char *name;
    const char *value;
    const char *origin; /* "HeatOption at <file>:<line>" */
} heat_option_override_t;

/* Per virtual host. Unset members inherit from the main server (merge). */
typedef struct heat_server_conf_t {
    const char *config_file;        /* NULL: unset (default HEAT_DEFAULT_CONFIG_FILE) */
    const char *config_dir;         /* NULL: none */
    apr_array_header_t *overrides;  /* heat_option_override_t, in directive order */
    int release_set;                /* HeatRelease given here (else inherited, else 19) */
    heat_release_t release;         /* HeatRelease: the heat-api release reproduced */
    /* Filled in check_config: */
    heat_conf_t *conf;              /* NULL when the default file is absent and nothing was configured */
    heat_settings_t settings;       /* what the request path reads, the authentication
                                       settings included (common/heat_settings_types.h) */
    const heat_routes_t *native_routes;
    const heat_routes_t *cfn_routes;
    heat_policy_t *policy;          /* [oslo_policy]: defaults + policy file + policy_dirs */
    heat_rpc_conf_t *rpc_conf;      /* transport_url and [oslo_messaging_rabbit] */
    /* An earlier server with the same heat.conf files and HeatOptions, whose conf, settings,
     * policy, Keystone client and RPC pool this one shares; NULL: its own. */
    const struct heat_server_conf_t *same_as;
    /* Per child (child_init), each child's own copy: */
    heat_auth_t *auth;              /* Keystone client with its service token */
    heat_rpc_pool_t *rpc;           /* AMQP connections to heat-engine */
} heat_server_conf_t;

/* Per directory/location: the <Location> path is the mount point (SCRIPT_NAME). */
typedef struct {
    const char *mount; /* "" for a vhost-wide handler or <Location />, else "/prefix" */
} heat_dir_conf_t;

/* mod_heat_config.c */
extern const command_rec heat_cmds[];
void *heat_server_conf_create(apr_pool_t *p, server_rec *s);
void *heat_server_conf_merge(apr_pool_t *p, void *base, void *add);
void *heat_dir_conf_create(apr_pool_t *p, char *dir);
/* check_config: gives every <Location> that sets a handler its mount point. */
void heat_dir_conf_mounts(apr_pool_t *p, server_rec *s);
/* check_config hook: compiles the route tables and loads heat.conf for every server; an
 * error stops startup and `apachectl -t`. */
/* Whether vs uses the module config of a server before it in the list (a virtual host without
 * any Heat directive shares the main server's: Apache merges nothing for it). */
int heat_config_seen_before(server_rec *s, server_rec *vs);
int heat_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);
/* post_config: one warning (HEAT1000) per heat.conf option mod_heat reads but does not act on
 * that is set to a value other than its default (heat_conf_unused), once per start. */
void heat_config_warn_unused(apr_pool_t *ptemp, server_rec *s);

/* mod_heat.c: the child's libcurl handles, shared by Keystone and template_url fetches. */
heat_http_t *heat_child_http(void);

/* mod_heat_cache.c: its hooks, called from mod_heat.c's own. pre_config: registers the mutex
 * name and resets the state of the previous configuration cycle. post_config: creates the
 * instance and the mutex (not on the first, throw-away pass). child_init: re-attaches the
 * mutex. */
int heat_cache_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp);
int heat_cache_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);
void heat_cache_child_init(apr_pool_t *pchild, server_rec *s);

/* mod_heat_auth.c: creates the per-process state of server s (settings are copied). On
 * failure logs the reason and returns an error; *out is then NULL and the steps answer 503. */
apr_status_t heat_auth_child_init(apr_pool_t *pchild, server_rec *s, heat_http_t *http,
                                  const heat_keystone_settings_t *settings, heat_auth_t **out);

/* mod_heat_metrics.c: registers the metrics hooks (post_config, child_init, log_transaction,
 * the heat-metrics handler and mod_status' status_hook); called from mod_heat.c's
 * register_hooks. */
void heat_metrics_register_hooks(apr_pool_t *p);

/* mod_heat_router.c */
int heat_handler(request_rec *r);
int heat_map_to_storage(request_rec *r);

#endif
