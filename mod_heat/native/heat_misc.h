/* heat_misc.h: the native API's small routes (heat/api/openstack/v1 of 19.0.0): build_info,
 * services, resource types, template versions and functions, template validation. */
#ifndef HEAT_MISC_H
#define HEAT_MISC_H

#include "heat_api.h"

/* The handler of a route action of group "build_info", "services" or "stacks" (validate_template,
 * list_resource_types, resource_schema, generate_template, list_template_versions,
 * list_template_functions); NULL for any other. */
heat_handler_fn *heat_misc_handler(const char *group, const char *action);

#endif
