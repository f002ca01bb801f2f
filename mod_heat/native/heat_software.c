/* heat_software.c: software configs and deployments as heat-api 19.0.0 answers them
 * (software_configs.py, software_deployments.py): index (configs: limit, marker,
 * global_tenant; deployments: server_id), create (200, not 201), show, update (deployments,
 * PUT), delete (204, or 400 with the engine's {"Error": m}), and the deployments' metadata of a
 * server. */
#include "heat_handlers.h"
#include "heat_authorize.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_body.h"
#include "heat_json.h"
#include "heat_pycompat.h"

/* JSONRequestDeserializer: create and update require a body (without one the action lacks its
 * `body` argument: a TypeError, wsgi.Resource's generic 400). The body is an object. */
static json_t *read_body(heat_call_t *call, heat_result_t *reply)
{
    json_t *body = heat_api_required_body(call, reply);

    if (body && !json_is_object(body)) {
        /* body.get on a non-dict is an AttributeError (400, no message) */
        heat_api_reply_heat_error(call, reply, "AttributeError", NULL);
        return NULL;
    }
    return body;
}

/* body.get(key): a new reference, null when absent. */
static json_t *get(const json_t *body, const char *key)
{
    json_t *v = json_object_get(body, key);
    return v ? json_incref(v) : json_null();
}

/* body.get(key) or <empty>: a new reference. */
static json_t *get_or(const json_t *body, const char *key, json_t *empty)
{
    json_t *v = json_object_get(body, key);
    if (v && heat_py_truthy(v)) {
        json_decref(empty);
        return json_incref(v);
    }
    return empty;
}

/* A delete's result: None is 204; {"Error": m} is HTTPBadRequest(m); a dict without "Error" a
 * KeyError (500, no message); anything else TypeError (the generic 400). */
static void reply_deleted(heat_call_t *call, heat_result_t *reply, const json_t *res)
{
    const json_t *error;

    if (json_is_null(res)) {
        heat_api_reply_no_content(reply);
        return;
    }
    if (!json_is_object(res)) {
        heat_api_reply_http_error(call, reply, 400, HEAT_BAD_REQUEST_TEXT);
        return;
    }
    error = json_object_get(res, "Error");
    if (!error) {
        heat_api_reply_heat_error(call, reply, "KeyError", NULL);
        return;
    }
    if (json_is_string(error))
        heat_api_reply_http_error(call, reply, 400, json_string_value(error));
    else
        heat_api_reply_http_error(call, reply, 400,
                                  json_is_null(error) ? NULL : heat_json_dump(call->p, error, 0));
}

/* ---- software configs ----------------------------------------------------------------------- */

void heat_software_configs_index(heat_call_t *call, heat_result_t *reply)
{
    const char *global = heat_api_param(call, "global_tenant");
    const char *limit_text = heat_api_param(call, "limit");
    const char *marker = heat_api_param(call, "marker");
    const heat_context_t *ctx = call->ctx;
    int global_tenant = 0;
    json_int_t limit = 0;
    json_t *args, *configs;

    /* checked whenever present, even when empty */
    if (global && !heat_api_extract_bool(call, reply, "global_tenant", global, &global_tenant))
        return;
    if (global_tenant) {
        heat_result_t denial;
        /* global_index is itself registered_policy_enforce, with the context's tenant */
        if (!heat_policy_native_authorize(call->policy, call->p, call->ctx, "software_configs", "global_index",
                                          call->ctx->project_id, &denial)) {
            heat_result_fail(call->p, reply, HEAT_RESULT_FAULT, NULL, denial.status, denial.type, denial.message);
            return;
        }
        ctx = heat_context_admin(call->p);
    }
    /* get_allowed_params: empty values are absent */
    if (limit_text && *limit_text && !heat_api_extract_int(call, reply, "limit", limit_text, &limit))
        return;
    args = json_pack("{s:o, s:o}", "limit", (limit_text && *limit_text) ? json_integer(limit) : json_null(),
                     "marker", (marker && *marker) ? json_string(marker) : json_null());
    configs = heat_api_rpc(call, reply, ctx, "list_software_configs", args, "1.33");
    if (configs)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "software_configs", configs));
}

void heat_software_configs_create(heat_call_t *call, heat_result_t *reply)
{
    json_t *body = read_body(call, reply), *args, *config;

    if (!body)
        return;
    args = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "group", get(body, "group"), "name", get(body, "name"),
                     "config", get(body, "config"), "inputs", get_or(body, "inputs", json_array()), "outputs",
                     get_or(body, "outputs", json_array()), "options", get_or(body, "options", json_object()));
    config = heat_api_rpc(call, reply, call->ctx, "create_software_config", args, NULL);
    if (config)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "software_config", config));
}

void heat_software_configs_show(heat_call_t *call, heat_result_t *reply)
{
    json_t *config = heat_api_rpc(call, reply, call->ctx, "show_software_config",
                                  json_pack("{s:s}", "config_id", apr_table_get(call->vars, "config_id")), NULL);
    if (config)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "software_config", config));
}

void heat_software_configs_delete(heat_call_t *call, heat_result_t *reply)
{
    json_t *res = heat_api_rpc(call, reply, call->ctx, "delete_software_config",
                               json_pack("{s:s}", "config_id", apr_table_get(call->vars, "config_id")), NULL);
    if (res)
        reply_deleted(call, reply, res);
}

/* ---- software deployments ------------------------------------------------------------------- */

void heat_software_deployments_index(heat_call_t *call, heat_result_t *reply)
{
    const char *server_id = heat_api_param(call, "server_id");
    json_t *deployments = heat_api_rpc(call, reply, call->ctx, "list_software_deployments",
                                       json_pack("{s:o}", "server_id",
                                                 (server_id && *server_id) ? json_string(server_id) : json_null()),
                                       NULL);
    if (deployments)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "software_deployments", deployments));
}

void heat_software_deployments_metadata(heat_call_t *call, heat_result_t *reply)
{
    json_t *metadata = heat_api_rpc(call, reply, call->ctx, "metadata_software_deployments",
                                    json_pack("{s:s}", "server_id", apr_table_get(call->vars, "server_id")), NULL);
    if (metadata)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "metadata", metadata));
}

void heat_software_deployments_create(heat_call_t *call, heat_result_t *reply)
{
    json_t *body = read_body(call, reply), *args, *deployment;

    if (!body)
        return;
    /* all seven keys are passed, missing ones as None (not the RPC defaults) */
    args = json_pack("{s:o, s:o, s:n, s:o, s:o, s:o, s:o, s:o}", "server_id", get(body, "server_id"), "config_id",
                     get(body, "config_id"), "deployment_id", "input_values",
                     get_or(body, "input_values", json_object()), "action", get(body, "action"), "status",
                     get(body, "status"), "status_reason", get(body, "status_reason"), "stack_user_project_id",
                     get(body, "stack_user_project_id"));
    deployment = heat_api_rpc(call, reply, call->ctx, "create_software_deployment", args, NULL);
    if (deployment)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "software_deployment", deployment));
}

void heat_software_deployments_show(heat_call_t *call, heat_result_t *reply)
{
    json_t *deployment = heat_api_rpc(call, reply, call->ctx, "show_software_deployment",
                                      json_pack("{s:s}", "deployment_id",
                                                apr_table_get(call->vars, "deployment_id")),
                                      NULL);
    if (deployment)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "software_deployment", deployment));
}

void heat_software_deployments_update(heat_call_t *call, heat_result_t *reply)
{
    static const char *const keys[] = {"config_id", "input_values", "output_values", "action", "status",
                                       "status_reason"};
    json_t *body = read_body(call, reply), *args, *deployment;
    size_t i;

    if (!body)
        return;
    /* only the non-null keys are passed; the RPC's defaults (None) fill the others */
    args = json_pack("{s:s}", "deployment_id", apr_table_get(call->vars, "deployment_id"));
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        json_object_set_new(args, keys[i], get(body, keys[i]));
    json_object_set_new(args, "updated_at", json_null());
    deployment = heat_api_rpc(call, reply, call->ctx, "update_software_deployment", args, "1.5");
    if (deployment)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "software_deployment", deployment));
}

void heat_software_deployments_delete(heat_call_t *call, heat_result_t *reply)
{
    json_t *res = heat_api_rpc(call, reply, call->ctx, "delete_software_deployment",
                               json_pack("{s:s}", "deployment_id", apr_table_get(call->vars, "deployment_id")),
                               NULL);
    if (res)
        reply_deleted(call, reply, res);
}
