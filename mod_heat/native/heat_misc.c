/* heat_misc.c: the native API's small routes, as heat-api 19.0.0 answers them:
 * services.py (index: a timeout is 503 "All heat engines are down."), and from stacks.py list_resource_types, resource_schema, generate_template,
 * list_template_versions, list_template_functions and validate_template (the body as
 * InstantiationData, heat_template.h). */
#include "heat_handlers.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

#include "heat_body.h"
#include "heat_json.h"
#include "heat_template.h"

/* A raw query value as JSON (req.params.get): a string, or null when absent. */
static json_t *raw_param(heat_call_t *call, const char *name)
{
    const char *v = heat_api_param(call, name);
    return v ? json_string(v) : json_null();
}

/* ---- services -------------------------------------------------------------------------------- */

void heat_misc_services_index(heat_call_t *call, heat_result_t *reply)
{
    int timed_out = 0;
    json_t *services = heat_api_rpc_timeout(call, reply, call->ctx, "list_services", json_object(), "1.4",
                                            &timed_out);
    if (!services) {
        if (timed_out)
            heat_api_reply_http_error(call, reply, 503, "All heat engines are down.");
        return;
    }
    heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "services", services));
}

/* ---- resource types, template versions and functions -------------------------------------- */

/* _extract_bool_param for a parameter checked whenever present (req.params.get(n) is not None). */
static int bool_if_present(heat_call_t *call, heat_result_t *reply, const char *name, int *out)
{
    const char *v = heat_api_param(call, name);
    *out = 0;
    return !v || heat_api_extract_bool(call, reply, name, v, out);
}

void heat_misc_list_resource_types(heat_call_t *call, heat_result_t *reply)
{
    int with_description;
    json_t *args, *types;

    if (!bool_if_present(call, reply, "with_description", &with_description))
        return;
    args = json_pack("{s:o, s:o, s:o, s:b}", "support_status", raw_param(call, "support_status"), "type_name",
                     raw_param(call, "name"), "heat_version", raw_param(call, "version"), "with_description",
                     with_description);
    types = heat_api_rpc(call, reply, call->ctx, "list_resource_types", args, "1.30");
    if (types)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "resource_types", types));
}

void heat_misc_resource_schema(heat_call_t *call, heat_result_t *reply)
{
    /* with_description is a keyword argument the query never fills: always false */
    json_t *args = json_pack("{s:s, s:b}", "type_name", apr_table_get(call->vars, "type_name"),
                             "with_description", 0);
    json_t *schema = heat_api_rpc(call, reply, call->ctx, "resource_schema", args, "1.30");
    if (schema)
        heat_api_reply_json(call, reply, 200, json_incref(schema));
}

void heat_misc_generate_template(heat_call_t *call, heat_result_t *reply)
{
    const char *type = heat_api_param(call, "template_type");
    const char *template_type = "cfn";
    json_t *args, *tmpl;

    if (type) {
        /* param_utils.extract_template_type: compared lowercased, reported as given */
        char *lower = apr_pstrdup(call->p, type), *c;
        for (c = lower; *c; c++)
            *c = (char)apr_tolower(*c);
        if (strcmp(lower, "cfn") != 0 && strcmp(lower, "hot") != 0) {
            heat_api_reply_http_error(call, reply, 400,
                                      apr_psprintf(call->p, "Template type is not supported: Invalid template "
                                                            "type \"%s\", valid types are: cfn, hot.", type));
            return;
        }
        template_type = lower;
    }
    args = json_pack("{s:s, s:s}", "type_name", apr_table_get(call->vars, "type_name"), "template_type",
                     template_type);
    tmpl = heat_api_rpc(call, reply, call->ctx, "generate_template", args, "1.9");
    if (tmpl)
        heat_api_reply_json(call, reply, 200, json_incref(tmpl));
}

void heat_misc_list_template_versions(heat_call_t *call, heat_result_t *reply)
{
    json_t *versions = heat_api_rpc(call, reply, call->ctx, "list_template_versions", json_object(), "1.11");
    if (versions)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "template_versions", versions));
}

void heat_misc_list_template_functions(heat_call_t *call, heat_result_t *reply)
{
    int with_condition;
    json_t *args, *functions;

    if (!bool_if_present(call, reply, "with_condition_func", &with_condition))
        return;
    args = json_pack("{s:s, s:b}", "template_version", apr_table_get(call->vars, "template_version"),
                     "with_condition", with_condition);
    functions = heat_api_rpc(call, reply, call->ctx, "list_template_functions", args, "1.35");
    if (functions)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "template_functions", functions));
}

void heat_misc_validate_template(heat_call_t *call, heat_result_t *reply)
{
    json_t *body = heat_api_required_body(call, reply), *ignorable = NULL, *result, *error;
    const char *show_text, *ignore_text;
    int show_nested = 0;
    heat_inst_conf_t conf;
    heat_inst_t inst;
    heat_error_t err;

    if (!body)
        return;
    /* get_allowed_params (single, empty = absent), then show_nested, before the template */
    show_text = heat_api_param(call, "show_nested");
    if (show_text && *show_text && !heat_api_extract_bool(call, reply, "show_nested", show_text, &show_nested))
        return;
    ignore_text = heat_api_param(call, "ignore_errors");
    if (ignore_text && *ignore_text) {
        const char *c = ignore_text;
        ignorable = heat_json_own(call->p, json_array());
        for (;;) {
            apr_size_t len = strcspn(c, ",");
            json_array_append_new(ignorable, json_stringn(c, len));
            if (!c[len])
                break;
            c += len + 1;
        }
    }
    memset(&conf, 0, sizeof(conf));
    conf.max_template_size = (apr_size_t)call->settings->max_template_size;
    conf.fetch = heat_api_fetch_template;
    conf.fetch_baton = call;
    if (!heat_inst_build(call->p, body, HEAT_INST_VALIDATE, &conf, &inst, &err)) {
        heat_api_reply_error(call, reply, &err);
        return;
    }
    result = heat_api_rpc(call, reply, call->ctx, "validate_template",
                          json_incref(heat_inst_validate_template_args(call->p, &inst, show_nested, ignorable)),
                          "1.36");
    if (!result)
        return;
    /* `'Error' in result`: a key of a dict, a substring of a str */
    if (json_is_object(result) && (error = json_object_get(result, "Error"))) {
        const char *msg = json_string_value(error);
        if (!msg && !json_is_null(error))
            msg = heat_json_dump(call->p, error, JSON_ENCODE_ANY);
        heat_api_reply_http_error(call, reply, 400, msg);
        return;
    }
    if (json_is_string(result) && strstr(json_string_value(result), "Error")) {
        /* result['Error'] on a str: TypeError, wsgi.Resource's generic 400 */
        heat_api_reply_http_error(call, reply, 400, HEAT_BAD_REQUEST_TEXT);
        return;
    }
    heat_api_reply_json(call, reply, 200, json_incref(result));
}
