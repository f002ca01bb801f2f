/* heat_resources.h: the native API's resource routes (see heat_resources.c). */
#ifndef HEAT_RESOURCES_H
#define HEAT_RESOURCES_H

#include "heat_api.h"

/* The handler of a "resources" route action ("index", "show", "metadata", "signal",
 * "mark_unhealthy"); NULL if there is none. */
heat_handler_fn *heat_resources_handler(const char *action);

/* resources.format_resource: the engine's resource dict as the API shows it (links instead of
 * the identities, action and status joined, metadata dropped). A new reference. */
json_t *heat_resources_format(heat_call_t *call, const json_t *resource);

#endif
