/* mod_heat_config.c: the Heat* directives, per-server configuration and its merge, and the
 * one-time reading of heat.conf in post_config. A heat.conf that cannot be read, or holds a
 * value of the wrong type, refuses the start (and `apachectl -t`) naming file, line and option.
 * That happens in the check_config hook: it runs after the vhosts are merged and, unlike
 * post_config, also under `apachectl -t`. */
#include "mod_heat.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <http_core.h>

#include "heat_log.h"

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

const command_rec heat_cmds[] = {
    AP_INIT_TAKE1(HEAT_DIRECTIVE_CONFIG_FILE, heat_cmd_config_file_set, NULL, RSRC_CONF,
                  "heat.conf to read (default " HEAT_DEFAULT_CONFIG_FILE ")"),
    AP_INIT_TAKE1(HEAT_DIRECTIVE_CONFIG_DIR, heat_cmd_config_dir_set, NULL, RSRC_CONF,
                  "directory of *.conf files read after HeatConfigFile, like --config-dir"),
    AP_INIT_TAKE3(HEAT_DIRECTIVE_OPTION, heat_cmd_option_set, NULL, RSRC_CONF,
                  "<section> <option> <value>: overrides one heat.conf option"),
    {NULL},
};

/* Reads the typed settings the request path needs. */
static void settings_load(heat_settings_t *st, const heat_conf_t *c)
{
    st->debug = heat_conf_bool(c, "DEFAULT", "debug");
    st->proxy_headers = heat_conf_bool(c, "oslo_middleware", "enable_proxy_headers_parsing");
    st->api_root = heat_conf_str(c, "heat_api", "heat_api_root");
    if (st->api_root && !*st->api_root)
        st->api_root = NULL;
    st->healthcheck_path = heat_conf_str(c, "healthcheck", "path");
    st->healthcheck.backends = heat_conf_list(c, "healthcheck", "backends");
    st->healthcheck.disable_by_file_path = heat_conf_str(c, "healthcheck", "disable_by_file_path");
    st->healthcheck.disable_by_file_paths = heat_conf_list(c, "healthcheck", "disable_by_file_paths");
    st->healthcheck.detailed = heat_conf_bool(c, "healthcheck", "detailed");
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

int heat_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    const heat_routes_t *native = NULL, *cfn = NULL;
    heat_routes_t *built;
    const char *err;
    server_rec *vs;
    (void)plog;
    (void)ptemp;

    /* Route tables are the same for every server: compile them once. */
    if ((err = heat_routes_native_create(pconf, &built))) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL, "HEAT0001: native route table: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    native = built;
    if ((err = heat_routes_cfn_create(pconf, &built))) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL, "HEAT0002: CFN route table: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    cfn = built;

    for (vs = s; vs; vs = vs->next) {
        heat_server_conf_t *sc = ap_get_module_config(vs->module_config, &heat_module);
        const char *bad;

        sc->native_routes = native;
        sc->cfn_routes = cfn;
        if ((err = conf_load(pconf, sc, &sc->conf))) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                         "HEAT0003: mod_heat: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (!sc->conf) {
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, vs, "HEAT0006: no heat.conf for this server "
                         "(%s is absent and no Heat directive is set)", HEAT_DEFAULT_CONFIG_FILE);
            continue;
        }
        settings_load(&sc->settings, sc->conf);
        if ((bad = heat_front_healthcheck_unknown_backend(&sc->settings.healthcheck))) {
            err = apr_psprintf(ptemp, "[healthcheck] backends: unknown backend '%s' "
                               "(known: disable_by_file, disable_by_files_ports)", bad);
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                         "HEAT0004: mod_heat: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, vs, "HEAT0005: read %s%s%s (%d HeatOption)",
                     sc->config_file ? sc->config_file : HEAT_DEFAULT_CONFIG_FILE,
                     sc->config_dir ? " and " : "", sc->config_dir ? sc->config_dir : "",
                     sc->overrides->nelts);
    }
    return OK;
}
