/* heat_cfn_routes.c: heat-api-cfn's route table (heat/api/cfn/v1/__init__.py of heat 19.0.0):
 * one row per route with its handler (heat_cfn.h). The Action is matched here, once: each of
 * heat's Actions is a row on "/" that only the request's Action parameter selects.
 * common/heat_routes.c compiles the table; heat_cfn_dispatch runs a row. Recipe for a new
 * Action: doc/architecture.md, "Add a CFN Action". */
#include "heat_cfn.h"

/* CFN routes in heat's order. The legacy mapper.resource("stack", "stacks") routes come first;
 * Routes gives their {id} the requirement [^\/]+(?<!\\) (no trailing backslash), which POSIX
 * EREs, lacking look-behind, spell [^/]*[^/\\]; {format} has Routes' default [^/]+. mod_heat
 * answers InvalidAction on all of them (heat runs create/update/delete; doc/differences.md). */
#define ID "{id:[^/]*[^/\\\\]}"
#define L(method, path, pattern)                                                                                  \
    {method, path, "cfn", "InvalidAction", NULL, HEAT_ROUTE_POLICY_NONE, HEAT_CFN_FN(heat_cfn_invalid_action),   \
     pattern, 0}
/* An Action: _enforce checks cloudformation:<Action> before the handler. */
#define A(name, fn)                                                                                               \
    {"*", "/", "cfn", name, "cloudformation:" name, HEAT_ROUTE_POLICY_ENFORCED, HEAT_CFN_FN(fn), NULL,            \
     HEAT_ROUTE_ACTION}
const heat_route_t heat_cfn_route_rows[] = {
    L("GET", "/stacks/detail.{format}", NULL),
    L("GET", "/stacks/detail", NULL),
    L("POST", "/stacks.{format}", NULL),
    L("POST", "/stacks", NULL),
    L("GET", "/stacks.{format}", NULL),
    L("GET", "/stacks", NULL),
    L("GET", "/stacks/new.{format}", NULL),
    L("GET", "/stacks/new", NULL),
    L("GET", "/stacks/{id}/edit.{format}", "/stacks/" ID "/edit.{format}"),
    L("GET", "/stacks/{id}/edit", "/stacks/" ID "/edit"),
    L("PUT", "/stacks/{id}.{format}", "/stacks/" ID ".{format}"),
    L("PUT", "/stacks/{id}", "/stacks/" ID),
    L("DELETE", "/stacks/{id}.{format}", "/stacks/" ID ".{format}"),
    L("DELETE", "/stacks/{id}", "/stacks/" ID),
    L("GET", "/stacks/{id}.{format}", "/stacks/" ID ".{format}"),
    L("GET", "/stacks/{id}", "/stacks/" ID),
    /* "/" answers any method; heat's _actions, in its order */
    A("ListStacks", heat_cfn_list_stacks),
    A("CreateStack", heat_cfn_create_stack),
    A("DescribeStacks", heat_cfn_describe_stacks),
    A("DeleteStack", heat_cfn_delete_stack),
    A("UpdateStack", heat_cfn_update_stack),
    A("CancelUpdateStack", heat_cfn_cancel_update_stack),
    A("DescribeStackEvents", heat_cfn_describe_stack_events),
    A("ValidateTemplate", heat_cfn_validate_template),
    A("GetTemplate", heat_cfn_get_template),
    A("EstimateTemplateCost", heat_cfn_estimate_template_cost),
    A("DescribeStackResource", heat_cfn_describe_stack_resource),
    A("DescribeStackResources", heat_cfn_describe_stack_resources),
    A("ListStackResources", heat_cfn_list_stack_resources),
    /* heat's "index" on "/", which raises InvalidAction: no Action, or one not above */
    {"*", "/", "cfn", "InvalidAction", NULL, HEAT_ROUTE_POLICY_NONE, HEAT_CFN_FN(heat_cfn_invalid_action), NULL, 0},
    /* no policy check on these two routes (heat has none) */
    {"PUT", "/waitcondition/{arn:.*}", "signal", "update_waitcondition", NULL, HEAT_ROUTE_POLICY_NONE,
     HEAT_CFN_FN(heat_cfn_update_waitcondition), NULL, 0},
    {"POST", "/signal/{arn:.*}", "signal", "signal", NULL, HEAT_ROUTE_POLICY_NONE, HEAT_CFN_FN(heat_cfn_signal),
     NULL, 0},
};
#undef ID
#undef L
#undef A

const int heat_cfn_route_count = (int)(sizeof(heat_cfn_route_rows) / sizeof(heat_cfn_route_rows[0]));

const char *heat_cfn_routes_create(apr_pool_t *p, heat_routes_t **routes)
{
    return heat_routes_create(p, heat_cfn_route_rows, heat_cfn_route_count, routes);
}
