/* fuzz_template.c: templates and environments as heat-api reads them (template_format,
 * environment_format), and a JSON body through InstantiationData for every stack action, up
 * to the RPC arguments. template_url fetches answer from a stub: the input itself for URLs
 * ending in ".yaml", a failure otherwise. */
#include "fuzz_common.h"

#include "heat_body.h"
#include "heat_json.h"
#include "heat_template.h"
#include "heat_pycompat.h"
#include "heat_yaml.h"

typedef struct {
    const char *data;
    apr_size_t len;
} input_t;

static int stub_fetch(void *baton, apr_pool_t *p, const char *url, const char **data, apr_size_t *len,
                      const char **reason)
{
    const input_t *in = baton;
    size_t n = strlen(url);
    if (n >= 5 && !strcmp(url + n - 5, ".yaml")) {
        *data = in->data;
        *len = in->len;
        return 1;
    }
    *reason = apr_psprintf(p, "Failed to retrieve template from %s", url);
    return 0;
}

static int stub_authorize(void *baton, int no_change, heat_error_t *err)
{
    (void)baton;
    (void)no_change;
    (void)err;
    return 1;
}

static void build(apr_pool_t *p, const json_t *body, heat_inst_action_t action, const input_t *in)
{
    heat_inst_conf_t conf;
    heat_inst_t inst;
    heat_error_t err;
    json_t *copy = heat_json_own(p, json_deep_copy(body));

    memset(&conf, 0, sizeof(conf));
    conf.max_template_size = 65536;
    conf.fetch = stub_fetch;
    conf.fetch_baton = (void *)in;
    conf.authorize = stub_authorize;
    memset(&inst, 0, sizeof(inst));
    memset(&err, 0, sizeof(err));
    if (!copy)
        return;
    if (!heat_inst_build(p, copy, action, &conf, &inst, &err)) {
        if (err.status < 400 || err.status > 599 || !err.type)
            abort();
        return;
    }
    switch (action) {
    case HEAT_INST_CREATE:
        (void)heat_json_dump(p, heat_inst_create_stack_args(p, &inst), 0);
        break;
    case HEAT_INST_PREVIEW:
        (void)heat_json_dump(p, heat_inst_preview_stack_args(p, &inst), 0);
        break;
    case HEAT_INST_VALIDATE:
        (void)heat_json_dump(p, heat_inst_validate_template_args(p, &inst, 1, NULL), 0);
        break;
    default: {
        json_t *id = heat_json_own(p, json_pack("{s:s,s:s,s:s,s:s}", "tenant", "P1", "stack_name", "s",
                                                "stack_id", "1", "path", ""));
        (void)heat_json_dump(p, heat_inst_update_stack_args(p, &inst, id, action != HEAT_INST_UPDATE &&
                                                                         action != HEAT_INST_UPDATE_PATCH), 0);
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *text = apr_pstrmemdup(p, (const char *)data, size);
    input_t in = {text, size};
    heat_pyexc_t exc;
    json_t *v;

    memset(&exc, 0, sizeof(exc));
    if (heat_py_utf8_check(text, size, NULL, NULL, NULL)) {
        heat_pyjson_status_t st;
        const char *msg;
        json_t *body;

        if ((v = heat_template_parse(p, text, size, 65536, &exc)))
            (void)heat_json_dump(p, v, 0);
        if ((v = heat_environment_parse(p, text, size, &exc))) {
            heat_environment_default_for_missing(v);
            (void)heat_json_dump(p, v, 0);
        }
        (void)heat_template_simple_parse(p, text, size, "http://x/t.yaml", &exc);
        body = heat_pyjson_loads(p, text, size, &st, &msg);
        if (json_is_object(body)) {
            int a;
            for (a = HEAT_INST_CREATE; a <= HEAT_INST_VALIDATE; a++)
                build(p, body, (heat_inst_action_t)a, &in);
        }
    }
    if ((v = heat_template_parse_bytes(p, text, size, 65536, &exc)))
        (void)heat_json_dump(p, v, 0);
    apr_pool_destroy(p);
    return 0;
}
