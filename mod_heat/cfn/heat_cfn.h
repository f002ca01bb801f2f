/* heat_cfn.h: heat-api-cfn's controllers (heat/api/cfn/v1/stacks.py and signal.py of 19.0.0)
 * on the core's heat_call_t: every CFN handler, its route table and the dispatcher. The glue
 * (mod_heat_router.c) routes the request with heat_routes_cfn_match on the table of
 * heat_cfn_routes.c, authenticates it (ec2authtoken, authtoken, context) and hands it to
 * heat_cfn_dispatch; the answer is AWS XML (or JSON with ContentType=JSON), heat_cfn_format.h.
 * Recipe for a new Action: doc/architecture.md, "Add a CFN Action". */
#ifndef HEAT_CFN_H
#define HEAT_CFN_H

#include "heat_api.h"

/* One request on its way through a CFN handler. */
typedef struct {
    heat_call_t *call;
    heat_result_t *reply;
    apr_pool_t *p;
    int json; /* ContentType=JSON */
} heat_cfn_t;

typedef void heat_cfn_handler_fn(heat_cfn_t *c);

/* A handler as a route row stores it (heat_route_t.handler); the conditional makes the compiler
 * refuse a function that is not a heat_cfn_handler_fn. heat_cfn_dispatch casts it back. */
#define HEAT_CFN_FN(fn) ((heat_route_fn *)(1 ? (fn) : (heat_cfn_handler_fn *)0))

/* The CFN table (heat_cfn_routes.c) compiled into routes: error string or NULL. */
const char *heat_cfn_routes_create(apr_pool_t *p, heat_routes_t **routes);
/* The rows themselves, in heat's order (tests). */
extern const heat_route_t heat_cfn_route_rows[];
extern const int heat_cfn_route_count;

/* Runs one routed CFN request. call->route is the matched CFN row: group "cfn" with the
 * Action as its action (policy "cloudformation:<Action>"), the route "InvalidAction", or group
 * "signal" ("update_waitcondition" / "signal", route variable "arn"). call->params holds
 * webob's req.params: the query's pairs, then the form body's. Checks the parameters, then the
 * row's policy, then runs its handler. Fills reply, including reply->status_line
 * ("400 InvalidAction") for AWS errors. */
void heat_cfn_dispatch(heat_call_t *call, heat_result_t *reply);

/* ---- the handlers (heat_cfn.c) ---------------------------------------------------------------- */
heat_cfn_handler_fn heat_cfn_list_stacks;
heat_cfn_handler_fn heat_cfn_create_stack;
heat_cfn_handler_fn heat_cfn_describe_stacks;
heat_cfn_handler_fn heat_cfn_delete_stack;
heat_cfn_handler_fn heat_cfn_update_stack;
heat_cfn_handler_fn heat_cfn_cancel_update_stack;
heat_cfn_handler_fn heat_cfn_describe_stack_events;
heat_cfn_handler_fn heat_cfn_validate_template;
heat_cfn_handler_fn heat_cfn_get_template;
heat_cfn_handler_fn heat_cfn_estimate_template_cost;
heat_cfn_handler_fn heat_cfn_describe_stack_resource;
heat_cfn_handler_fn heat_cfn_describe_stack_resources;
heat_cfn_handler_fn heat_cfn_list_stack_resources;
heat_cfn_handler_fn heat_cfn_invalid_action;     /* heat's index: 400 InvalidAction */
heat_cfn_handler_fn heat_cfn_update_waitcondition; /* PUT /waitcondition/{arn} */
heat_cfn_handler_fn heat_cfn_signal;             /* POST /signal/{arn} */

#endif
