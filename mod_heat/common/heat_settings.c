/* heat_settings.c: fills heat_settings_t from the option table's SETTING rows (heat_conf.c),
 * then derives the fields computed from others (heat_settings_derive) and builds the cors
 * origin table (heat_cors_settings_finish). */
#include "heat_settings.h"

#include "heat_cors.h"

#include <apr_strings.h>

#include <limits.h>
#include <string.h>

/* Whether a field of this size can hold its option's type (heat_settings_types.h). */
static int field_fits(heat_opt_type_t type, apr_size_t size)
{
    switch (type) {
    case HEAT_OPT_BOOL:
        return size == sizeof(int);
    case HEAT_OPT_INT:
    case HEAT_OPT_PORT:
        /* int: the Keystone client's seconds and retry counts */
        return size == sizeof(apr_int64_t) || size == sizeof(int);
    case HEAT_OPT_FLOAT:
        return size == sizeof(double);
    case HEAT_OPT_LIST:
    case HEAT_OPT_MULTI:
        return size == sizeof(const apr_array_header_t *);
    case HEAT_OPT_STR:
    case HEAT_OPT_IP:
        break;
    }
    return size == sizeof(const char *);
}

static void store(void *at, apr_size_t size, const heat_conf_t *c, const char *section,
                  const char *name, heat_opt_type_t type, int empty_is_null)
{
    switch (type) {
    case HEAT_OPT_BOOL: {
        int v = heat_conf_bool(c, section, name);
        memcpy(at, &v, sizeof(v));
        return;
    }
    case HEAT_OPT_INT:
    case HEAT_OPT_PORT: {
        apr_int64_t v = heat_conf_int(c, section, name);
        if (size == sizeof(int)) {
            /* oslo's integers are unbounded: clamp rather than wrap */
            int n = v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
            memcpy(at, &n, sizeof(n));
        } else {
            memcpy(at, &v, sizeof(v));
        }
        return;
    }
    case HEAT_OPT_FLOAT: {
        double v = heat_conf_float(c, section, name);
        memcpy(at, &v, sizeof(v));
        return;
    }
    case HEAT_OPT_LIST:
    case HEAT_OPT_MULTI: {
        const apr_array_header_t *v = heat_conf_list(c, section, name);
        memcpy(at, &v, sizeof(v));
        return;
    }
    case HEAT_OPT_STR:
    case HEAT_OPT_IP:
        break;
    }
    {
        const char *v = heat_conf_str(c, section, name);
        if (empty_is_null && v && !*v)
            v = NULL;
        memcpy(at, &v, sizeof(v));
    }
}

static int flavor_is(const heat_settings_t *st, const char *flavor)
{
    return st->paste_flavor && strcmp(st->paste_flavor, flavor) == 0;
}

void heat_settings_derive(heat_settings_t *st, const heat_conf_t *c)
{
    static const char ck[] = "clients_keystone";

    st->noauth = flavor_is(st, "noauth");
    st->standalone = flavor_is(st, "standalone");
    st->keystone.standalone = st->standalone;
    /* heat's config.get_client_option: a [clients_keystone] option that is None (unset: these
     * have no default) falls back to [clients]. The [clients_keystone] rows filled password. */
    if (!heat_conf_has_value(c, ck, "ca_file"))
        st->password.ca_file = st->clients.ca_file;
    if (!heat_conf_has_value(c, ck, "cert_file"))
        st->password.cert_file = st->clients.cert_file;
    if (!heat_conf_has_value(c, ck, "key_file"))
        st->password.key_file = st->clients.key_file;
    if (!heat_conf_has_value(c, ck, "insecure"))
        st->password.insecure = st->clients.insecure;
    /* keystonemiddleware's None: the Keystone client then keeps its own timeouts (0 = unset). */
    if (!heat_conf_has_value(c, "keystone_authtoken", "http_connect_timeout"))
        st->keystone.http_connect_timeout = 0;
}

const char *heat_settings_load(heat_settings_t *st, apr_pool_t *p, const heat_conf_t *c)
{
    apr_size_t i, offset, size;
    const char *section, *name;
    heat_opt_type_t type;
    int empty_is_null;

    memset(st, 0, sizeof(*st));
    for (i = 0; heat_conf_option(i, &section, &name, &type); i++) {
        if (!heat_conf_option_field(i, &offset, &size, &empty_is_null))
            continue;
        /* offsetof + sizeof from the row cannot name the field's type: its size must at least
         * be that of the option's type, so a row never writes past or short of its field. */
        if (!field_fits(type, size) || offset + size > sizeof(*st))
            return apr_psprintf(p, "[%s] %s: its heat_settings_t field does not "
                                "fit the option's type", section, name);
        store((char *)st + offset, size, c, section, name, type, empty_is_null);
    }
    heat_settings_derive(st, c);
    return heat_cors_settings_finish(&st->cors, p, c);
}

const char *heat_settings_flavor_error(apr_pool_t *p, const heat_settings_t *st, const heat_conf_t *c,
                                       int serves_cfn)
{
    const char *f = st->paste_flavor;

    if (f && strcmp(f, "noauth") == 0 && serves_cfn)
        return apr_psprintf(p, "[paste_deploy] flavor = noauth: Unable to load heat-api-cfn-noauth from "
                            "configuration file %s.", heat_conf_str(c, "paste_deploy", "api_paste_config"));
    if (!f || strcmp(f, "standalone") == 0 || strcmp(f, "noauth") == 0)
        return NULL;
    if (strcmp(f, "custombackend") == 0)
        return "[paste_deploy] flavor = custombackend: heat-api's heat-api-custombackend pipeline "
               "(its custombackendauth filter) is not implemented by mod_heat";
    /* heat's load_paste_app: the pipeline heat-api-<flavor> is not in heat's api-paste.ini */
    return apr_psprintf(p, "[paste_deploy] flavor = %s: Unable to load heat-api-%s from configuration "
                        "file %s.", f, f, heat_conf_str(c, "paste_deploy", "api_paste_config"));
}
