/* heat_cfn_views.h: the Result documents of heat-api-cfn's actions built from what heat-engine
 * returns (the format_* helpers of heat/api/cfn/v1/stacks.py): AWS key names,
 * in heat's keymap order, only for the keys the engine sent; statuses "<action>_<status>";
 * stack identities as ARNs. Pure functions: no RPC, every value owned by p.
 *
 * Each returns the Result (for format_response) or NULL where heat's Python would raise (a
 * missing status field, an identity HeatIdentifier refuses), with *error saying what. xml is
 * 1 when the answer will be XML: a null LastUpdatedTime, DeletionTime or TimeoutInMinutes is
 * then left out (doc/differences.md: AWS clients cannot parse heat's "None" there). */
#ifndef HEAT_CFN_VIEWS_H
#define HEAT_CFN_VIEWS_H

#include <apr_pools.h>
#include <jansson.h>

/* ListStacks: {"StackSummaries": [...]} from list_stacks. */
json_t *heat_cfn_view_list_stacks(apr_pool_t *p, const json_t *stacks, int xml, const char **error);

/* DescribeStacks: {"Stacks": [...]} from show_stack. */
json_t *heat_cfn_view_describe_stacks(apr_pool_t *p, const json_t *stacks, int xml, const char **error);

/* DescribeStackEvents: {"StackEvents": [...]} from list_events. The engine leaves
 * resource_properties out of event lists; heat-api-cfn then crashes, mod_heat writes the
 * JSON of the missing value, "null" (doc/differences.md). */
json_t *heat_cfn_view_events(apr_pool_t *p, const json_t *events, const char **error);

/* DescribeStackResource: {"StackResourceDetail": {...}} from describe_stack_resource. */
json_t *heat_cfn_view_resource_detail(apr_pool_t *p, const json_t *resource, const char **error);

/* DescribeStackResources: {"StackResources": [...]} from describe_stack_resources. */
json_t *heat_cfn_view_resources(apr_pool_t *p, const json_t *resources, const char **error);

/* ListStackResources: {"StackResourceSummaries": [...]} from list_stack_resources. */
json_t *heat_cfn_view_resource_summaries(apr_pool_t *p, const json_t *resources, const char **error);

/* ValidateTemplate: the engine's result with Parameters as a list of {ParameterKey,
 * DefaultValue, Description, NoEcho}; {"Error": text} gives the text itself. */
json_t *heat_cfn_view_validate(apr_pool_t *p, const json_t *result, const char **error);

/* CreateStack / UpdateStack: {"StackId": arn} when the engine returned an identity, else the
 * engine's result as it is. */
json_t *heat_cfn_view_stack_id(apr_pool_t *p, const json_t *result);

#endif
