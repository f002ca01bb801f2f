/* heat_snapshots.c: the stack snapshot routes, as heat/api/openstack/v1/stacks.py (19.0.0)
 * answers them (snapshot, show_snapshot, delete_snapshot, list_snapshots, restore_snapshot). */
#include "heat_handlers.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_body.h"
#include "heat_json.h"

static json_t *snapshot_call(heat_call_t *call, heat_result_t *reply, const char *method)
{
    return heat_api_rpc(call, reply, call->ctx, method,
                        json_pack("{s:o, s:s}", "stack_identity", heat_api_identity(call), "snapshot_id",
                                  apr_table_get(call->vars, "snapshot_id")),
                        NULL);
}

void heat_snapshots_create(heat_call_t *call, heat_result_t *reply)
{
    json_t *body = NULL, *name, *result;

    switch (heat_api_body(call, reply, &body)) {
    case HEAT_BODY_OK:
        break;
    case HEAT_BODY_ERROR: /* the fault is in reply */
        return;
    case HEAT_BODY_NONE:
    default:
        /* the required body argument is missing: a TypeError */
        heat_api_reply_http_error(call, reply, 400, HEAT_BAD_REQUEST_TEXT);
        return;
    }
    /* body.get('name'): any JSON value, null when absent */
    name = json_object_get(body, "name");
    result = heat_api_rpc(call, reply, call->ctx, "stack_snapshot",
                          json_pack("{s:o, s:O?}", "stack_identity", heat_api_identity(call), "name", name), NULL);
    if (result)
        heat_api_reply_json(call, reply, 200, json_incref(result));
}

void heat_snapshots_show(heat_call_t *call, heat_result_t *reply)
{
    json_t *result = snapshot_call(call, reply, "show_snapshot");
    if (result)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "snapshot", result));
}

void heat_snapshots_delete(heat_call_t *call, heat_result_t *reply)
{
    if (snapshot_call(call, reply, "delete_snapshot"))
        heat_api_reply_no_content(reply);
}

void heat_snapshots_list(heat_call_t *call, heat_result_t *reply)
{
    json_t *result = heat_api_rpc(call, reply, call->ctx, "stack_list_snapshots",
                                  json_pack("{s:o}", "stack_identity", heat_api_identity(call)), NULL);
    if (result)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "snapshots", result));
}

void heat_snapshots_restore(heat_call_t *call, heat_result_t *reply)
{
    if (snapshot_call(call, reply, "stack_restore"))
        heat_api_reply_accepted(call, reply);
}
