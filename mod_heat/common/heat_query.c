/* heat_query.c: see heat_query.h. */
#include "heat_query.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

#include "heat_util.h"

apr_array_header_t *heat_query_parse(apr_pool_t *p, const char *query)
{
    apr_array_header_t *pairs = apr_array_make(p, 8, sizeof(heat_param_t));
    const char *c = query;

    while (c && *c) {
        apr_size_t len = strcspn(c, "&");
        const char *eq = memchr(c, '=', len);
        if (len > 0) {
            heat_param_t *pair = apr_array_push(pairs);
            apr_size_t nlen = eq ? (apr_size_t)(eq - c) : len;
            pair->name = heat_unquote(p, c, nlen, 1, NULL);
            pair->value = eq ? heat_unquote(p, eq + 1, len - nlen - 1, 1, NULL) : "";
        }
        c += len;
        if (*c == '&')
            c++;
    }
    return pairs;
}

const char *heat_query_quote(apr_pool_t *p, const char *s, const char *safe)
{
    const unsigned char *c;
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;

    for (c = (const unsigned char *)s; *c; c++) {
        if (apr_isalnum(*c) || (*c < 0x80 && (strchr("_.-~", *c) || strchr(safe, *c))))
            *o++ = (char)*c;
        else
            o += apr_snprintf(o, 4, "%%%02X", *c);
    }
    *o = '\0';
    return out;
}

/* quote_plus: as quote with no safe characters, but a space is '+'. */
static const char *quote_plus(apr_pool_t *p, const char *s)
{
    char *q = apr_pstrdup(p, heat_query_quote(p, s, " ")), *c;
    for (c = q; *c; c++)
        if (*c == ' ')
            *c = '+';
    return q;
}

const char *heat_query_urlencode(apr_pool_t *p, const apr_array_header_t *pairs)
{
    const char *out = "";
    int i;
    for (i = 0; i < pairs->nelts; i++) {
        const heat_param_t *pair = &APR_ARRAY_IDX(pairs, i, heat_param_t);
        out = apr_pstrcat(p, out, i ? "&" : "", quote_plus(p, pair->name), "=", quote_plus(p, pair->value),
                          NULL);
    }
    return out;
}
