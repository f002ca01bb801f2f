/* heat_software.h: the native API's software config and deployment routes
 * (heat/api/openstack/v1/software_configs.py and software_deployments.py of 19.0.0). */
#ifndef HEAT_SOFTWARE_H
#define HEAT_SOFTWARE_H

#include "heat_api.h"

/* The handler of a "software_configs" or "software_deployments" route action; NULL otherwise. */
heat_handler_fn *heat_software_handler(const char *group, const char *action);

#endif
