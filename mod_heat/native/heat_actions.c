/* heat_actions.c: POST S/actions, as heat/api/openstack/v1/actions.py (19.0.0) answers it. The
 * body names exactly one action; the controller has no decorator, each action is
 * registered_identified_stack with the scope "actions" (so the policy rule depends on the body,
 * and body errors come before the tenant and policy checks). */
#include "heat_handlers.h"
#include "heat_authorize.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_body.h"
#include "heat_json.h"

static const struct {
    const char *name;
    const char *method;
    int cancel_with_rollback; /* -1: no such argument */
} actions[] = {
    {"suspend", "stack_suspend", -1},
    {"resume", "stack_resume", -1},
    {"check", "stack_check", -1},
    {"cancel_update", "stack_cancel_update", 1},
    {"cancel_without_rollback", "stack_cancel_update", 0},
};

void heat_actions_action(heat_call_t *call, heat_result_t *reply)
{
    heat_result_t denial;
    json_t *body = NULL, *args, *value;
    const char *key = NULL;
    size_t key_len = 0, i;

    if (heat_api_body(call, reply, &body) == HEAT_BODY_ERROR)
        return;
    if (!body || json_object_size(body) < 1) {
        heat_api_reply_http_error(call, reply, 400, "No action specified");
        return;
    }
    if (json_object_size(body) > 1) {
        heat_api_reply_http_error(call, reply, 400, "Multiple actions specified");
        return;
    }
    json_object_keylen_foreach(body, key, key_len, value) {
        break;
    }
    (void)value;
    /* by length: "suspend\u0000x" is no action */
    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (key_len == strlen(actions[i].name) && memcmp(actions[i].name, key, key_len) == 0)
            break;
    if (i == sizeof(actions) / sizeof(actions[0])) {
        heat_api_reply_http_error(call, reply, 400, apr_psprintf(call->p, "Invalid action %s specified", key));
        return;
    }
    if (!heat_policy_native_authorize(call->policy, call->p, call->ctx, "actions", actions[i].name,
                                      apr_table_get(call->vars, "tenant_id"), &denial)) {
        heat_result_fail(call->p, reply, HEAT_RESULT_FAULT, NULL, denial.status, denial.type, denial.message);
        return;
    }
    if (actions[i].cancel_with_rollback < 0)
        args = json_pack("{s:o}", "stack_identity", heat_api_identity(call));
    else
        args = json_pack("{s:o, s:b}", "stack_identity", heat_api_identity(call), "cancel_with_rollback",
                         actions[i].cancel_with_rollback);
    if (!heat_api_rpc(call, reply, call->ctx, actions[i].method, args,
                      actions[i].cancel_with_rollback < 0 ? NULL : "1.14"))
        return;
    heat_api_reply_json(call, reply, 200, json_null());
}
