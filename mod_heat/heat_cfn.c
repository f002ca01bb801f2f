/* heat_cfn.c: heat-api-cfn's controllers. So far only the router's answers: InvalidAction for
 * the routes heat answers that way, APINotImplemented for the rest. */
#include "heat_cfn.h"

#include <apr_strings.h>

static void reply_cfn_error(heat_call_t *call, heat_reply_t *reply, const char *code, const char *detail)
{
    const heat_cfn_error_t *err = heat_cfn_error(code);
    reply->status = err->status;
    /* heat's AWS errors use the AWS code as the reason phrase: "400 InvalidAction" */
    reply->status_line = apr_psprintf(call->p, "%d %s", err->status, err->code);
    reply->content_type = "application/xml; charset=UTF-8";
    reply->body = heat_fault_cfn_xml(call->p, err, detail);
}

void heat_cfn_dispatch(heat_call_t *call, heat_reply_t *reply)
{
    if (strcmp(call->route->action, "InvalidAction") == 0)
        reply_cfn_error(call, reply, "InvalidAction", NULL);
    else
        reply_cfn_error(call, reply, "APINotImplemented",
                        apr_psprintf(call->p, "mod_heat does not implement %s yet.", call->route->action));
}
