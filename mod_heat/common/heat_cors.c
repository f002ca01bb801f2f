/* heat_cors.c: oslo.middleware 5.0.0's CORS filter (oslo_middleware/cors.py) for both APIs:
 * the origin table from [cors] and [cors.<name>], and the headers process_response sets. */
#include "heat_cors.h"

#include <apr_hash.h>
#include <apr_strings.h>

#include <string.h>
#include <strings.h>

#include "heat_log.h"
#include "heat_pycompat.h"

/* CORS.simple_headers: always allowed in a preflight's Access-Control-Request-Headers. */
static const char *const simple_headers[] = {
    "Accept", "Accept-Language", "Content-Type", "Cache-Control",
    "Content-Language", "Expires", "Last-Modified", "Pragma", NULL};

/* add_origin: an origin already registered keeps its first block (oslo warns and skips). */
static void add_origins(apr_pool_t *p, apr_hash_t *origins, const heat_cors_group_t *g, const char *where)
{
    int i;

    if (!g->allowed_origin)
        return;
    for (i = 0; i < g->allowed_origin->nelts; i++) {
        const char *o = APR_ARRAY_IDX(g->allowed_origin, i, const char *);
        if (apr_hash_get(origins, o, APR_HASH_KEY_STRING)) {
            heat_log(HEAT_LOG_WARNING, "HEAT1400: [%s] allowed_origin: origin %s is already allowed by an "
                     "earlier block; skipped, as oslo.middleware skips it", where, o);
            continue;
        }
        apr_hash_set(origins, apr_pstrdup(p, o), APR_HASH_KEY_STRING, g);
    }
}

/* One [cors.<name>] option: its value when the section sets it, else [cors]'s (oslo registers
 * the subsection's options with [cors]'s values as defaults). */
static const char *sub_value(apr_pool_t *p, const heat_conf_t *c, const char *section, const char *name,
                             heat_conf_value_t *v, int *set)
{
    const char *text = heat_conf_raw(c, section, name), *why;

    *set = text != NULL;
    if (!text)
        return NULL;
    if ((why = heat_conf_convert_as(c, p, "cors", name, text, v)) != NULL)
        return apr_psprintf(p, "[%s] %s: %s", section, name, why);
    return NULL;
}

const char *heat_cors_settings_finish(heat_cors_conf_t *cc, apr_pool_t *p, const heat_conf_t *c)
{
    static const char *const list_names[] = {"allowed_origin", "expose_headers", "allow_methods",
                                             "allow_headers"};
    const apr_array_header_t *sections;
    int i;

    cc->origins = apr_hash_make(p);
    add_origins(p, cc->origins, &cc->group, "cors");
    /* oslo walks list_all_sections() in file order; the names are sorted here, which matters
     * only when two subsections name the same origin */
    sections = heat_conf_sections(c, p, "cors.");
    for (i = 0; i < sections->nelts; i++) {
        const char *section = APR_ARRAY_IDX(sections, i, const char *), *err;
        heat_cors_group_t *g = apr_pmemdup(p, &cc->group, sizeof(*g));
        const apr_array_header_t **lists[4];
        heat_conf_value_t v;
        int k, set;

        lists[0] = &g->allowed_origin;
        lists[1] = &g->expose_headers;
        lists[2] = &g->allow_methods;
        lists[3] = &g->allow_headers;
        g->allowed_origin = NULL; /* not inherited: oslo leaves it out of the subsection defaults */
        for (k = 0; k < 4; k++) {
            if ((err = sub_value(p, c, section, list_names[k], &v, &set)) != NULL)
                return err;
            if (set)
                *lists[k] = v.list;
        }
        if ((err = sub_value(p, c, section, "allow_credentials", &v, &set)) != NULL)
            return err;
        if (set)
            g->allow_credentials = v.b;
        if ((err = sub_value(p, c, section, "max_age", &v, &set)) != NULL)
            return err;
        if (set)
            g->max_age = v.is_null ? 0 : v.i;
        add_origins(p, cc->origins, g, section);
    }
    return NULL;
}

/* _split_header_values: split on ',', strip, drop empty items. */
static apr_array_header_t *split_values(apr_pool_t *p, const char *text)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(const char *));
    const char *s = text;

    while (s && *s) {
        const char *end = strchr(s, ','), *b = s, *e;

        if (!end)
            end = s + strlen(s);
        e = end;
        while (b < e && heat_py_latin1_isspace((unsigned char)*b))
            b++;
        while (e > b && heat_py_latin1_isspace((unsigned char)e[-1]))
            e--;
        if (e > b)
            APR_ARRAY_PUSH(out, const char *) = apr_pstrmemdup(p, b, (apr_size_t)(e - b));
        s = *end ? end + 1 : end;
    }
    return out;
}

static int in_list(const apr_array_header_t *list, const char *s, int nocase)
{
    int i;

    for (i = 0; list && i < list->nelts; i++) {
        const char *x = APR_ARRAY_IDX(list, i, const char *);
        if (nocase ? strcasecmp(x, s) == 0 : strcmp(x, s) == 0)
            return 1;
    }
    return 0;
}

static int header_permitted(const heat_cors_group_t *g, const char *h)
{
    const char *const *s;

    for (s = simple_headers; *s; s++)
        if (strcasecmp(*s, h) == 0)
            return 1;
    return in_list(g->allow_headers, h, 1);
}

static const char *join(apr_pool_t *p, const apr_array_header_t *list)
{
    const char *out = "";
    int i;

    for (i = 0; i < list->nelts; i++)
        out = apr_pstrcat(p, out, i ? "," : "", APR_ARRAY_IDX(list, i, const char *), NULL);
    return out;
}

/* _get_cors_config_by_origin: the origin itself, else "*" */
static const heat_cors_group_t *lookup(const heat_cors_conf_t *cc, const char *origin, const char **as)
{
    const heat_cors_group_t *g = apr_hash_get(cc->origins, origin, APR_HASH_KEY_STRING);

    *as = origin;
    if (!g) {
        g = apr_hash_get(cc->origins, "*", APR_HASH_KEY_STRING);
        *as = "*";
    }
    return g;
}

void heat_cors_apply(apr_pool_t *p, const heat_cors_conf_t *cc, const heat_cors_request_t *req,
                     apr_table_t *headers)
{
    const heat_cors_group_t *g;
    const char *origin, *vary;

    if (!cc || !cc->origins || !req->origin || apr_table_get(headers, "Access-Control-Allow-Origin"))
        return;
    if (!(g = lookup(cc, req->origin, &origin)))
        return;
    if (req->is_options) {
        /* preflight (_apply_cors_preflight_headers): any refusal leaves the answer bare */
        apr_array_header_t *asked;
        int i;

        if (!req->request_method || !in_list(g->allow_methods, req->request_method, 0))
            return;
        asked = split_values(p, req->request_headers);
        for (i = 0; i < asked->nelts; i++)
            if (!header_permitted(g, APR_ARRAY_IDX(asked, i, const char *)))
                return;
        apr_table_set(headers, "Vary", "Origin");
        apr_table_set(headers, "Access-Control-Allow-Origin", origin);
        if (g->allow_credentials)
            apr_table_set(headers, "Access-Control-Allow-Credentials", "true");
        if (g->max_age)
            apr_table_set(headers, "Access-Control-Max-Age", apr_psprintf(p, "%" APR_INT64_T_FMT, g->max_age));
        apr_table_set(headers, "Access-Control-Allow-Methods", req->request_method);
        if (asked->nelts)
            apr_table_set(headers, "Access-Control-Allow-Headers", join(p, asked));
        return;
    }
    /* _apply_cors_request_headers */
    vary = apr_table_get(headers, "Vary");
    apr_table_set(headers, "Vary", vary ? apr_pstrcat(p, vary, ",Origin", NULL) : "Origin");
    apr_table_set(headers, "Access-Control-Allow-Origin", origin);
    if (g->allow_credentials)
        apr_table_set(headers, "Access-Control-Allow-Credentials", "true");
    if (g->expose_headers && g->expose_headers->nelts)
        apr_table_set(headers, "Access-Control-Expose-Headers", join(p, g->expose_headers));
}
