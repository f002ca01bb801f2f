/* fuzz_json_body.c: request bodies as heat-api's JSONRequestDeserializer decodes them, and
 * the decoded value written back out (what an RPC message or a reply does with it). */
#include "fuzz_common.h"

#include "heat_body.h"
#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_template.h"
#include "heat_yaml.h"

static void dump_all(apr_pool_t *p, const json_t *v)
{
    (void)heat_json_dump(p, v, 0);
    (void)heat_json_dump(p, v, JSON_INDENT(4) | JSON_SORT_KEYS);
    (void)heat_py_repr_size(v);
    (void)heat_py_truthy(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *text = apr_pstrmemdup(p, (const char *)data, size);
    heat_body_request_t req = {"POST", "application/json", NULL, (apr_off_t)size, text, size};
    heat_pyjson_status_t st;
    const char *msg = NULL;
    heat_error_t err;
    json_t *body = NULL, *v;

    if (heat_body_decode(p, &req, 1024 * 1024, &body, &err) == HEAT_BODY_OK) {
        if (!body)
            abort();
        dump_all(p, body);
    }
    /* any JSON value, not only objects; it takes text, which must be UTF-8 */
    if (heat_py_utf8_check(text, size, NULL, NULL, NULL)) {
        v = heat_pyjson_loads(p, text, size, &st, &msg);
        if (v)
            dump_all(p, v);
        else if (!msg)
            abort(); /* an error always says why */
    }
    apr_pool_destroy(p);
    return 0;
}
