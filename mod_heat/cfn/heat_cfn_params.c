/* heat_cfn_params.c: heat-api-cfn's request parameters (see heat_cfn_params.h). */
#include "heat_cfn_params.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

#include "heat_query.h"
#include "heat_json.h"
#include "heat_pycompat.h"

const char *heat_cfn_param(const apr_array_header_t *params, int n_query, const char *name)
{
    int i, from_query = -1, from_form = -1;

    if (!params)
        return NULL;
    for (i = 0; i < params->nelts; i++) {
        const heat_param_t *pair = &APR_ARRAY_IDX(params, i, heat_param_t);
        if (strcmp(pair->name, name) == 0) {
            if (i < n_query)
                from_query = i;
            else
                from_form = i;
        }
    }
    i = from_query >= 0 ? from_query : from_form;
    return i >= 0 ? APR_ARRAY_IDX(params, i, heat_param_t).value : NULL;
}

/* One "<prefix>.member.<N>.<field>" pair. */
typedef struct {
    const char *index; /* the digits of N without leading zeros ("" for 0) */
    const char *field;
    const char *value;
    int order;
} member_field_t;

/* int(a) < int(b), compared on the digit strings (no overflow for any N) */
static int index_cmp(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return la < lb ? -1 : 1;
    return strcmp(a, b);
}

static int field_cmp(const void *x, const void *y)
{
    const member_field_t *a = x, *b = y;
    int c = index_cmp(a->index, b->index);
    return c ? c : (a->order < b->order ? -1 : a->order > b->order);
}

json_t *heat_cfn_param_pairs(apr_pool_t *p, const apr_array_header_t *params, const char *prefix,
                             const char *keyname, const char *valuename)
{
    const char *lead = apr_pstrcat(p, prefix, ".member.", NULL);
    apr_size_t lead_len = strlen(lead);
    member_field_t *fields;
    json_t *out = heat_json_own(p, json_object());
    int n = 0, i, j;

    if (!params)
        return out;
    fields = apr_pcalloc(p, sizeof(*fields) * ((apr_size_t)params->nelts + 1));
    for (i = 0; i < params->nelts; i++) {
        const heat_param_t *pair = &APR_ARRAY_IDX(params, i, heat_param_t);
        const char *c = pair->name + lead_len, *digits;
        if (strncmp(pair->name, lead, lead_len) != 0 || *c < '0' || *c > '9')
            continue;
        digits = c;
        while (*c >= '0' && *c <= '9')
            c++;
        if (*c != '.')
            continue;
        while (*digits == '0' && digits < c)
            digits++;
        fields[n].index = apr_pstrndup(p, digits, (apr_size_t)(c - digits));
        /* group(2) is (.*): it stops at a newline */
        fields[n].field = apr_pstrndup(p, c + 1, strcspn(c + 1, "\n"));
        fields[n].value = pair->value;
        fields[n].order = i;
        n++;
    }
    /* sorted(..., key=index) is stable: qsort with the original position as tie-break */
    qsort(fields, (size_t)n, sizeof(*fields), field_cmp);
    for (i = 0; i < n; i = j) {
        const char *key = NULL, *value = NULL;
        json_t *v;
        for (j = i; j < n && strcmp(fields[j].index, fields[i].index) == 0; j++) {
            if (strcmp(fields[j].field, keyname) == 0)
                key = fields[j].value;
            else if (strcmp(fields[j].field, valuename) == 0)
                value = fields[j].value;
        }
        if (!key || !value)
            continue;
        v = json_string(heat_py_utf8_replace(p, value));
        if (v)
            json_object_set_new(out, heat_py_utf8_replace(p, key), v);
    }
    return out;
}
