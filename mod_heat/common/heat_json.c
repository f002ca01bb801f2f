/* heat_json.c: pool-owned jansson values and Python-style dumps (see heat_json.h). */
#include "heat_json.h"

#include <apr_strings.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heat_pycompat.h"
#include "heat_util.h"

static apr_status_t json_cleanup(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

json_t *heat_json_own(apr_pool_t *p, json_t *json)
{
    if (json)
        apr_pool_cleanup_register(p, json, json_cleanup, apr_pool_cleanup_null);
    return json;
}

/* jansson writes \u00E9, Python \u00e9: lowercase the hex digits of every \u escape. */
static void lowercase_unicode_escapes(char *text)
{
    char *c = text;
    while (*c) {
        if (c[0] == '\\' && c[1] == 'u') {
            int i;
            for (i = 2; i < 6 && c[i]; i++)
                if (c[i] >= 'A' && c[i] <= 'F')
                    c[i] = (char)(c[i] - 'A' + 'a');
            c += i;
        }
        else if (c[0] == '\\' && c[1])
            c += 2; /* an escaped backslash must not start a \u */
        else
            c++;
    }
}

/* int / float.__repr__, as json.dumps writes numbers */
static const char *py_number(apr_pool_t *p, const json_t *v)
{
    if (json_is_integer(v))
        return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)json_integer_value(v));
    return heat_py_float(p, json_real_value(v));
}

/* json.dumps's string encoding with ensure_ascii: every character outside ' '..'~' as an escape,
 * \uXXXX in lowercase hex, characters beyond the BMP as a surrogate pair. The length is given:
 * a Python str may hold NUL characters (written as \u0000). */
static void json_string_out(heat_buf_t *o, const char *s, size_t n)
{
    const unsigned char *c = (const unsigned char *)s, *end = c + n;
    char esc[32];
    int len;

    heat_buf_str(o, "\"");
    while (c < end) {
        long cp;
        /* a run of characters written as they are, in one append (most of a template's text):
         * appending them one by one was a tenth of a large validate's instructions */
        const unsigned char *run = c;
        while (c < end && *c >= 0x20 && *c <= 0x7E && *c != '"' && *c != '\\')
            c++;
        if (c > run)
            heat_buf_add(o, (const char *)run, (apr_size_t)(c - run));
        if (c >= end)
            break;
        cp = heat_utf8_next(c, &len);
        if (cp < 0 || len > end - c) { /* not from jansson; never mind, keep going byte by byte */
            cp = 0xFFFD;
            len = 1;
        }
        if (cp == '"')
            heat_buf_str(o, "\\\"");
        else if (cp == '\\')
            heat_buf_str(o, "\\\\");
        else if (cp == '\n')
            heat_buf_str(o, "\\n");
        else if (cp == '\r')
            heat_buf_str(o, "\\r");
        else if (cp == '\t')
            heat_buf_str(o, "\\t");
        else if (cp == '\b')
            heat_buf_str(o, "\\b");
        else if (cp == '\f')
            heat_buf_str(o, "\\f");
        else if (cp >= 0x20 && cp <= 0x7E)
            heat_buf_add(o, (const char *)c, 1);
        else if (cp > 0xFFFF) {
            long v = cp - 0x10000;
            snprintf(esc, sizeof(esc), "\\u%04lx\\u%04lx", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
            heat_buf_str(o, esc);
        }
        else {
            snprintf(esc, sizeof(esc), "\\u%04lx", cp);
            heat_buf_str(o, esc);
        }
        c += len;
    }
    heat_buf_str(o, "\"");
}

/* An object member as the writer sees it: keys may hold NUL, so they go with their length. */
typedef struct {
    const char *key;
    size_t len;
    const json_t *value;
} member_t;

/* Python's str order: UTF-8 byte order is code point order, and a prefix sorts first */
static int member_cmp(const void *a, const void *b)
{
    const member_t *x = a, *y = b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* sorted: json.dumps(sort_keys=True) */
static void json_out(heat_buf_t *o, const json_t *v, int sorted)
{
    const char *key;
    size_t key_len;
    json_t *item;
    size_t i, n;
    member_t *members;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        n = json_object_size(v);
        members = apr_palloc(o->p, (n ? n : 1) * sizeof(*members));
        i = 0;
        json_object_keylen_foreach((json_t *)v, key, key_len, item) {
            members[i].key = key;
            members[i].len = key_len;
            members[i++].value = item;
        }
        if (sorted)
            qsort(members, n, sizeof(*members), member_cmp);
        heat_buf_str(o, "{");
        for (i = 0; i < n; i++) {
            heat_buf_str(o, i ? ", " : "");
            json_string_out(o, members[i].key, members[i].len);
            heat_buf_str(o, ": ");
            json_out(o, members[i].value, sorted);
        }
        heat_buf_str(o, "}");
        break;
    case JSON_ARRAY:
        heat_buf_str(o, "[");
        json_array_foreach(v, i, item) {
            heat_buf_str(o, i ? ", " : "");
            json_out(o, item, sorted);
        }
        heat_buf_str(o, "]");
        break;
    case JSON_STRING:
        json_string_out(o, json_string_value(v), json_string_length(v));
        break;
    case JSON_TRUE:
        heat_buf_str(o, "true");
        break;
    case JSON_FALSE:
        heat_buf_str(o, "false");
        break;
    case JSON_NULL:
        heat_buf_str(o, "null");
        break;
    default:
        /* numbers: int / float.__repr__, as json.dumps writes them */
        heat_buf_str(o, py_number(o->p, v));
        break;
    }
}

char *heat_json_dump(apr_pool_t *p, const json_t *json, size_t flags)
{
    char *text, *copy;

    if (!(flags & JSON_MAX_INDENT)) {
        heat_buf_t b = {p, NULL, 0, 0};
        if (!json)
            return apr_pstrdup(p, "null");
        json_out(&b, json, (flags & JSON_SORT_KEYS) != 0);
        return b.data;
    }
    /* indented (healthcheck's detailed answer): jansson, Python's separators for indent */
    text = json_dumps(json, flags | JSON_ENSURE_ASCII | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    if (!text)
        return apr_pstrdup(p, "null");
    lowercase_unicode_escapes(text);
    copy = apr_pstrdup(p, text);
    free(text); /* jansson's allocator is malloc: json_dumps output is freed right away */
    return copy;
}

#define NODES_KEY "heat_nodes"
#define DEFAULT_BODY_SIZE 1048576 /* [DEFAULT] max_json_body_size's default */

apr_size_t heat_nodes_limit(apr_size_t max_json_body_size)
{
    apr_size_t n = (max_json_body_size ? max_json_body_size : DEFAULT_BODY_SIZE) / HEAT_NODE_BYTES;
    return n < HEAT_NODES_MIN ? HEAT_NODES_MIN : n;
}

heat_nodes_t *heat_nodes_start(apr_pool_t *p, apr_size_t max_json_body_size)
{
    void *data = NULL;
    heat_nodes_t *n;

    apr_pool_userdata_get(&data, NODES_KEY, p);
    n = data;
    if (!n) {
        n = apr_pcalloc(p, sizeof(*n));
        apr_pool_userdata_setn(n, NODES_KEY, NULL, p);
    }
    n->limit = heat_nodes_limit(max_json_body_size);
    n->used = 0;
    return n;
}

heat_nodes_t *heat_nodes_of(apr_pool_t *p)
{
    apr_pool_t *q;
    for (q = p; q; q = apr_pool_parent_get(q)) {
        void *data = NULL;
        apr_pool_userdata_get(&data, NODES_KEY, q);
        if (data)
            return data;
    }
    return heat_nodes_start(p, 0);
}
