/* heat_events.c: the native API's event routes (heat/api/openstack/v1/events.py of 19.0.0):
 * the events of a stack or of one of its resources, and one event. openstackclient's
 * `stack create/update/delete --wait` polls them. */
#include "heat_handlers.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_json.h"

/* events.summary_keys: what an event list shows of each event. */
static const char *const summary_keys[] = {
    "event_identity", "event_time", "resource_name", "resource_status", "resource_status_reason",
    "physical_resource_id", NULL,
};

static int key_listed(const char *const *keys, const char *key)
{
    for (; *keys; keys++)
        if (strcmp(*keys, key) == 0)
            return 1;
    return 0;
}

/* events.format_event */
static json_t *format_event(heat_call_t *call, const json_t *event, const char *const *keys)
{
    json_t *out = json_object(), *value, *links = NULL;
    const json_t *action = json_object_get(event, "resource_action");
    const json_t *root = json_object_get(event, "root_stack_id");
    const char *key;

    json_object_foreach((json_t *)event, key, value) {
        if (keys && !key_listed(keys, key))
            continue;
        if (strcmp(key, "event_identity") == 0) {
            const char *path = json_string_value(json_object_get(value, "path"));
            const char *resource_path = heat_api_slash(call->p, heat_api_parent_path(call->p, path ? path : ""));
            const char *slash = path ? strrchr(path, '/') : NULL;
            json_object_set_new(out, "id", json_string(slash ? slash + 1 : ""));
            links = json_array();
            json_array_append_new(links, heat_api_link(call, value, path ? path : "", "self"));
            json_array_append_new(links, heat_api_link(call, value, resource_path, "resource"));
            json_array_append_new(links, heat_api_link(call, value, heat_api_slash(call->p, heat_api_parent_path(call->p, resource_path)), "stack"));
            json_object_set_new(out, "links", links);
        }
        else if (strcmp(key, "stack_identity") == 0 || strcmp(key, "stack_name") == 0 ||
                 strcmp(key, "resource_action") == 0)
            continue;
        else if (!heat_api_resource_state(call, out, key, value, action))
            json_object_set(out, key, value);
    }
    if (json_is_object(root) && links) {
        const char *root_path = json_string_value(json_object_get(root, "path"));
        json_array_append_new(links, heat_api_link(call, root, root_path ? root_path : "", "root_stack"));
    }
    return out;
}

static json_t *list_events(heat_call_t *call, heat_result_t *reply, json_t *filters, json_t *limit,
                           json_t *marker, json_t *sort_keys, json_t *sort_dir, json_t *nested_depth)
{
    json_t *args = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "stack_identity", heat_api_identity(call),
                             "filters", filters ? filters : json_null(), "limit", limit ? limit : json_null(),
                             "marker", marker ? marker : json_null(), "sort_keys",
                             sort_keys ? sort_keys : json_null(), "sort_dir", sort_dir ? sort_dir : json_null(),
                             "nested_depth", nested_depth ? nested_depth : json_null());
    return heat_api_rpc(call, reply, call->ctx, "list_events", args, "1.31");
}

void heat_events_index(heat_call_t *call, heat_result_t *reply)
{
    static const char *const filter_names[] = {"resource_status", "resource_action", "resource_name",
                                               "resource_type"};
    const char *resource = apr_table_get(call->vars, "resource_name");
    json_t *filters = json_object(), *ints[2] = {NULL, NULL}, *sort_keys = NULL, *events, *list, *v;
    const char *int_names[2] = {"limit", "nested_depth"};
    size_t n;
    int i;

    heat_json_own(call->p, filters);
    for (i = 0; i < 4; i++)
        if ((v = heat_api_allowed_param(call, filter_names[i], HEAT_PARAM_MIXED)))
            json_object_set_new(filters, filter_names[i], v);
    for (i = 0; i < 2; i++) {
        const char *text = heat_api_param(call, int_names[i]);
        json_int_t value;
        if (text && *text) {
            if (!heat_api_extract_int(call, reply, int_names[i], text, &value))
                return;
            ints[i] = json_integer(value);
        }
    }
    sort_keys = heat_api_allowed_param(call, "sort_keys", HEAT_PARAM_MULTI);
    if (resource)
        json_object_set_new(filters, "resource_name", json_string(resource));
    events = list_events(call, reply, (resource || json_object_size(filters)) ? json_incref(filters) : NULL,
                         ints[0], heat_api_allowed_param(call, "marker", HEAT_PARAM_SINGLE), sort_keys,
                         heat_api_allowed_param(call, "sort_dir", HEAT_PARAM_SINGLE), ints[1]);
    if (!events)
        return;
    if (resource && json_array_size(events) == 0) {
        heat_api_reply_http_error(call, reply, 404,
                                  apr_psprintf(call->p, "No events found for resource %s", resource));
        return;
    }
    list = json_array();
    json_array_foreach(events, n, v) {
        json_array_append_new(list, format_event(call, v, summary_keys));
    }
    heat_api_reply_json(call, reply, 200, json_pack("{s:o}", "events", list));
}

void heat_events_show(heat_call_t *call, heat_result_t *reply)
{
    const char *event_id = apr_table_get(call->vars, "event_id");
    json_t *events = list_events(call, reply,
                                 json_pack("{s:s, s:s}", "resource_name", apr_table_get(call->vars, "resource_name"),
                                           "uuid", event_id),
                                 NULL, NULL, NULL, NULL, NULL);
    if (!events)
        return;
    if (json_array_size(events) == 0) {
        heat_api_reply_http_error(call, reply, 404, apr_psprintf(call->p, "No event %s found", event_id));
        return;
    }
    heat_api_reply_json(call, reply, 200,
                        json_pack("{s:o}", "event", format_event(call, json_array_get(events, 0), NULL)));
}
