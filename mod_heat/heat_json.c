/* heat_json.c: pool-owned jansson values and Python-style dumps (see heat_json.h). */
#include "heat_json.h"

#include <apr_strings.h>
#include <stdlib.h>

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

char *heat_json_dump(apr_pool_t *p, const json_t *json, size_t flags)
{
    char *text = json_dumps(json, flags | JSON_ENSURE_ASCII | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    char *copy;

    if (!text)
        return apr_pstrdup(p, "null");
    lowercase_unicode_escapes(text);
    copy = apr_pstrdup(p, text);
    free(text); /* jansson's allocator is malloc: json_dumps output is freed right away */
    return copy;
}
