/* heat_routes.c: the matcher of heat-api's and heat-api-cfn's route tables, with Routes 2.5.1
 * semantics (see heat_routes.h). The tables are native/heat_native_routes.c and
 * cfn/heat_cfn_routes.c; test/golden/routes/capture.py records what the real mapper answers
 * and test_routes.c holds the tables and this file to it.
 *
 * A table is a list of entries tried in order; each entry is a compiled template (shared by
 * all entries with the same template, so each is compiled once), a method condition and what
 * it yields: a real route, heat's 405 "reject" route or its "options" route.
 *
 * Deliberate differences from Routes (each marked DIFF in the golden files): HEAD is matched as
 * GET; method conditions are exact, not substring tests; the path is matched as plain bytes,
 * whereas Python's "$" also matches before a final "\n" (so "/t/stacks/s%0A" would look up
 * stack "s") and its "." stops at "\n". */
#include "heat_routes.h"
#include "heat_util.h"

#include <apr_strings.h>
#include <locale.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VARS 8      /* route variables of one template (native: at most 5) */
#define MAX_GROUPS 16   /* capture groups of one compiled template, whole match included */
#define MAX_TMPLS 64    /* distinct templates of one table (native: 40, CFN: 20) */
#define MAX_METHODS 8

typedef struct {
    const char *pattern;
    regex_t re;
    int compiled;
    int nvars;
    const char *var[MAX_VARS];
    int group[MAX_VARS];      /* capture group of each variable */
    apr_size_t prefix_len;    /* Routes' static prefix, for its match order (routes_sort) */
} tmpl_t;

typedef enum { ENTRY_REAL, ENTRY_REJECT, ENTRY_OPTIONS } entry_kind_t;

typedef struct {
    entry_kind_t kind;
    int tmpl;
    int any_method;
    int nmethods;
    const char *methods[MAX_METHODS];
    const heat_route_t *route;  /* ENTRY_REAL */
    const char *allowed;        /* ENTRY_REJECT, ENTRY_OPTIONS */
    int need_action;            /* HEAT_ROUTE_ACTION */
} entry_t;

struct heat_routes_t {
    apr_array_header_t *tmpls;   /* tmpl_t * */
    apr_array_header_t *entries; /* entry_t, in match order */
    apr_array_header_t *real;    /* const heat_route_t *, in definition order */
};

static apr_status_t routes_cleanup(void *data)
{
    heat_routes_t *rt = data;
    int i;

    for (i = 0; i < rt->tmpls->nelts; i++) {
        tmpl_t *t = APR_ARRAY_IDX(rt->tmpls, i, tmpl_t *);
        if (t->compiled) {
            regfree(&t->re);
            t->compiled = 0;
        }
    }
    return APR_SUCCESS;
}


static void ere_literal(char *out, apr_size_t *n, char c)
{
    if (c && strchr(".[]()*+?{}|^$\\", c)) /* strchr finds the NUL too */
        out[(*n)++] = '\\';
    out[(*n)++] = c;
}

/* Template → ERE, as Routes' buildfullreg does: literal text, {name} → ([^/]+), {name:regex} →
 * (regex), anchored at both ends. A \xHH escape in a requirement (heat's arn\x3A) becomes the
 * character, which POSIX EREs cannot escape that way. */
static const char *tmpl_to_ere(apr_pool_t *p, tmpl_t *t, char **ere)
{
    const char *s = t->pattern;
    char *out = apr_palloc(p, strlen(s) * 4 + 16);
    apr_size_t n = 0;
    int groups = 0;
    int in_prefix = 1;

    out[n++] = '^';
    t->prefix_len = 0;
    while (*s) {
        if (*s != '{') {
            ere_literal(out, &n, *s);
            if (in_prefix)
                t->prefix_len++;
            s++;
            continue;
        }
        const char *end = strchr(s, '}');
        const char *colon;
        if (!end)
            return apr_psprintf(p, "unterminated variable in route template %s", t->pattern);
        if (t->nvars == MAX_VARS)
            return apr_psprintf(p, "too many variables in route template %s", t->pattern);
        in_prefix = 0;
        colon = memchr(s, ':', (apr_size_t)(end - s));
        t->var[t->nvars] = apr_pstrmemdup(p, s + 1, (apr_size_t)((colon ? colon : end) - s - 1));
        t->group[t->nvars++] = ++groups;
        out[n++] = '(';
        if (!colon) {
            memcpy(out + n, "[^/]+", 5);
            n += 5;
        }
        else {
            const char *r;
            for (r = colon + 1; r < end; r++) {
                if (r[0] == '\\' && r[1] == 'x' && r + 3 < end && heat_hexval(r[2]) >= 0 && heat_hexval(r[3]) >= 0) {
                    ere_literal(out, &n, (char)(heat_hexval(r[2]) * 16 + heat_hexval(r[3])));
                    r += 3;
                    continue;
                }
                if (*r == '(')   /* a group inside a requirement shifts the later variables */
                    groups++;
                out[n++] = *r;
            }
        }
        out[n++] = ')';
        s = end + 1;
    }
    out[n++] = '$';
    out[n] = '\0';
    if (groups + 1 > MAX_GROUPS)
        return apr_psprintf(p, "too many groups in route template %s", t->pattern);
    /* Routes strips the trailing "/" of the prefix before grouping by it */
    while (t->prefix_len > 0 && t->pattern[t->prefix_len - 1] == '/')
        t->prefix_len--;
    *ere = out;
    return NULL;
}

/* Index of the compiled template for `pattern`, compiling it on first use. The regex is
 * compiled in the C locale: under a UTF-8 LC_CTYPE glibc would compile [^/] and . as
 * multibyte classes that do not match invalid UTF-8, while Routes (Python, latin-1 WSGI
 * strings) matches every byte. glibc's regexec follows the locale the regex was compiled in. */
static const char *tmpl_get(apr_pool_t *p, heat_routes_t *rt, const char *pattern, int *index)
{
    tmpl_t *t;
    char *ere = NULL;
    const char *err;
    int i, rc;
    locale_t c_locale, old;

    for (i = 0; i < rt->tmpls->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(rt->tmpls, i, tmpl_t *)->pattern, pattern) == 0) {
            *index = i;
            return NULL;
        }
    }
    if (rt->tmpls->nelts == MAX_TMPLS)
        return "too many route templates";
    t = apr_pcalloc(p, sizeof(*t));
    t->pattern = pattern;
    if ((err = tmpl_to_ere(p, t, &ere)) != NULL)
        return err;
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0)
        return "cannot create the C locale for route templates";
    old = uselocale(c_locale);
    rc = regcomp(&t->re, ere, REG_EXTENDED);
    uselocale(old);
    freelocale(c_locale);
    if (rc != 0) {
        char msg[256];
        regerror(rc, &t->re, msg, sizeof(msg));
        return apr_psprintf(p, "cannot compile route template %s (%s): %s", pattern, ere, msg);
    }
    t->compiled = 1;
    APR_ARRAY_PUSH(rt->tmpls, tmpl_t *) = t;
    *index = rt->tmpls->nelts - 1;
    return NULL;
}

static const char *entry_add(apr_pool_t *p, heat_routes_t *rt, entry_kind_t kind, const char *pattern,
                             const char *methods, const heat_route_t *route, const char *allowed, int need_action)
{
    entry_t *e = apr_array_push(rt->entries);
    const char *err;
    char *list, *tok, *last;

    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->route = route;
    e->allowed = allowed;
    e->need_action = need_action;
    if ((err = tmpl_get(p, rt, pattern, &e->tmpl)) != NULL)
        return err;
    if (strcmp(methods, "*") == 0) {
        e->any_method = 1;
        return NULL;
    }
    list = apr_pstrdup(p, methods);
    for (tok = apr_strtok(list, ",", &last); tok; tok = apr_strtok(NULL, ",", &last)) {
        if (e->nmethods == MAX_METHODS)
            return apr_psprintf(p, "too many methods for route %s", pattern);
        e->methods[e->nmethods++] = tok;
    }
    return NULL;
}

/* heat's connect(): after a group's routes, per distinct template in first-registration order,
 * a reject route for the missing methods among the six and an options route, both carrying the
 * template's methods joined in registration order ("POST,GET" for snapshots). */
static const char *connect_extras(apr_pool_t *p, heat_routes_t *rt, const heat_route_t *defs, int from, int to)
{
    static const char *const six[] = {"HEAD", "GET", "POST", "PUT", "PATCH", "DELETE"};
    int i, j, k;

    for (i = from; i < to; i++) {
        const char *path = defs[i].path;
        char *allowed = NULL, *missing = NULL;
        const char *err;

        for (j = from; j < i; j++)
            if (strcmp(defs[j].path, path) == 0)
                break;
        if (j < i)
            continue; /* template already handled at its first registration */
        for (j = i; j < to; j++)
            if (strcmp(defs[j].path, path) == 0)
                allowed = allowed ? apr_pstrcat(p, allowed, ",", defs[j].method, NULL)
                                  : apr_pstrdup(p, defs[j].method);
        for (k = 0; k < 6; k++) {
            /* allowed is a comma list: compare whole items, unlike Routes' substring test */
            const char *a = allowed;
            apr_size_t len = strlen(six[k]);
            int found = 0;
            while (a && *a) {
                const char *comma = strchr(a, ',');
                apr_size_t alen = comma ? (apr_size_t)(comma - a) : strlen(a);
                if (alen == len && strncmp(a, six[k], len) == 0)
                    found = 1;
                a = comma ? comma + 1 : NULL;
            }
            if (!found)
                missing = missing ? apr_pstrcat(p, missing, ",", six[k], NULL) : apr_pstrdup(p, six[k]);
        }
        /* heat's reject route with an empty method list would match nothing */
        if (missing && (err = entry_add(p, rt, ENTRY_REJECT, path, missing, NULL, allowed, 0)) != NULL)
            return err;
        if ((err = entry_add(p, rt, ENTRY_OPTIONS, path, "OPTIONS", NULL, allowed, 0)) != NULL)
            return err;
    }
    return NULL;
}

/* Routes does not try routes strictly in order: it groups them by static prefix (the text
 * before the first variable, trailing "/" removed) and tries longer prefixes first, each group
 * in order. A route can only match a path starting with its prefix, so a stable sort by prefix
 * length, longest first, gives the same order. Native routes all start with /{tenant_id}
 * (prefix ""), so only CFN's order changes. Insertion sort: stable, run once, ~130 entries. */
static void routes_sort(heat_routes_t *rt)
{
    entry_t *e = (entry_t *)rt->entries->elts;
    int i, j;

    for (i = 1; i < rt->entries->nelts; i++) {
        entry_t cur = e[i];
        apr_size_t len = APR_ARRAY_IDX(rt->tmpls, cur.tmpl, tmpl_t *)->prefix_len;
        for (j = i; j > 0 && APR_ARRAY_IDX(rt->tmpls, e[j - 1].tmpl, tmpl_t *)->prefix_len < len; j--)
            e[j] = e[j - 1];
        e[j] = cur;
    }
}

const char *heat_routes_create(apr_pool_t *p, const heat_route_t *defs, int ndefs, heat_routes_t **routes)
{
    heat_routes_t *rt = apr_pcalloc(p, sizeof(*rt));
    const char *err;
    int i;

    rt->tmpls = apr_array_make(p, MAX_TMPLS, sizeof(tmpl_t *));
    rt->entries = apr_array_make(p, 160, sizeof(entry_t));
    rt->real = apr_array_make(p, ndefs, sizeof(const heat_route_t *));
    /* Registered before the first regcomp, so a failure half-way still frees what was compiled. */
    apr_pool_cleanup_register(p, rt, routes_cleanup, apr_pool_cleanup_null);

    for (i = 0; i < ndefs; i++) {
        const heat_route_t *d = &defs[i];
        err = entry_add(p, rt, ENTRY_REAL, d->pattern ? d->pattern : d->path, d->method, d, NULL,
                        (d->flags & HEAT_ROUTE_ACTION) != 0);
        if (err)
            return err;
        APR_ARRAY_PUSH(rt->real, const heat_route_t *) = d;
        /* end of one connect() call: the next definition belongs to another group */
        if ((d->flags & HEAT_ROUTE_CONNECT) &&
            (i + 1 == ndefs || strcmp(defs[i + 1].group, d->group) != 0)) {
            int from = i;
            while (from > 0 && (defs[from - 1].flags & HEAT_ROUTE_CONNECT) &&
                   strcmp(defs[from - 1].group, d->group) == 0)
                from--;
            if ((err = connect_extras(p, rt, defs, from, i + 1)) != NULL)
                return err;
        }
    }
    routes_sort(rt);
    *routes = rt;
    return NULL;
}

static int method_ok(const entry_t *e, const char *method)
{
    int i;

    if (e->any_method)
        return 1;
    for (i = 0; i < e->nmethods; i++)
        if (strcmp(e->methods[i], method) == 0) /* exact: Routes' substring test is not copied */
            return 1;
    return 0;
}

static void do_match(const heat_routes_t *rt, apr_pool_t *p, const char *method, const char *path,
                     const char *action, heat_route_match_t *m)
{
    /* per-call cache of template results: 0 untried, 1 matched, 2 not matched */
    unsigned char tried[MAX_TMPLS];
    regmatch_t pm[MAX_GROUPS];
    int last = -1; /* template whose captures are in pm */
    int i;

    memset(m, 0, sizeof(*m));
    m->result = HEAT_ROUTE_NOT_FOUND;
    m->params = apr_table_make(p, 4);
    if (!rt || !method || !path)
        return;
    /* doc/differences.md: HEAD works wherever GET does (heat answers every HEAD with 405, or 404 on
     * services); the glue sends no body. */
    if (strcmp(method, "HEAD") == 0)
        method = "GET";
    memset(tried, 0, sizeof(tried));
    for (i = 0; i < rt->entries->nelts; i++) {
        const entry_t *e = &APR_ARRAY_IDX(rt->entries, i, entry_t);
        const tmpl_t *t;
        int v;

        if (!method_ok(e, method))
            continue;
        if (e->need_action && (!action || strcmp(action, e->route->action) != 0))
            continue;
        if (tried[e->tmpl] == 2)
            continue;
        t = APR_ARRAY_IDX(rt->tmpls, e->tmpl, tmpl_t *);
        if (tried[e->tmpl] == 0 || last != e->tmpl) {
            /* a failed regexec may leave pm undefined, so last is reset on failure */
            int ok = regexec(&t->re, path, MAX_GROUPS, pm, 0) == 0;
            tried[e->tmpl] = ok ? 1 : 2;
            last = ok ? e->tmpl : -1;
            if (!ok)
                continue;
        }
        for (v = 0; v < t->nvars; v++) {
            const regmatch_t *g = &pm[t->group[v]];
            apr_table_setn(m->params, t->var[v],
                           g->rm_so < 0 ? "" : apr_pstrmemdup(p, path + g->rm_so, (apr_size_t)(g->rm_eo - g->rm_so)));
        }
        switch (e->kind) {
        case ENTRY_REAL:
            m->result = HEAT_ROUTE_MATCHED;
            m->route = e->route;
            break;
        case ENTRY_REJECT:
            m->result = HEAT_ROUTE_REJECT;
            m->allowed = e->allowed;
            break;
        case ENTRY_OPTIONS:
            m->result = HEAT_ROUTE_OPTIONS;
            m->allowed = e->allowed;
            break;
        }
        return;
    }
}

void heat_routes_match(const heat_routes_t *routes, apr_pool_t *p, const char *method, const char *path,
                       heat_route_match_t *m)
{
    do_match(routes, p, method, path, NULL, m);
}

void heat_routes_cfn_match(const heat_routes_t *routes, apr_pool_t *p, const char *method, const char *path,
                           const char *action, heat_route_match_t *m)
{
    do_match(routes, p, method, path, action, m);
}

int heat_routes_count(const heat_routes_t *routes)
{
    return routes ? routes->real->nelts : 0;
}

const heat_route_t *heat_routes_get(const heat_routes_t *routes, int i)
{
    if (!routes || i < 0 || i >= routes->real->nelts)
        return NULL;
    return APR_ARRAY_IDX(routes->real, i, const heat_route_t *);
}
