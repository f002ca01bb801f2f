/* heat_conf.h: reads heat.conf the way oslo.config does (heat-api's --config-file and
 * --config-dir), and gives typed access to every option mod_heat uses.
 *
 * Life cycle: heat_conf_create, then heat_conf_read_file / heat_conf_read_dir (in the order
 * oslo.config reads them: the file, then the directory's *.conf sorted by name), then any
 * heat_conf_override from Apache directives, then heat_conf_finalize, which interpolates
 * $vars and checks the value of every known option against its type. All of this happens
 * once, in check_config; after heat_conf_finalize the object is read-only, so children and
 * threads may read it without locks.
 *
 * Errors are returned as strings from the pool ("<file>:<line>: [section] option: why"),
 * NULL on success. */
#ifndef HEAT_CONF_H
#define HEAT_CONF_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct heat_conf_t heat_conf_t;

/* What mod_heat does with an option (its row in heat_conf.c's table). */
typedef enum {
    HEAT_OPT_UNCLASSIFIED = 0, /* a row without one (the unit tests refuse it) */
    HEAT_OPT_USED,             /* mod_heat acts on it */
    HEAT_OPT_ENGINE,           /* heat-engine's: heat-api does not act on it either */
    HEAT_OPT_REPLACED,         /* an Apache directive does its job */
    HEAT_OPT_NOT_APPLICABLE    /* nothing in mod_heat does it */
} heat_opt_use_t;

typedef enum {
    HEAT_OPT_STR,   /* string (oslo StrOpt) */
    HEAT_OPT_BOOL,  /* oslo BoolOpt rules */
    HEAT_OPT_INT,   /* oslo IntOpt, with optional min/max */
    HEAT_OPT_FLOAT, /* oslo FloatOpt */
    HEAT_OPT_LIST,  /* oslo ListOpt: comma-separated */
    HEAT_OPT_MULTI, /* oslo MultiStrOpt: every occurrence of the key */
    HEAT_OPT_PORT,  /* oslo PortOpt: 0..65535 */
    HEAT_OPT_IP     /* oslo IPOpt: an IPv4 or IPv6 address (read with heat_conf_str) */
} heat_opt_type_t;

heat_conf_t *heat_conf_create(apr_pool_t *p);

/* Missing file: error. */
const char *heat_conf_read_file(heat_conf_t *conf, const char *path);
/* Every *.conf in dir, sorted; missing dir: error. */
const char *heat_conf_read_dir(heat_conf_t *conf, const char *dir);
/* An Apache directive's value; wins over the files. origin names it in errors
 * ("HeatOption at /etc/apache2/sites-enabled/heat-api.conf:12"). */
const char *heat_conf_override(heat_conf_t *conf, const char *section, const char *name,
                               const char *value, const char *origin);
/* Interpolates and type-checks every known option; after this the getters may be used. */
const char *heat_conf_finalize(heat_conf_t *conf);

/* Typed getters for known options (see the option table in heat_conf.c). The value set in
 * the files or by a directive, else the option's default. Asking for an unknown option or
 * with the wrong type is a programming error: it logs and returns the type's zero value.
 * Sections are named as oslo normalises them: "DEFAULT", every other one in lower case.
 * An option whose value is None (no default, or an empty INT/PORT/FLOAT value, which oslo
 * reads as None) gives NULL, 0, 0.0 or an empty list: heat_conf_has_value tells them apart.
 * The getters do not allocate, so any thread may call them after heat_conf_finalize. */
const char *heat_conf_str(const heat_conf_t *conf, const char *section, const char *name);
int heat_conf_bool(const heat_conf_t *conf, const char *section, const char *name);
apr_int64_t heat_conf_int(const heat_conf_t *conf, const char *section, const char *name);
double heat_conf_float(const heat_conf_t *conf, const char *section, const char *name);
/* LIST and MULTI options: an array of const char *, never NULL. */
const apr_array_header_t *heat_conf_list(const heat_conf_t *conf, const char *section,
                                         const char *name);
/* Whether the option was set anywhere (file or directive), as opposed to defaulted. */
int heat_conf_is_set(const heat_conf_t *conf, const char *section, const char *name);

/* Whether the option's value is not None (oslo's None: no default and not set, or an empty
 * number). E.g. [clients_keystone] insecure has no default; heat then uses [clients]. */
int heat_conf_has_value(const heat_conf_t *conf, const char *section, const char *name);

/* The value as Python's str() prints the typed value ("True", "60", "['a', 'b']", "" for
 * None): what a $name reference to the option substitutes. */
const char *heat_conf_text(const heat_conf_t *conf, const char *section, const char *name);

/* Where the value came from: the file (and *line) or the directive's origin (*line = 0);
 * NULL when the option is defaulted. */
const char *heat_conf_origin(const heat_conf_t *conf, const char *section, const char *name,
                             int *line);

/* Entry i of the option table (for dumps and tests); 0 past its end. */
int heat_conf_option(apr_size_t i, const char **section, const char **name,
                     heat_opt_type_t *type);

/* Entry i's field in heat_settings_t (heat_settings.h), when the row names one: 1 with the
 * field's offset and size, and whether an empty string is stored as NULL; else 0. */
int heat_conf_option_field(apr_size_t i, apr_size_t *offset, apr_size_t *size, int *empty_is_null);

/* Entry i's disposition, and *instead: the Apache directive (REPLACED) or why it does not
 * apply (NOT_APPLICABLE), else NULL. 0 past the table's end. */
int heat_conf_option_use(apr_size_t i, heat_opt_use_t *use, const char **instead);

/* One message (from p) per REPLACED or NOT_APPLICABLE option set to a value other than its
 * default (compared as oslo prints them), naming the option, where it was set and what takes
 * its place; values are not shown. After heat_conf_finalize; empty before. */
const apr_array_header_t *heat_conf_unused(const heat_conf_t *conf, apr_pool_t *p);

/* Raw access to any key, known or not (after interpolation); NULL when absent. Keys are
 * looked up as written (deprecated names are not followed), the winning value being the
 * override, else the last occurrence in the newest file. A key outside the table whose
 * $reference cannot be resolved keeps its text (and a warning is logged). */
const char *heat_conf_raw(const heat_conf_t *conf, const char *section, const char *name);

/* The files that were read, for the startup log line. */
const apr_array_header_t *heat_conf_files(const heat_conf_t *conf);

/* Run-time option groups (oslo registers [cors.<name>] when the cors filter starts). The
 * sections of the files and overrides whose normalised name starts with prefix, sorted by name
 * (const char *, owned by conf). After heat_conf_finalize. */
apr_array_header_t *heat_conf_sections(const heat_conf_t *conf, apr_pool_t *p, const char *prefix);

/* A value read as the table's single-valued option [like_section] name reads its own (type,
 * range, oslo's spellings): NULL, or why text does not fit. */
typedef struct {
    int is_null; /* Python None (an empty number) */
    int b;
    apr_int64_t i;
    double d;
    const char *str;
    const apr_array_header_t *list;
} heat_conf_value_t;
const char *heat_conf_convert_as(const heat_conf_t *conf, apr_pool_t *p, const char *like_section,
                                 const char *name, const char *text, heat_conf_value_t *out);

#endif
