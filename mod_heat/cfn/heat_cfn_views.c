/* heat_cfn_views.c: the Result documents of heat-api-cfn's actions (see heat_cfn_views.h). */
#include "heat_cfn_views.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_cfn_arn.h"
#include "heat_cfn_format.h"
#include "heat_json.h"

/* One keymap row: the engine's key (heat/rpc/api.py) and the AWS one. */
typedef struct {
    const char *engine;
    const char *aws;
} keymap_t;

/* api_utils.reformat_dict_keys: the keymap's keys present in in, in the keymap's order. */
static void reformat(json_t *out, const json_t *in, const keymap_t *map)
{
    for (; map->engine; map++) {
        json_t *v = json_object_get(in, map->engine);
        if (v)
            json_object_set(out, map->aws, v);
    }
}

/* '_'.join((action, status)); NULL where Python raises (a missing key, not a string). */
static const char *status_of(apr_pool_t *p, const json_t *in, const char *action_key, const char *status_key,
                             const char **error)
{
    const json_t *a = json_object_get(in, action_key), *s = json_object_get(in, status_key);
    if (!json_is_string(a) || !json_is_string(s)) {
        *error = apr_psprintf(p, "the engine's data has no %s or %s", action_key, status_key);
        return NULL;
    }
    return apr_pstrcat(p, json_string_value(a), "_", json_string_value(s), NULL);
}

/* _id_format for StackId: the identity as an ARN. */
static int stack_id_arn(apr_pool_t *p, json_t *result, const char **error)
{
    const json_t *id = json_object_get(result, "StackId");
    const char *arn;
    if (!id)
        return 1;
    arn = heat_cfn_arn(p, id);
    if (!arn) {
        *error = "the engine's stack identity is not a HeatIdentifier";
        return 0;
    }
    json_object_set_new(result, "StackId", json_string(arn));
    return 1;
}

/* Runs fn over every item of an engine list into {key: [...]}. */
typedef json_t *item_fn(apr_pool_t *p, const json_t *item, int xml, const char **error);

static json_t *each(apr_pool_t *p, const json_t *list, const char *key, item_fn *fn, int xml, const char **error)
{
    json_t *out = heat_json_own(p, json_object()), *items = json_array(), *v;
    size_t i;

    json_object_set_new(out, key, items);
    if (!json_is_array(list)) {
        *error = "the engine's answer is not a list";
        return NULL;
    }
    json_array_foreach(list, i, v) {
        json_t *item = fn(p, v, xml, error);
        if (!item)
            return NULL;
        json_array_append(items, item);
    }
    return out;
}

/* ---- stacks -------------------------------------------------------------------------------- */

/* In the XML, heat writes an unset value as the text "None", which AWS clients cannot read where
 * they expect a time or a number (awscli: 'Invalid timestamp "None"', "invalid literal for int()");
 * AWS leaves such elements out, and so does mod_heat (doc/differences.md). JSON keeps its null. */
static void drop_unset(json_t *out)
{
    static const char *const typed[] = {"LastUpdatedTime", "DeletionTime", "TimeoutInMinutes", NULL};
    const char *const *k;
    for (k = typed; *k; k++)
        if (json_is_null(json_object_get(out, *k)))
            json_object_del(out, *k);
}

static const keymap_t summary_keys[] = {
    {"creation_time", "CreationTime"},
    {"updated_time", "LastUpdatedTime"},
    {"stack_identity", "StackId"},
    {"stack_name", "StackName"},
    {"stack_status_reason", "StackStatusReason"},
    {"template_description", "TemplateDescription"},
    {NULL, NULL},
};

static json_t *stack_summary(apr_pool_t *p, const json_t *s, int xml, const char **error)
{
    json_t *out = heat_json_own(p, json_object());
    const json_t *deletion = json_object_get(s, "deletion_time");
    const char *status;

    reformat(out, s, summary_keys);
    if (!(status = status_of(p, s, "stack_action", "stack_status", error)))
        return NULL;
    json_object_set_new(out, "StackStatus", json_string(status));
    if (deletion)
        json_object_set(out, "DeletionTime", (json_t *)deletion);
    if (xml)
        drop_unset(out);
    return stack_id_arn(p, out, error) ? out : NULL;
}

json_t *heat_cfn_view_list_stacks(apr_pool_t *p, const json_t *stacks, int xml, const char **error)
{
    return each(p, stacks, "StackSummaries", stack_summary, xml, error);
}

/* transform(): ':' -> '.' in the keys of a dict and of the dicts among its values (not in
 * lists), so that they are not read as XML namespaces. A later key that maps onto an earlier
 * one replaces its value in the earlier place, as dict() does. */
static json_t *replace_colons(apr_pool_t *p, const json_t *d)
{
    json_t *out = json_object(), *v;
    const char *key;

    json_object_foreach((json_t *)d, key, v) {
        json_t *value = json_is_object(v) ? replace_colons(p, v) : json_incref(v);
        char *k = apr_pstrdup(p, key), *c;
        for (c = k; *c; c++)
            if (*c == ':')
                *c = '.';
        json_object_set_new(out, k, value);
    }
    return out;
}

static const keymap_t output_keys[] = {
    {"description", "Description"},
    {"output_key", "OutputKey"},
    {"output_value", "OutputValue"},
    {NULL, NULL},
};

static const keymap_t stack_keys[] = {
    {"capabilities", "Capabilities"},
    {"creation_time", "CreationTime"},
    {"description", "Description"},
    {"disable_rollback", "DisableRollback"},
    {"notification_topics", "NotificationARNs"},
    {"parameters", "Parameters"},
    {"stack_identity", "StackId"},
    {"stack_name", "StackName"},
    {"stack_status_reason", "StackStatusReason"},
    {"timeout_mins", "TimeoutInMinutes"},
    {NULL, NULL},
};

static json_t *stack_detail(apr_pool_t *p, const json_t *s, int xml, const char **error)
{
    json_t *out = heat_json_own(p, json_object()), *outputs, *params, *v;
    const json_t *updated = json_object_get(s, "updated_time"), *engine_outputs = json_object_get(s, "outputs");
    const char *status, *key;
    size_t i;

    reformat(out, s, stack_keys);
    if (updated && !json_is_null(updated))
        json_object_set(out, "LastUpdatedTime", (json_t *)updated);
    if (!(status = status_of(p, s, "stack_action", "stack_status", error)))
        return NULL;
    json_object_set_new(out, "StackStatus", json_string(status));

    outputs = json_array();
    json_object_set_new(out, "Outputs", outputs);
    if (json_is_array(engine_outputs)) {
        json_array_foreach(engine_outputs, i, v) {
            json_t *o = json_object(), *t;
            if (!json_is_object(v)) {
                json_decref(o);
                *error = "an engine output is not a dict";
                return NULL;
            }
            t = replace_colons(p, v);
            reformat(o, t, output_keys);
            json_decref(t);
            json_array_append_new(outputs, o);
        }
    }

    /* the parameter map becomes [{ParameterKey, ParameterValue}], in its place */
    v = json_object_get(out, "Parameters");
    if (!json_is_object(v)) {
        *error = "the engine's stack has no parameters dict";
        return NULL;
    }
    params = json_array();
    {
        json_t *value;
        json_object_foreach(v, key, value)
            json_array_append_new(params, json_pack("{s:s, s:O}", "ParameterKey", key, "ParameterValue", value));
    }
    json_object_set_new(out, "Parameters", params);
    /* heat itself leaves a null LastUpdatedTime out here, in both formats */
    if (xml)
        drop_unset(out);
    return stack_id_arn(p, out, error) ? out : NULL;
}

json_t *heat_cfn_view_describe_stacks(apr_pool_t *p, const json_t *stacks, int xml, const char **error)
{
    return each(p, stacks, "Stacks", stack_detail, xml, error);
}

/* ---- events -------------------------------------------------------------------------------- */

static const keymap_t event_keys[] = {
    {"event_identity", "EventId"},
    {"resource_name", "LogicalResourceId"},
    {"physical_resource_id", "PhysicalResourceId"},
    {"resource_properties", "ResourceProperties"},
    {"resource_status_reason", "ResourceStatusReason"},
    {"resource_type", "ResourceType"},
    {"stack_identity", "StackId"},
    {"stack_name", "StackName"},
    {"event_time", "Timestamp"},
    {NULL, NULL},
};

static json_t *event(apr_pool_t *p, const json_t *e, int xml, const char **error)
{
    json_t *out = heat_json_own(p, json_object());
    const json_t *props = json_object_get(e, "resource_properties"), *id;
    const char *status, *event_id;
    const keymap_t *k;

    (void)xml;
    for (k = event_keys; k->engine; k++) {
        json_t *v = json_object_get(e, k->engine);
        if (strcmp(k->engine, "resource_properties") == 0)
            /* jsonutils.dumps(properties); "null" when the engine left them out, where
             * heat-api-cfn fails on the KeyError */
            json_object_set_new(out, k->aws, json_string(props ? heat_json_dump(p, props, 0) : "null"));
        else if (v)
            json_object_set(out, k->aws, v);
    }
    if (!(status = status_of(p, e, "resource_action", "resource_status", error)))
        return NULL;
    json_object_set_new(out, "ResourceStatus", json_string(status));
    if (!stack_id_arn(p, out, error))
        return NULL;
    if ((id = json_object_get(out, "EventId"))) {
        if (!(event_id = heat_cfn_event_id(p, id))) {
            *error = "the engine's event identity is not an EventIdentifier";
            return NULL;
        }
        json_object_set_new(out, "EventId", json_string(event_id));
    }
    return out;
}

json_t *heat_cfn_view_events(apr_pool_t *p, const json_t *events, const char **error)
{
    return each(p, events, "StackEvents", event, 0, error);
}

/* ---- resources ----------------------------------------------------------------------------- */

static const keymap_t detail_keys[] = {
    {"description", "Description"},
    {"updated_time", "LastUpdatedTimestamp"},
    {"resource_name", "LogicalResourceId"},
    {"metadata", "Metadata"},
    {"physical_resource_id", "PhysicalResourceId"},
    {"resource_status_reason", "ResourceStatusReason"},
    {"resource_type", "ResourceType"},
    {"stack_identity", "StackId"},
    {"stack_name", "StackName"},
    {NULL, NULL},
};

static const keymap_t resource_keys[] = {
    {"description", "Description"},
    {"resource_name", "LogicalResourceId"},
    {"physical_resource_id", "PhysicalResourceId"},
    {"resource_status_reason", "ResourceStatusReason"},
    {"resource_type", "ResourceType"},
    {"stack_identity", "StackId"},
    {"stack_name", "StackName"},
    {"updated_time", "Timestamp"},
    {NULL, NULL},
};

static const keymap_t summary_resource_keys[] = {
    {"updated_time", "LastUpdatedTimestamp"},
    {"resource_name", "LogicalResourceId"},
    {"physical_resource_id", "PhysicalResourceId"},
    {"resource_status_reason", "ResourceStatusReason"},
    {"resource_type", "ResourceType"},
    {NULL, NULL},
};

static json_t *resource(apr_pool_t *p, const json_t *r, const keymap_t *keys, int with_arn, const char **error)
{
    json_t *out = heat_json_own(p, json_object());
    const char *status;

    if (!json_is_object(r)) {
        *error = "an engine resource is not a dict";
        return NULL;
    }
    reformat(out, r, keys);
    if (!(status = status_of(p, r, "resource_action", "resource_status", error)))
        return NULL;
    json_object_set_new(out, "ResourceStatus", json_string(status));
    return !with_arn || stack_id_arn(p, out, error) ? out : NULL;
}

static json_t *stack_resource(apr_pool_t *p, const json_t *r, int xml, const char **error)
{
    (void)xml;
    return resource(p, r, resource_keys, 1, error);
}

static json_t *resource_summary(apr_pool_t *p, const json_t *r, int xml, const char **error)
{
    (void)xml;
    return resource(p, r, summary_resource_keys, 0, error);
}

json_t *heat_cfn_view_resource_detail(apr_pool_t *p, const json_t *r, const char **error)
{
    json_t *detail = resource(p, r, detail_keys, 1, error), *out;
    if (!detail)
        return NULL;
    out = heat_json_own(p, json_object());
    json_object_set(out, "StackResourceDetail", detail);
    return out;
}

json_t *heat_cfn_view_resources(apr_pool_t *p, const json_t *resources, const char **error)
{
    return each(p, resources, "StackResources", stack_resource, 0, error);
}

json_t *heat_cfn_view_resource_summaries(apr_pool_t *p, const json_t *resources, const char **error)
{
    return each(p, resources, "StackResourceSummaries", resource_summary, 0, error);
}

/* ---- templates and results ------------------------------------------------------------------ */

json_t *heat_cfn_view_validate(apr_pool_t *p, const json_t *result, const char **error)
{
    json_t *out, *params, *list, *v;
    const char *key;

    if (!json_is_object(result)) {
        *error = "the engine's validation result is not a dict";
        return NULL;
    }
    if ((v = json_object_get(result, "Error")))
        return v; /* format_response('ValidateTemplate', res['Error']) */
    out = heat_json_own(p, json_deep_copy(result));
    params = json_object_get(out, "Parameters");
    if (!json_is_object(params)) {
        *error = "the engine's validation result has no Parameters dict";
        return NULL;
    }
    list = json_array();
    json_object_foreach(params, key, v) {
        json_t *d = json_object_get(v, "Default"), *desc = json_object_get(v, "Description"),
               *no_echo = json_object_get(v, "NoEcho");
        if (!json_is_object(v)) {
            json_decref(list);
            *error = "an engine parameter is not a dict";
            return NULL;
        }
        /* format_validate_parameter: value.get(key, default) */
        json_array_append_new(list, json_pack("{s:s, s:o, s:o, s:o}", "ParameterKey", key, "DefaultValue",
                                              d ? json_incref(d) : json_string(""), "Description",
                                              desc ? json_incref(desc) : json_string(""), "NoEcho",
                                              no_echo ? json_incref(no_echo) : json_string("false")));
    }
    json_object_set_new(out, "Parameters", list);
    return out;
}

json_t *heat_cfn_view_stack_id(apr_pool_t *p, const json_t *result)
{
    const char *arn = json_is_object(result) ? heat_cfn_arn(p, result) : NULL;
    json_t *out;

    if (!arn)
        return (json_t *)result; /* HeatIdentifier(**result) failed: the result as it is */
    out = heat_json_own(p, json_object());
    json_object_set_new(out, "StackId", json_string(arn));
    return out;
}
