/* heat_stacks.c: the native API's stack routes, as heat/api/openstack/v1/stacks.py (19.0.0)
 * answers them: index (with global_tenant and with_count), detail, lookup (ARNs and names),
 * show, template, environment, files, delete, abandon, export, outputs. The routes that take
 * a template are in heat_stacks_write.c. */
#include "heat_handlers.h"
#include "heat_authorize.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

#include "heat_identifier.h"
#include "heat_json.h"
#include "heat_log.h"
#include "heat_util.h"

/* ---- views -------------------------------------------------------------------------------- */

/* stacks_view.basic_keys: what a stack list shows of each stack. */
static const char *const basic_keys[] = {
    "stack_identity", "stack_name", "description", "stack_status", "stack_status_reason",
    "creation_time", "deletion_time", "updated_time", "stack_owner", "parent",
    "stack_user_project_id", "tags", NULL,
};

static int key_listed(const char *const *keys, const char *key)
{
    for (; *keys; keys++)
        if (strcmp(*keys, key) == 0)
            return 1;
    return 0;
}

json_t *heat_stacks_format(heat_call_t *call, const json_t *stack, const char *const *keys,
                           int include_project)
{
    json_t *out = json_object(), *value;
    const json_t *action = json_object_get(stack, "stack_action");
    const char *key;

    json_object_foreach((json_t *)stack, key, value) {
        if (keys && !key_listed(keys, key))
            continue;
        if (strcmp(key, "stack_identity") == 0) {
            const char *url = heat_api_stack_url(call, value);
            json_object_set(out, "id", json_object_get(value, "stack_id"));
            json_object_set_new(out, "links", json_pack("[{s:s?, s:s}]", "href", url, "rel", "self"));
            if (include_project)
                json_object_set(out, "project", json_object_get(value, "tenant"));
        }
        else if (strcmp(key, "stack_action") == 0)
            continue;
        else if (strcmp(key, "stack_status") == 0 && action)
            /* the API joins action and status: CREATE_COMPLETE */
            json_object_set_new(out, key, json_string(apr_pstrcat(call->p, json_string_value(action), "_",
                                                                  json_string_value(value), NULL)));
        else
            json_object_set(out, key, value);
    }
    return out;
}

/* ---- index -------------------------------------------------------------------------------- */

/* The filters of stacks.index: rpc_api.STACK_KEYS less the unsupported ones, then the legacy
 * names, in heat's dict order. */
static const char *const filter_keys[] = {
    "stack_name", "stack_identity", "stack_action", "stack_status", "stack_status_reason",
    "disable_rollback", "timeout_mins", "stack_owner", "parent", "stack_user_project_id",
    "id", "status", "name", "action", "tenant", "username", "owner_id", NULL,
};

static void index_common(heat_call_t *call, heat_result_t *reply, int use_admin_context)
{
    static const char *const bool_params[] = {"show_deleted", "show_nested", "show_hidden"};
    static const char *const tag_params[] = {"tags", "tags_any", "not_tags", "not_tags_any"};
    json_t *filters = heat_json_own(call->p, json_object());
    json_t *args, *count_args, *stacks, *formatted, *result, *v, *tags[4] = {NULL};
    const heat_context_t *ctx = use_admin_context ? heat_context_admin(call->p) : call->ctx;
    const char *const *k;
    const char *with_count_text, *limit_text;
    int flags[3] = {0, 0, 0}, with_count = 0, i;
    json_int_t limit = 0;
    size_t n;

    for (k = filter_keys; *k; k++) {
        if ((v = heat_api_allowed_param(call, *k, HEAT_PARAM_MIXED)))
            json_object_set_new(filters, *k, v);
    }
    for (i = 0; i < 3; i++) {
        const char *text = heat_api_param(call, bool_params[i]);
        if (text && *text && !heat_api_extract_bool(call, reply, bool_params[i], text, &flags[i]))
            return;
    }
    limit_text = heat_api_param(call, "limit");
    if (limit_text && *limit_text && !heat_api_extract_int(call, reply, "limit", limit_text, &limit))
        return;
    for (i = 0; i < 4; i++) {
        const char *text = heat_api_param(call, tag_params[i]);
        if (text && *text && !heat_api_extract_tags(call, reply, text, &tags[i]))
            return;
        if (tags[i])
            heat_json_own(call->p, tags[i]);
    }
    with_count_text = heat_api_param(call, "with_count");
    if (with_count_text && *with_count_text &&
        !heat_api_extract_bool(call, reply, "with_count", with_count_text, &with_count))
        return;

    args = json_object();
    json_object_set_new(args, "limit", (limit_text && *limit_text) ? json_integer(limit) : json_null());
    v = heat_api_allowed_param(call, "sort_keys", HEAT_PARAM_MULTI);
    json_object_set_new(args, "sort_keys", v ? v : json_null());
    v = heat_api_allowed_param(call, "marker", HEAT_PARAM_SINGLE);
    json_object_set_new(args, "marker", v ? v : json_null());
    v = heat_api_allowed_param(call, "sort_dir", HEAT_PARAM_SINGLE);
    json_object_set_new(args, "sort_dir", v ? v : json_null());
    json_object_set(args, "filters", json_object_size(filters) ? filters : json_null());
    json_object_set_new(args, "show_deleted", json_boolean(flags[0]));
    json_object_set_new(args, "show_nested", json_boolean(flags[1]));
    json_object_set_new(args, "show_hidden", json_boolean(flags[2]));
    for (i = 0; i < 4; i++)
        json_object_set(args, tag_params[i], tags[i] ? tags[i] : json_null());
    count_args = json_deep_copy(args);

    stacks = heat_api_rpc(call, reply, ctx, "list_stacks", args, "1.33");
    if (!stacks) {
        json_decref(count_args);
        return;
    }
    result = heat_json_own(call->p, json_object());
    formatted = json_array();
    json_array_foreach(stacks, n, v) {
        json_array_append_new(formatted, heat_stacks_format(call, v, basic_keys, ctx->is_admin));
    }
    json_object_set_new(result, "stacks", formatted);

    /* views_common.get_collection_links: a next link when limit > 0 filled the page */
    if (limit_text && *limit_text && limit > 0 && (size_t)limit == json_array_size(formatted)) {
        const char *last_id = json_string_value(json_object_get(json_array_get(formatted, json_array_size(formatted) - 1), "id"));
        apr_array_header_t *pairs = apr_array_make(call->p, call->params->nelts + 1, sizeof(heat_param_t));
        heat_param_t *marker;
        for (i = 0; i < call->params->nelts; i++) {
            const heat_param_t *pair = &APR_ARRAY_IDX(call->params, i, heat_param_t);
            if (strcmp(pair->name, "marker") != 0)
                *(heat_param_t *)apr_array_push(pairs) = *pair;
        }
        marker = apr_array_push(pairs);
        marker->name = "marker";
        marker->value = last_id ? last_id : "";
        json_object_set_new(result, "links",
                            json_pack("[{s:s, s:s}]", "rel", "next", "href",
                                      apr_pstrcat(call->p, call->path_url, "?",
                                                  heat_query_urlencode(call->p, pairs), NULL)));
    }
    if (with_count) {
        json_t *count;
        json_object_del(count_args, "limit");
        json_object_del(count_args, "sort_keys");
        json_object_del(count_args, "marker");
        json_object_del(count_args, "sort_dir");
        count = heat_api_rpc(call, reply, ctx, "count_stacks", count_args, "1.33");
        /* 19.0.0 catches AttributeError around count_stacks ("Old Engine Version": an
         * AttributeError the engine raised is rebuilt as a subclass of it) and lists
         * without the count; 24.0.0 calls it unconditionally */
        if (!count && call->settings->release == HEAT_RELEASE_19 && reply->type &&
            !strcmp(reply->type, "AttributeError")) {
            heat_log(HEAT_LOG_WARNING, "HEAT1600 count_stacks: Old Engine Version: heat-engine raised "
                     "AttributeError; the stack list has no count");
            heat_api_reply_json(call, reply, 200, json_incref(result));
            return;
        }
        if (!count)
            return;
        json_object_set(result, "count", count);
    }
    else
        json_decref(count_args);
    heat_api_reply_json(call, reply, 200, json_incref(result));
}

void heat_stacks_index(heat_call_t *call, heat_result_t *reply)
{
    const char *global = heat_api_param(call, "global_tenant");
    int global_tenant = 0;

    /* checked whenever present, even when empty */
    if (global && !heat_api_extract_bool(call, reply, "global_tenant", global, &global_tenant))
        return;
    if (global_tenant) {
        heat_result_t denial;
        /* global_index is itself a registered_policy_enforce with the context's tenant */
        if (!heat_policy_native_authorize(call->policy, call->p, call->ctx, "stacks", "global_index",
                                          call->ctx->project_id, &denial)) {
            heat_result_fail(call->p, reply, HEAT_RESULT_FAULT, NULL, denial.status, denial.type, denial.message);
            return;
        }
    }
    index_common(call, reply, global_tenant);
}

void heat_stacks_detail(heat_call_t *call, heat_result_t *reply)
{
    json_t *args = json_pack("{s:n, s:n, s:n, s:n, s:n, s:b, s:b, s:b, s:n, s:n, s:n, s:n}", "limit",
                             "sort_keys", "marker", "sort_dir", "filters", "show_deleted", 0, "show_nested", 0,
                             "show_hidden", 0, "tags", "tags_any", "not_tags", "not_tags_any");
    json_t *stacks = heat_api_rpc(call, reply, call->ctx, "list_stacks", args, "1.33"), *v;
    json_t *formatted;
    size_t n;

    if (!stacks)
        return;
    formatted = json_array();
    json_array_foreach(stacks, n, v) {
        json_array_append_new(formatted, heat_stacks_format(call, v, NULL, 0));
    }
    heat_api_reply_json(call, reply, 200, json_pack("{s:o}", "stacks", formatted));
}

/* ---- lookup ------------------------------------------------------------------------------- */

void heat_stacks_lookup(heat_call_t *call, heat_result_t *reply)
{
    const char *name = apr_table_get(call->vars, "stack_name");
    const char *path = apr_table_get(call->vars, "path");
    const char *arn_error = NULL;
    /* a ValueError from from_arn: the name is looked up instead */
    json_t *identity = heat_identifier_from_arn(call->p, name, &arn_error);
    const char *location;

    if (!identity) {
        identity = heat_api_rpc(call, reply, call->ctx, "identify_stack", json_pack("{s:s}", "stack_name", name),
                                NULL);
        if (!identity)
            return;
    }
    location = heat_api_stack_url(call, identity);
    if (!location) {
        heat_api_reply_http_error(call, reply, 500, "Invalid Stack address");
        return;
    }
    if (path && *path)
        location = apr_pstrcat(call->p, location, "/", path, NULL);
    if (call->params->nelts)
        location = apr_pstrcat(call->p, location, "?", heat_query_urlencode(call->p, call->params), NULL);
    heat_api_reply_found(call, reply, location);
}

/* ---- one stack ---------------------------------------------------------------------------- */

void heat_stacks_show(heat_call_t *call, heat_result_t *reply)
{
    const char *text = heat_api_param(call, "resolve_outputs");
    int resolve_outputs = 1;
    json_t *list;

    if (text && !heat_api_extract_bool(call, reply, "resolve_outputs", text, &resolve_outputs))
        return;
    list = heat_api_rpc(call, reply, call->ctx, "show_stack",
                        json_pack("{s:o, s:b}", "stack_identity", heat_api_identity(call), "resolve_outputs",
                                  resolve_outputs),
                        "1.20");
    if (!list)
        return;
    if (!json_is_array(list) || json_array_size(list) == 0) {
        heat_api_reply_http_error(call, reply, 500, NULL);
        return;
    }
    heat_api_reply_json(call, reply, 200,
                        json_pack("{s:o}", "stack", heat_stacks_format(call, json_array_get(list, 0), NULL, 0)));
}

/* The routes that return the engine's answer as it is: one identity argument. */
static void identity_passthrough(heat_call_t *call, heat_result_t *reply, const char *method,
                                 const char *version)
{
    json_t *result = heat_api_rpc(call, reply, call->ctx, method,
                                  json_pack("{s:o}", "stack_identity", heat_api_identity(call)), version);
    if (result)
        heat_api_reply_json(call, reply, 200, json_incref(result));
}

void heat_stacks_template(heat_call_t *call, heat_result_t *reply)
{
    identity_passthrough(call, reply, "get_template", NULL);
}

void heat_stacks_environment(heat_call_t *call, heat_result_t *reply)
{
    identity_passthrough(call, reply, "get_environment", "1.28");
}

void heat_stacks_files(heat_call_t *call, heat_result_t *reply)
{
    identity_passthrough(call, reply, "get_files", "1.32");
}

void heat_stacks_abandon(heat_call_t *call, heat_result_t *reply)
{
    identity_passthrough(call, reply, "abandon_stack", NULL);
}

void heat_stacks_export(heat_call_t *call, heat_result_t *reply)
{
    identity_passthrough(call, reply, "export_stack", "1.22");
}

void heat_stacks_delete(heat_call_t *call, heat_result_t *reply)
{
    /* a call, not a cast: the engine's errors reach the client */
    if (heat_api_rpc(call, reply, call->ctx, "delete_stack",
                     json_pack("{s:o}", "stack_identity", heat_api_identity(call)), NULL))
        heat_api_reply_no_content(reply);
}

void heat_stacks_list_outputs(heat_call_t *call, heat_result_t *reply)
{
    json_t *outputs = heat_api_rpc(call, reply, call->ctx, "list_outputs",
                                   json_pack("{s:o}", "stack_identity", heat_api_identity(call)), "1.19");
    if (outputs)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "outputs", outputs));
}

void heat_stacks_show_output(heat_call_t *call, heat_result_t *reply)
{
    json_t *output = heat_api_rpc(call, reply, call->ctx, "show_output",
                                  json_pack("{s:o, s:s}", "stack_identity", heat_api_identity(call), "output_key",
                                            apr_table_get(call->vars, "output_key")),
                                  "1.19");
    if (output)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "output", output));
}
