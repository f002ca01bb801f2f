/* heat_cfn.h: heat-api-cfn's controllers (heat/api/cfn/v1/stacks.py and signal.py of 19.0.0)
 * on the core's heat_call_t. The glue (mod_heat_router.c) routes the request with
 * heat_routes_cfn_match, authenticates it (ec2authtoken, authtoken, context) and hands it here;
 * the answer is AWS XML (or JSON with ContentType=JSON), cfn-api.md §3-§10. */
#ifndef HEAT_CFN_H
#define HEAT_CFN_H

#include "heat_api.h"

/* Runs one routed CFN request. call->route is the matched CFN route: group "cfn" with the
 * Action as its action (policy "cloudformation:<Action>"), the route "InvalidAction", or group
 * "signal" ("update_waitcondition" / "signal", route variable "arn"). call->params holds
 * webob's req.params: the query's pairs, then the form body's. Fills reply, including
 * reply->status_line ("400 InvalidAction") for AWS errors. */
void heat_cfn_dispatch(heat_call_t *call, heat_reply_t *reply);

#endif
