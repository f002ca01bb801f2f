/* fuzz_yaml.c: heat's YAML loader (PyYAML's typing on libyaml) on text and on bytes, and the
 * loaded value serialised as heat-engine would receive it. */
#include "fuzz_common.h"

#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_yaml.h"

static void load(apr_pool_t *p, const uint8_t *data, size_t size, int bytes)
{
    heat_yaml_error_t err;
    json_t *v;

    memset(&err, 0, sizeof(err));
    v = bytes ? heat_yaml_load_bytes(p, (const char *)data, size, &err)
              : heat_yaml_load(p, (const char *)data, size, &err);
    if (v)
        (void)heat_json_dump(p, v, 0);
    else if (!err.message || !err.type)
        abort(); /* a failure always says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    size_t start, end;
    const char *reason;

    /* heat_yaml_load takes text: it must be UTF-8 (the body decoder has checked it) */
    if (heat_py_utf8_check((const char *)data, size, &start, &end, &reason))
        load(p, data, size, 0);
    else
        (void)heat_py_utf8_error(p, (const char *)data, start, end, reason);
    load(p, data, size, 1);
    apr_pool_destroy(p);
    return 0;
}
