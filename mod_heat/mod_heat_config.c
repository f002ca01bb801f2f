/* mod_heat_config.c: the Heat* directives, per-server configuration and its merge, and the
 * one-time reading of heat.conf in check_config. A heat.conf that cannot be read, or holds a
 * value of the wrong type, refuses the start (and `apachectl -t`) naming file, line and option.
 * check_config runs after the vhosts are merged and, unlike post_config, also under
 * `apachectl -t`. */
#include "mod_heat.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_main.h>

#include "heat_cfn.h"
#include "heat_handlers.h"
#include "heat_log.h"
#include "mod_heat_cache.h"

void *heat_server_conf_create(apr_pool_t *p, server_rec *s)
{
    heat_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    (void)s;
    conf->overrides = apr_array_make(p, 4, sizeof(heat_option_override_t));
    return conf;
}

void *heat_server_conf_merge(apr_pool_t *p, void *base_, void *add_)
{
    heat_server_conf_t *base = base_, *add = add_;
    heat_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->config_file = add->config_file ? add->config_file : base->config_file;
    conf->config_dir = add->config_dir ? add->config_dir : base->config_dir;
    /* The main server's HeatOptions apply first, a vhost's own ones after (and so win). */
    conf->overrides = apr_array_append(p, base->overrides, add->overrides);
    conf->release_set = add->release_set || base->release_set;
    conf->release = add->release_set ? add->release : base->release;
    return conf;
}

void *heat_dir_conf_create(apr_pool_t *p, char *dir)
{
    heat_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    apr_size_t len = dir ? strlen(dir) : 0;

    /* "<Location /heat-api/>" and "<Location /heat-api>" both mount at "/heat-api". */
    while (len > 0 && dir[len - 1] == '/')
        len--;
    conf->mount = (dir && dir[0] == '/') ? apr_pstrmemdup(p, dir, len) : "";
    return conf;
}

/* Apache creates a module's per-directory config only for sections holding one of its
 * directives, and every Heat directive is server-wide: a <Location /prefix> holding only
 * SetHandler would inherit the vhost's empty mount point. So every <Location> that sets a
 * handler gets one here, with its path; the merge (add wins) then takes the mount point from
 * the innermost section that set the handler, not from a nested section that only adds, say,
 * headers. A <LocationMatch> has no literal prefix and mounts at the root, as the vhost does. */
void heat_dir_conf_mounts(apr_pool_t *p, server_rec *s)
{
    server_rec *vs;
    int i;

    for (vs = s; vs; vs = vs->next) {
        core_server_config *csc = ap_get_core_module_config(vs->module_config);
        ap_conf_vector_t **sections = (ap_conf_vector_t **)csc->sec_url->elts;

        for (i = 0; i < csc->sec_url->nelts; i++) {
            core_dir_config *cd = ap_get_core_module_config(sections[i]);
            if (!cd || !cd->expr_handler || ap_get_module_config(sections[i], &heat_module))
                continue;
            ap_set_module_config(sections[i], &heat_module,
                                 heat_dir_conf_create(p, cd->r ? NULL : cd->d));
        }
    }
}

static const char *directive_origin(cmd_parms *cmd)
{
    return apr_psprintf(cmd->pool, "%s at %s:%d", cmd->cmd->name,
                        cmd->directive ? cmd->directive->filename : "?",
                        cmd->directive ? cmd->directive->line_num : 0);
}

static const char *heat_cmd_config_file_set(cmd_parms *cmd, void *dconf, const char *arg)
{
    heat_server_conf_t *conf = ap_get_module_config(cmd->server->module_config, &heat_module);
    (void)dconf;
    conf->config_file = ap_server_root_relative(cmd->pool, arg);
    return conf->config_file ? NULL : apr_pstrcat(cmd->pool, "invalid path ", arg, NULL);
}

static const char *heat_cmd_config_dir_set(cmd_parms *cmd, void *dconf, const char *arg)
{
    heat_server_conf_t *conf = ap_get_module_config(cmd->server->module_config, &heat_module);
    (void)dconf;
    conf->config_dir = ap_server_root_relative(cmd->pool, arg);
    return conf->config_dir ? NULL : apr_pstrcat(cmd->pool, "invalid path ", arg, NULL);
}

static const char *heat_cmd_option_set(cmd_parms *cmd, void *dconf, const char *section,
                                       const char *name, const char *value)
{
    heat_server_conf_t *conf = ap_get_module_config(cmd->server->module_config, &heat_module);
    heat_option_override_t *o = apr_array_push(conf->overrides);
    (void)dconf;
    o->section = section;
    o->name = name;
    o->value = value;
    o->origin = directive_origin(cmd);
    return NULL;
}

static const char *heat_cmd_release_set(cmd_parms *cmd, void *dconf, const char *arg)
{
    heat_server_conf_t *conf = ap_get_module_config(cmd->server->module_config, &heat_module);
    const char *err = heat_release_parse(arg, &conf->release);
    (void)dconf;
    if (err)
        return apr_psprintf(cmd->pool, "%s: '%s': %s", cmd->cmd->name, arg, err);
    conf->release_set = 1;
    return NULL;
}

const command_rec heat_cmds[] = {
    AP_INIT_TAKE1(HEAT_DIRECTIVE_CONFIG_FILE, heat_cmd_config_file_set, NULL, RSRC_CONF,
                  "heat.conf to read (default " HEAT_DEFAULT_CONFIG_FILE ")"),
    AP_INIT_TAKE1(HEAT_DIRECTIVE_CONFIG_DIR, heat_cmd_config_dir_set, NULL, RSRC_CONF,
                  "directory of *.conf files read after HeatConfigFile, like --config-dir"),
    AP_INIT_TAKE3(HEAT_DIRECTIVE_OPTION, heat_cmd_option_set, NULL, RSRC_CONF,
                  "<section> <option> <value>: overrides one heat.conf option"),
    AP_INIT_TAKE1(HEAT_DIRECTIVE_RELEASE, heat_cmd_release_set, NULL, RSRC_CONF,
                  "19 or 24: the heat-api release whose behaviour is reproduced (default 19)"),
    HEAT_CACHE_COMMANDS,
    {NULL},
};

/* An unset string option is NULL, and so is an empty one (oslo's "" and None both mean unset
 * for these names). */
static const char *opt_str(const heat_conf_t *c, const char *section, const char *name)
{
    const char *v = heat_conf_str(c, section, name);
    return (v && *v) ? v : NULL;
}

/* The RPC transport: transport_url and the [oslo_messaging_rabbit] options that matter. */
static const char *rpc_conf_load(apr_pool_t *p, const heat_conf_t *c, heat_rpc_conf_t **out)
{
    static const char r[] = "oslo_messaging_rabbit";
    heat_rpc_settings_t s;

    heat_rpc_settings_init(&s);
    s.transport_url = heat_conf_str(c, "DEFAULT", "transport_url");
    s.control_exchange = heat_conf_str(c, "DEFAULT", "control_exchange");
    s.rpc_response_timeout = (int)heat_conf_int(c, "DEFAULT", "rpc_response_timeout");
    s.rpc_conn_pool_size = (int)heat_conf_int(c, "DEFAULT", "rpc_conn_pool_size");
    s.conn_pool_ttl = (int)heat_conf_int(c, "DEFAULT", "conn_pool_ttl");
    s.ssl = heat_conf_bool(c, r, "ssl");
    s.ssl_version = heat_conf_str(c, r, "ssl_version");
    s.ssl_key_file = heat_conf_str(c, r, "ssl_key_file");
    s.ssl_cert_file = heat_conf_str(c, r, "ssl_cert_file");
    s.ssl_ca_file = heat_conf_str(c, r, "ssl_ca_file");
    s.ssl_enforce_hostname_verification = heat_conf_bool(c, r, "ssl_enforce_hostname_verification");
    s.heartbeat_timeout_threshold = (int)heat_conf_int(c, r, "heartbeat_timeout_threshold");
    s.heartbeat_rate = (int)heat_conf_int(c, r, "heartbeat_rate");
    s.kombu_reconnect_delay = heat_conf_float(c, r, "kombu_reconnect_delay");
    s.kombu_compression = opt_str(c, r, "kombu_compression");
    s.kombu_failover_strategy = heat_conf_str(c, r, "kombu_failover_strategy");
    s.rabbit_login_method = heat_conf_str(c, r, "rabbit_login_method");
    s.rabbit_retry_interval = (int)heat_conf_int(c, r, "rabbit_retry_interval");
    s.rabbit_retry_backoff = (int)heat_conf_int(c, r, "rabbit_retry_backoff");
    s.rabbit_interval_max = (int)heat_conf_int(c, r, "rabbit_interval_max");
    s.rabbit_ha_queues = heat_conf_bool(c, r, "rabbit_ha_queues");
    s.rabbit_quorum_queue = heat_conf_bool(c, r, "rabbit_quorum_queue");
    s.rabbit_transient_queues_ttl = (int)heat_conf_int(c, r, "rabbit_transient_queues_ttl");
    s.amqp_durable_queues = heat_conf_bool(c, r, "amqp_durable_queues");
    s.amqp_auto_delete = heat_conf_bool(c, r, "amqp_auto_delete");
    s.enable_cancel_on_failover = heat_conf_bool(c, r, "enable_cancel_on_failover");
    return heat_rpc_conf_make(p, &s, out);
}

/* [oslo_policy]: the policy file is looked up like oslo.config's find_file, next to the
 * configuration files. */
static const char *policy_load(apr_pool_t *p, const heat_server_conf_t *sc, heat_policy_t **out)
{
    const heat_conf_t *c = sc->conf;
    heat_policy_options_t opts;
    apr_array_header_t *files = apr_array_make(p, 1, sizeof(const char *));
    apr_array_header_t *dirs = apr_array_make(p, 1, sizeof(const char *));

    APR_ARRAY_PUSH(files, const char *) = sc->config_file ? sc->config_file : HEAT_DEFAULT_CONFIG_FILE;
    if (sc->config_dir)
        APR_ARRAY_PUSH(dirs, const char *) = sc->config_dir;
    memset(&opts, 0, sizeof(opts));
    opts.policy_file = heat_conf_str(c, "oslo_policy", "policy_file");
    opts.policy_file_set = heat_conf_is_set(c, "oslo_policy", "policy_file");
    opts.policy_dirs = heat_conf_list(c, "oslo_policy", "policy_dirs");
    opts.search_dirs = heat_policy_search_dirs(p, dirs, files);
    opts.enforce_scope = heat_conf_bool(c, "oslo_policy", "enforce_scope");
    opts.enforce_scope_unset = !heat_conf_is_set(c, "oslo_policy", "enforce_scope");
    opts.enforce_new_defaults = heat_conf_bool(c, "oslo_policy", "enforce_new_defaults");
    opts.enforce_new_defaults_unset = !heat_conf_is_set(c, "oslo_policy", "enforce_new_defaults");
    opts.release = sc->release;
    return heat_policy_load(out, p, &opts);
}

/* Reads one server's heat.conf. Returns an error message or NULL; *out stays NULL when the
 * default file is absent and the server configured nothing (Apache may load the module
 * without serving Heat: its handlers then answer 500 and say why in the error log). */
static const char *conf_load(apr_pool_t *p, const heat_server_conf_t *sc, heat_conf_t **out)
{
    const char *file = sc->config_file ? sc->config_file : HEAT_DEFAULT_CONFIG_FILE;
    heat_conf_t *conf;
    const char *err;
    apr_finfo_t finfo;
    int i;

    *out = NULL;
    if (!sc->config_file && !sc->config_dir && sc->overrides->nelts == 0 &&
        apr_stat(&finfo, file, APR_FINFO_TYPE, p) != APR_SUCCESS)
        return NULL;
    conf = heat_conf_create(p);
    if ((err = heat_conf_read_file(conf, file)))
        return err;
    if (sc->config_dir && (err = heat_conf_read_dir(conf, sc->config_dir)))
        return err;
    for (i = 0; i < sc->overrides->nelts; i++) {
        const heat_option_override_t *o = &APR_ARRAY_IDX(sc->overrides, i, heat_option_override_t);
        if ((err = heat_conf_override(conf, o->section, o->name, o->value, o->origin)))
            return err;
    }
    if ((err = heat_conf_finalize(conf)))
        return err;
    *out = conf;
    return NULL;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Whether two servers read the same heat.conf files with the same HeatOptions. */
static int same_sources(const heat_server_conf_t *a, const heat_server_conf_t *b)
{
    int i;
    /* the release picks the policy defaults, so it is part of what is shared */
    if (!same_str(a->config_file, b->config_file) || !same_str(a->config_dir, b->config_dir) ||
        a->release != b->release || a->overrides->nelts != b->overrides->nelts)
        return 0;
    for (i = 0; i < a->overrides->nelts; i++) {
        const heat_option_override_t *x = &APR_ARRAY_IDX(a->overrides, i, heat_option_override_t);
        const heat_option_override_t *y = &APR_ARRAY_IDX(b->overrides, i, heat_option_override_t);
        if (strcmp(x->section, y->section) || strcmp(x->name, y->name) || strcmp(x->value, y->value))
            return 0;
    }
    return 1;
}

int heat_config_seen_before(server_rec *s, server_rec *vs)
{
    const void *sc = ap_get_module_config(vs->module_config, &heat_module);
    server_rec *prev;
    for (prev = s; prev != vs; prev = prev->next)
        if (ap_get_module_config(prev->module_config, &heat_module) == sc)
            return 1;
    return 0;
}

/* Where the configuration sets "SetHandler handler": outside any <VirtualHost> (every server
 * inherits it: *everywhere = 1), or inside the <VirtualHost> sections whose "file:line" are the
 * keys of the returned table (a server_rec knows the file and line it was defined at). */
static apr_table_t *vhosts_setting_handler(apr_pool_t *p, const ap_directive_t *d, const char *handler,
                                           const ap_directive_t *vhost, apr_table_t *found, int *everywhere)
{
    for (; d; d = d->next) {
        const char *args = d->args;
        if (strcasecmp(d->directive, "SetHandler") == 0 && args &&
            strcasecmp(ap_getword_conf(p, &args), handler) == 0) {
            if (vhost)
                apr_table_setn(found, apr_psprintf(p, "%s:%d", vhost->filename, vhost->line_num), "1");
            else
                *everywhere = 1;
        }
        vhosts_setting_handler(p, d->first_child, handler,
                               strcasecmp(d->directive, "<VirtualHost") == 0 ? d : vhost, found, everywhere);
    }
    return found;
}

/* The module configs (a vhost without Heat directives shares the main server's) of the servers
 * that set "SetHandler handler", as a set keyed by the config's address. */
static apr_hash_t *configs_setting_handler(apr_pool_t *p, server_rec *s, const char *handler)
{
    int everywhere = 0;
    apr_table_t *vhosts = vhosts_setting_handler(p, ap_conftree, handler, NULL, apr_table_make(p, 4),
                                                 &everywhere);
    apr_hash_t *configs = apr_hash_make(p);
    server_rec *vs;

    for (vs = s; vs; vs = vs->next)
        if (everywhere || (vs->is_virtual && vs->defn_name &&
                           apr_table_get(vhosts, apr_psprintf(p, "%s:%u", vs->defn_name, vs->defn_line_number)))) {
            void **key = apr_palloc(p, sizeof(*key));   /* the hash keeps a pointer to the key */
            *key = ap_get_module_config(vs->module_config, &heat_module);
            apr_hash_set(configs, key, sizeof(*key), "1");
        }
    return configs;
}

int heat_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    const heat_routes_t *native = NULL, *cfn = NULL;
    heat_routes_t *built;
    const char *err;
    server_rec *vs;
    apr_hash_t *serving_cfn = configs_setting_handler(ptemp, s, HEAT_HANDLER_CFN);
    (void)plog;

    /* Route tables are the same for every server: compile them once. */
    if ((err = heat_native_routes_create(pconf, &built))) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL, "HEAT0001: native route table: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    native = built;
    if ((err = heat_cfn_routes_create(pconf, &built))) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL, "HEAT0002: CFN route table: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    cfn = built;

    for (vs = s; vs; vs = vs->next) {
        heat_server_conf_t *sc = ap_get_module_config(vs->module_config, &heat_module);
        const char *bad;

        server_rec *prev;

        if (heat_config_seen_before(s, vs))
            continue;
        err = NULL;
        sc->native_routes = native;
        sc->cfn_routes = cfn;
        sc->same_as = NULL;
        /* Virtual hosts usually inherit the main server's heat.conf (the sample heat-api and
         * heat-api-cfn vhosts do): read it once, and give each child one Keystone client and
         * one RPC pool for all of them (child_init). */
        for (prev = s; prev != vs; prev = prev->next) {
            const heat_server_conf_t *psc = ap_get_module_config(prev->module_config, &heat_module);
            if (psc->conf && !psc->same_as && same_sources(psc, sc)) {
                sc->conf = psc->conf;
                sc->settings = psc->settings;
                sc->policy = psc->policy;
                sc->rpc_conf = psc->rpc_conf;
                sc->same_as = psc;
                break;
            }
        }
        if (!sc->same_as && (err = conf_load(pconf, sc, &sc->conf)) == NULL && sc->conf)
            err = heat_settings_load(&sc->settings, pconf, sc->conf);
        sc->settings.release = sc->release;
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                         "HEAT0003: mod_heat: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (sc->conf && (err = heat_settings_flavor_error(ptemp, &sc->settings, sc->conf,
                                                          apr_hash_get(serving_cfn, &sc, sizeof(sc)) != NULL))) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                         "HEAT1002: mod_heat: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (sc->same_as)
            continue;
        if (!sc->conf) {
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, vs, "HEAT0006: no heat.conf for this server "
                         "(%s is absent and no Heat directive is set)", HEAT_DEFAULT_CONFIG_FILE);
            continue;
        }
        if ((bad = heat_front_healthcheck_unknown_backend(&sc->settings.healthcheck))) {
            err = apr_psprintf(ptemp, "[healthcheck] backends: unknown backend '%s' "
                               "(known: disable_by_file, disable_by_files_ports)", bad);
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                         "HEAT0004: mod_heat: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((err = rpc_conf_load(pconf, sc->conf, &sc->rpc_conf))) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                         "HEAT0008: mod_heat: [DEFAULT] transport_url: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((err = policy_load(pconf, sc, &sc->policy))) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                         "HEAT0007: mod_heat: policy: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (!sc->settings.noauth && !sc->settings.standalone && !sc->settings.keystone.auth_url)
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, vs, "HEAT0009: [keystone_authtoken] auth_url "
                         "is not set: requests that need a Keystone token will be answered 503");
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, vs, "HEAT1601: reproducing heat-api %s (HeatRelease%s); "
                     "heat-engine's release is not detectable over RPC", heat_release_name(sc->release),
                     sc->release_set ? "" : " default");
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, vs, "HEAT0005: read %s%s%s (%d HeatOption)",
                     sc->config_file ? sc->config_file : HEAT_DEFAULT_CONFIG_FILE,
                     sc->config_dir ? " and " : "", sc->config_dir ? sc->config_dir : "",
                     sc->overrides->nelts);
    }
    return OK;
}

/* keystonemiddleware loads [keystone_authtoken] auth_type's plugin; mod_heat has the password
 * plugin's options only. */
static int password_plugin(const char *auth_type)
{
    return !auth_type || !*auth_type || strcmp(auth_type, "password") == 0 ||
           strcmp(auth_type, "v3password") == 0;
}

void heat_config_warn_unused(apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;
    int i;

    /* once per start: httpd reads its configuration twice, and the first pass is thrown away */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return;
    for (vs = s; vs; vs = vs->next) {
        const heat_server_conf_t *sc = ap_get_module_config(vs->module_config, &heat_module);
        const apr_array_header_t *msgs;
        const char *auth_type;

        if (!sc->conf || sc->same_as || heat_config_seen_before(s, vs))
            continue;
        msgs = heat_conf_unused(sc->conf, ptemp);
        for (i = 0; i < msgs->nelts; i++)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, vs, "HEAT1000: heat.conf: %s",
                         APR_ARRAY_IDX(msgs, i, const char *));
        auth_type = heat_conf_str(sc->conf, "keystone_authtoken", "auth_type");
        if (!password_plugin(auth_type))
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, vs, "HEAT1001: heat.conf: [keystone_authtoken] "
                         "auth_type = %s: mod_heat authenticates its service user with the password "
                         "plugin's options only", auth_type);
    }
}
