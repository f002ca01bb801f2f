/* heat_stacks.h: the native API's stack routes (heat/api/openstack/v1/stacks.py of 19.0.0). */
#ifndef HEAT_STACKS_H
#define HEAT_STACKS_H

#include "heat_api.h"

/* The handler of a "stacks" route action ("index", "show", ...); NULL if not implemented. */
heat_handler_fn *heat_stacks_handler(const char *action);

/* stacks_view.format_stack: the engine's stack dict as the API shows it. keys NULL: all keys
 * (show, detail); else only those (index). include_project adds "project" (admin listings). */
json_t *heat_stacks_format(heat_call_t *call, const json_t *stack, const char *const *keys,
                           int include_project);

/* HeatIdentifier.from_arn: the identity an ARN names, NULL if s is not a Heat stack ARN. */
json_t *heat_stacks_identity_from_arn(apr_pool_t *p, const char *s);

#endif
