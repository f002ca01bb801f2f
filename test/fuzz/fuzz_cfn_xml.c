/* fuzz_cfn_xml.c: the CFN XML writer (XMLResponseSerializer as lxml writes it) and the AWS
 * error document. Input: a JSON document (the answer to write); its first string value, if
 * any, is also used as an error detail. */
#include "fuzz_common.h"

#include "heat_cfn_format.h"
#include "heat_fault.h"
#include "heat_json.h"

static const char *first_string(const json_t *v)
{
    const char *key;
    json_t *item;
    size_t i;

    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, item) {
            const char *s = first_string(item);
            if (s)
                return s;
        }
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, item) {
            const char *s = first_string(item);
            if (s)
                return s;
        }
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    json_t *doc = heat_json_own(p, json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL));
    const char *error = NULL, *detail;
    char *xml;

    if (doc) {
        xml = heat_cfn_xml(p, doc, &error);
        if (!xml && !error)
            abort(); /* a refusal always says why */
        (void)heat_cfn_py_str(p, doc);
        detail = first_string(doc);
        if (detail) {
            (void)heat_cfn_xml_text(p, detail, &error);
            (void)heat_cfn_xml_name_ok(detail);
            (void)heat_fault_cfn_xml(p, heat_cfn_error("InvalidParameterValue"), detail);
        }
    }
    /* the raw bytes as text (may hold anything) */
    (void)heat_cfn_xml_text(p, apr_pstrmemdup(p, (const char *)data, size), &error);
    apr_pool_destroy(p);
    return 0;
}
