/* heat_resources.c: the native API's resource routes, as heat/api/openstack/v1/resources.py
 * (19.0.0) answers them: index (the only route that refuses unknown query keys), show (with
 * with_attr), metadata, signal and mark_unhealthy (PATCH). Events of a resource are in
 * heat_events.c. */
#include "heat_handlers.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heat_body.h"
#include "heat_json.h"
#include "heat_pycompat.h"

/* ---- Python reprs (for heat's error messages) ------------------------------------------- */

/* repr() of a JSON value as Python holds it. */
static const char *py_repr(apr_pool_t *p, const json_t *v)
{
    const char *out, *key;
    json_t *item;
    size_t i;

    switch (json_typeof(v)) {
    case JSON_STRING:
        return heat_py_repr(p, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)json_integer_value(v));
    case JSON_REAL:
        return heat_py_float(p, json_real_value(v));
    case JSON_TRUE:
        return "True";
    case JSON_FALSE:
        return "False";
    case JSON_ARRAY:
        out = "[";
        json_array_foreach(v, i, item) {
            out = apr_pstrcat(p, out, i ? ", " : "", py_repr(p, item), NULL);
        }
        return apr_pstrcat(p, out, "]", NULL);
    case JSON_OBJECT:
        out = "{";
        i = 0;
        json_object_foreach((json_t *)v, key, item) {
            out = apr_pstrcat(p, out, i++ ? ", " : "", heat_py_repr(p, key, strlen(key)), ": ", py_repr(p, item), NULL);
        }
        return apr_pstrcat(p, out, "}", NULL);
    case JSON_NULL:
    default:
        return "None";
    }
}

/* str() of a JSON value: a string as it is, anything else as its repr. */
static const char *py_str(apr_pool_t *p, const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : py_repr(p, v);
}

/* ---- view --------------------------------------------------------------------------------- */

/* resources.format_resource: the engine's resource dict as the API shows it (links instead of
 * the identities, action and status joined, metadata dropped). A new reference. */
static json_t *format_resource(heat_call_t *call, const json_t *resource)
{
    json_t *out = json_object(), *value;
    const json_t *action = json_object_get(resource, "resource_action");
    const char *key;

    if (!json_is_object(resource))
        return out;
    json_object_foreach((json_t *)resource, key, value) {
        if (strcmp(key, "resource_identity") == 0) {
            const char *path = json_string_value(json_object_get(value, "path"));
            const json_t *nested = json_object_get(resource, "nested_stack_id");
            json_t *links = json_array();
            json_array_append_new(links, heat_api_link(call, value, path ? path : "", "self"));
            json_array_append_new(links, heat_api_link(call, value, heat_api_parent_path(call->p, path ? path : ""), "stack"));
            if (json_is_object(nested) && json_object_size(nested)) {
                const char *npath = json_string_value(json_object_get(nested, "path"));
                json_array_append_new(links, heat_api_link(call, nested, npath ? npath : "", "nested"));
            }
            json_object_set_new(out, "links", links);
        }
        else if (strcmp(key, "stack_name") == 0 || strcmp(key, "stack_identity") == 0 ||
                 strcmp(key, "resource_action") == 0 || strcmp(key, "nested_stack_id") == 0 ||
                 strcmp(key, "metadata") == 0)
            continue;
        else if (!heat_api_resource_state(call, out, key, value, action))
            json_object_set(out, key, value);
    }
    return out;
}

/* ---- bodies ------------------------------------------------------------------------------- */

/* JSONRequestDeserializer. Returns 1 with *body (NULL when there is none) or 0 with the reply. */
static int read_body(heat_call_t *call, heat_result_t *reply, json_t **body)
{

    *body = NULL;
    switch (heat_api_body(call, reply, body)) {
    case HEAT_BODY_OK:
        return 1;
    case HEAT_BODY_ERROR: /* the fault is in reply */
        return 0;
    case HEAT_BODY_NONE:
    default:
        *body = NULL;
        return 1;
    }
}

/* ---- index -------------------------------------------------------------------------------- */

static const char *const filter_names[] = {"type", "status", "name", "action", "id", "physical_resource_id",
                                           NULL};

static int index_key_allowed(const char *key)
{
    const char *const *k;
    if (strcmp(key, "nested_depth") == 0 || strcmp(key, "with_detail") == 0)
        return 1;
    for (k = filter_names; *k; k++)
        if (strcmp(*k, key) == 0)
            return 1;
    return 0;
}

void heat_resources_index(heat_call_t *call, heat_result_t *reply)
{
    json_t *filters, *list, *out, *v;
    const char *invalid = NULL, *text;
    const char *const *k;
    json_int_t nested_depth = 0;
    int with_detail = 0, i, j;
    size_t n;

    /* the unknown keys, once each: str(list(set)) */
    for (i = 0; i < call->params->nelts; i++) {
        const char *name = APR_ARRAY_IDX(call->params, i, heat_param_t).name;
        int seen = 0;
        if (index_key_allowed(name))
            continue;
        for (j = 0; j < i; j++)
            if (strcmp(APR_ARRAY_IDX(call->params, j, heat_param_t).name, name) == 0)
                seen = 1;
        if (!seen)
            invalid = apr_pstrcat(call->p, invalid ? invalid : "[", invalid ? ", " : "",
                                  heat_py_repr(call->p, name, strlen(name)), NULL);
    }
    if (invalid) {
        heat_api_reply_http_error(call, reply, 400,
                                  apr_psprintf(call->p, "Invalid filter parameters %s]", invalid));
        return;
    }
    if ((text = heat_api_param(call, "nested_depth")) &&
        !heat_api_extract_int(call, reply, "nested_depth", text, &nested_depth))
        return;
    if ((text = heat_api_param(call, "with_detail")) &&
        !heat_api_extract_bool(call, reply, "with_detail", text, &with_detail))
        return;
    filters = json_object();
    for (k = filter_names; *k; k++)
        if ((v = heat_api_allowed_param(call, *k, HEAT_PARAM_MIXED)))
            json_object_set_new(filters, *k, v);
    list = heat_api_rpc(call, reply, call->ctx, "list_stack_resources",
                        json_pack("{s:o, s:I, s:b, s:o}", "stack_identity", heat_api_identity(call),
                                  "nested_depth", nested_depth, "with_detail", with_detail, "filters", filters),
                        "1.25");
    if (!list)
        return;
    out = json_array();
    json_array_foreach(list, n, v) {
        json_array_append_new(out, format_resource(call, v));
    }
    heat_api_reply_json(call, reply, 200, json_pack("{s:o}", "resources", out));
}

/* ---- show, metadata ------------------------------------------------------------------------ */

static json_t *describe(heat_call_t *call, heat_result_t *reply, json_t *with_attr)
{
    return heat_api_rpc(call, reply, call->ctx, "describe_stack_resource",
                        json_pack("{s:o, s:s, s:o}", "stack_identity", heat_api_identity(call), "resource_name",
                                  apr_table_get(call->vars, "resource_name"), "with_attr", with_attr),
                        "1.2");
}

void heat_resources_show(heat_call_t *call, heat_result_t *reply)
{
    apr_array_header_t *attrs = heat_api_params_all(call, "with_attr");
    json_t *with_attr = json_null(), *res;
    int i;

    if (attrs->nelts) {
        with_attr = json_array();
        for (i = 0; i < attrs->nelts; i++)
            json_array_append_new(with_attr, json_string(APR_ARRAY_IDX(attrs, i, const char *)));
    }
    if (!(res = describe(call, reply, with_attr)))
        return;
    heat_api_reply_json(call, reply, 200, json_pack("{s:o}", "resource", format_resource(call, res)));
}

void heat_resources_metadata(heat_call_t *call, heat_result_t *reply)
{
    json_t *res = describe(call, reply, json_false()), *metadata;

    if (!res)
        return;
    if (!(metadata = json_object_get(res, "metadata"))) {
        /* res[RES_METADATA]: a KeyError */
        heat_api_reply_heat_error(call, reply, "KeyError", NULL);
        return;
    }
    heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "metadata", metadata));
}

/* ---- signal, mark_unhealthy ---------------------------------------------------------------- */

void heat_resources_signal(heat_call_t *call, heat_result_t *reply)
{
    json_t *body;

    if (!read_body(call, reply, &body))
        return;
    if (!heat_api_rpc(call, reply, call->ctx, "resource_signal",
                      json_pack("{s:o, s:s, s:O?, s:b}", "stack_identity", heat_api_identity(call),
                                "resource_name", apr_table_get(call->vars, "resource_name"), "details", body,
                                "sync_call", 0),
                      "1.3"))
        return;
    heat_api_reply_json(call, reply, 200, json_null());
}

void heat_resources_mark_unhealthy(heat_call_t *call, heat_result_t *reply)
{
    json_t *body, *value, *reason;
    const char *key, *invalid = NULL, *text;
    size_t key_len;
    int mark = 0;

    if (!read_body(call, reply, &body))
        return;
    if (!body) {
        /* the required body argument is missing: a TypeError */
        heat_api_reply_http_error(call, reply, 400, HEAT_BAD_REQUEST_TEXT);
        return;
    }
    /* by length: a key with a NUL character is none of the two */
    json_object_keylen_foreach(body, key, key_len, value) {
        if (!(key_len == 14 && !memcmp(key, "mark_unhealthy", 14))
            && !(key_len == 22 && !memcmp(key, "resource_status_reason", 22)))
            invalid = apr_pstrcat(call->p, invalid ? invalid : "{", invalid ? ", " : "",
                                  heat_py_repr(call->p, key, strlen(key)), NULL);
    }
    if (invalid) {
        heat_api_reply_http_error(call, reply, 400,
                                  apr_psprintf(call->p, "Invalid keys in resource mark unhealthy %s}", invalid));
        return;
    }
    if (!(value = json_object_get(body, "mark_unhealthy"))) {
        heat_api_reply_http_error(call, reply, 400,
                                  "Missing mandatory (mark_unhealthy) key from mark unhealthy request");
        return;
    }
    /* extract_bool(name, value) looks at str(value) */
    text = py_str(call->p, value);
    if (!heat_api_extract_bool(call, reply, "mark_unhealthy", text, &mark))
        return;
    reason = json_object_get(body, "resource_status_reason");
    reason = reason ? json_incref(reason) : json_string("");
    if (!heat_api_rpc(call, reply, call->ctx, "resource_mark_unhealthy",
                      json_pack("{s:o, s:s, s:b, s:o}", "stack_identity", heat_api_identity(call),
                                "resource_name", apr_table_get(call->vars, "resource_name"), "mark_unhealthy",
                                mark, "resource_status_reason", reason),
                      "1.26"))
        return;
    heat_api_reply_json(call, reply, 200, json_null());
}
