/* heat_identifier.h: heat/common/identifier.py's HeatIdentifier.from_arn, the one parser of
 * stack ARNs (arn:openstack:heat::<tenant>:stacks/<stack_name>/<stack_id><path>) for the CFN
 * API (cfn/heat_cfn_arn.c) and the native API's stack lookup (native/heat_stacks.c). */
#ifndef HEAT_IDENTIFIER_H
#define HEAT_IDENTIFIER_H

#include <apr_pools.h>
#include <jansson.h>

/* HeatIdentifier.from_arn(arn): a new identity object {"tenant", "stack_name", "stack_id",
 * "path"} owned by p, or NULL with *error (heat's ValueError message: '"x" is not a valid
 * ARN', '... valid Heat ARN', 'Stack name may not contain "/"'). The fields are unquoted as
 * urllib does (invalid UTF-8 replaced by U+FFFD); the path stops at a newline, as the
 * regular expression's (.*) does. */
json_t *heat_identifier_from_arn(apr_pool_t *p, const char *arn, const char **error);

#endif
