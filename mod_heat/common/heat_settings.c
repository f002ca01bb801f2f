/* heat_settings.c: fills heat_settings_t from the option table's SETTING rows (heat_conf.c),
 * then derives the fields computed from others. */
#include "heat_settings.h"

#include <apr_strings.h>

#include <string.h>

/* The size a field must have for its option's type (heat_settings.h). */
static apr_size_t field_size_for(heat_opt_type_t type)
{
    switch (type) {
    case HEAT_OPT_BOOL:
        return sizeof(int);
    case HEAT_OPT_INT:
    case HEAT_OPT_PORT:
        return sizeof(apr_int64_t);
    case HEAT_OPT_FLOAT:
        return sizeof(double);
    case HEAT_OPT_LIST:
    case HEAT_OPT_MULTI:
        return sizeof(const apr_array_header_t *);
    case HEAT_OPT_STR:
    case HEAT_OPT_IP:
        break;
    }
    return sizeof(const char *);
}

static void store(void *at, const heat_conf_t *c, const char *section, const char *name,
                  heat_opt_type_t type, int empty_is_null)
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
        memcpy(at, &v, sizeof(v));
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
        if (size != field_size_for(type) || offset + size > sizeof(*st))
            return apr_psprintf(p, "[%s] %s: its heat_settings_t field does not "
                                "fit the option's type", section, name);
        store((char *)st + offset, c, section, name, type, empty_is_null);
    }
    st->noauth = flavor_is(st, "noauth");
    st->standalone = flavor_is(st, "standalone");
    return heat_cors_settings_finish(&st->cors, p, c);
}
