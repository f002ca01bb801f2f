/* heat_stacks_write.c: the stack routes that take a template (heat/api/openstack/v1/stacks.py
 * of 19.0.0): create, preview, update (PUT), update_patch (PATCH) and the update previews.
 * The body is decoded and turned into the engine's arguments by heat_body and heat_template
 * (InstantiationData), in heat-api's order, so the first error is heat-api's. */
#include "heat_handlers.h"
#include "heat_authorize.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_body.h"
#include "heat_json.h"
#include "heat_template.h"

/* update_patch's own policy check, made after the body is parsed (update_no_change when the
 * patch changes nothing, else update_patch), with the context's project as the target. */
static int authorize_patch(void *baton, int no_change, heat_error_t *err)
{
    heat_call_t *call = baton;
    heat_result_t denial;

    if (heat_policy_native_enforce(call->policy, call->p, call->ctx,
                                   no_change ? "stacks:update_no_change" : "stacks:update_patch",
                                   call->ctx->project_id, &denial))
        return 1;
    heat_error_set(err, denial.status, denial.type, denial.message);
    return 0;
}

/* The update previews read show_nested from the query right after prepare_args. */
static int preview_show_nested(void *baton, json_t *args, heat_error_t *err)
{
    heat_call_t *call = baton;
    const char *text = heat_api_param(call, "show_nested");
    int show_nested;

    if (!text || !*text)
        return 1;
    if (strcasecmp(text, "true") == 0)
        show_nested = 1;
    else if (strcasecmp(text, "false") == 0)
        show_nested = 0;
    else {
        heat_error_set(err, 400, "HTTPBadRequest",
                       apr_psprintf(call->p, "Unrecognized value \"%s\" for \"show_nested\", acceptable "
                                             "values are: true, false.", text));
        return 0;
    }
    json_object_set_new(args, "show_nested", json_boolean(show_nested));
    return 1;
}

/* The body as InstantiationData for the action; 0 with the reply set on error. */
static int instantiate(heat_call_t *call, heat_result_t *reply, heat_inst_action_t action, heat_inst_t *inst)
{
    json_t *body = heat_api_required_body(call, reply);
    heat_inst_conf_t conf;
    heat_error_t err;

    if (!body)
        return 0;
    memset(&conf, 0, sizeof(conf));
    conf.max_template_size = (apr_size_t)call->settings->max_template_size;
    conf.fetch = heat_api_fetch_template;
    conf.fetch_baton = call;
    conf.authorize = authorize_patch;
    conf.authorize_baton = call;
    if (action == HEAT_INST_PREVIEW_UPDATE || action == HEAT_INST_PREVIEW_UPDATE_PATCH) {
        conf.after_args = preview_show_nested;
        conf.after_args_baton = call;
    }
    if (!heat_inst_build(call->p, body, action, &conf, inst, &err)) {
        heat_api_reply_error(call, reply, &err);
        return 0;
    }
    return 1;
}

void heat_stacks_create(heat_call_t *call, heat_result_t *reply)
{
    heat_inst_t inst;
    json_t *identity, *stack;
    const char *url;

    if (!instantiate(call, reply, HEAT_INST_CREATE, &inst))
        return;
    identity = heat_api_rpc(call, reply, call->ctx, "create_stack", json_incref(heat_inst_create_stack_args(call->p, &inst)),
                            "1.36");
    if (!identity)
        return;
    /* stacks_view.format_stack(req, {"stack_identity": result}), 201 with its link as Location */
    stack = heat_stacks_format(call, heat_json_own(call->p, json_pack("{s:O}", "stack_identity", identity)), NULL, 0);
    url = json_string_value(json_object_get(json_array_get(json_object_get(stack, "links"), 0), "href"));
    heat_api_reply_json(call, reply, 201, json_pack("{s:o}", "stack", stack));
    reply->location = url ? apr_pstrdup(call->p, url) : NULL;
}

void heat_stacks_preview(heat_call_t *call, heat_result_t *reply)
{
    heat_inst_t inst;
    json_t *result;

    if (!instantiate(call, reply, HEAT_INST_PREVIEW, &inst))
        return;
    result = heat_api_rpc(call, reply, call->ctx, "preview_stack",
                          json_incref(heat_inst_preview_stack_args(call->p, &inst)), "1.36");
    if (result)
        heat_api_reply_json(call, reply, 200, json_pack("{s:o}", "stack", heat_stacks_format(call, result, NULL, 0)));
}

static void update(heat_call_t *call, heat_result_t *reply, heat_inst_action_t action)
{
    heat_inst_t inst;
    int preview = action == HEAT_INST_PREVIEW_UPDATE || action == HEAT_INST_PREVIEW_UPDATE_PATCH;
    json_t *args, *result;

    if (!instantiate(call, reply, action, &inst))
        return;
    args = json_incref(heat_inst_update_stack_args(call->p, &inst, heat_json_own(call->p, heat_api_identity(call)),
                                                   preview));
    result = heat_api_rpc(call, reply, call->ctx, preview ? "preview_update_stack" : "update_stack", args, "1.36");
    if (!result)
        return;
    if (preview)
        heat_api_reply_json(call, reply, 200, json_pack("{s:O}", "resource_changes", result));
    else
        heat_api_reply_accepted(call, reply);
}

void heat_stacks_update(heat_call_t *call, heat_result_t *reply)
{
    update(call, reply, HEAT_INST_UPDATE);
}

void heat_stacks_update_patch(heat_call_t *call, heat_result_t *reply)
{
    update(call, reply, HEAT_INST_UPDATE_PATCH);
}

void heat_stacks_preview_update(heat_call_t *call, heat_result_t *reply)
{
    update(call, reply, HEAT_INST_PREVIEW_UPDATE);
}

void heat_stacks_preview_update_patch(heat_call_t *call, heat_result_t *reply)
{
    update(call, reply, HEAT_INST_PREVIEW_UPDATE_PATCH);
}
