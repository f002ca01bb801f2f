/* heat_cfn_arn.h: stack and resource ARNs as heat/common/identifier.py writes and reads them
 * arn:openstack:heat::<tenant>:stacks/<stack_name>/<stack_id><path>.
 * An identity is the RPC object {"tenant", "stack_name", "stack_id", "path"}. */
#ifndef HEAT_CFN_ARN_H
#define HEAT_CFN_ARN_H

#include <apr_pools.h>
#include <jansson.h>

/* HeatIdentifier(**identity).arn(): tenant, stack name and id percent-encoded with no safe
 * characters, the path keeping '/' (a path not starting with '/' gets one). NULL when
 * HeatIdentifier would refuse the object: a missing or non-string field (stack_id may be a
 * number, str() of it is used), an unknown key, a stack name with '/'. */
const char *heat_cfn_arn(apr_pool_t *p, const json_t *identity);

/* HeatIdentifier.from_arn is heat_identifier_from_arn (heat_identifier.h). */

/* ResourceIdentifier.from_arn(arn): the owning stack's identity (identity.stack(): the path
 * without its last two components) and the resource name (the last path component). */
json_t *heat_cfn_resource_arn_parse(apr_pool_t *p, const char *arn, const char **resource_name,
                                    const char **error);

/* EventIdentifier(**identity).event_id: the last component of the path; NULL as for
 * heat_cfn_arn. */
const char *heat_cfn_event_id(apr_pool_t *p, const json_t *identity);

#endif
