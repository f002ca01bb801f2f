/* heat_handlers.h: every handler of the native API, and its route table. Each handler answers
 * one row of native/heat_native_routes.c (the row names it), after heat_api_dispatch has
 * decoded the body and made the row's policy check. Recipe for a new route:
 * doc/architecture.md, "Add a native route". */
#ifndef HEAT_HANDLERS_H
#define HEAT_HANDLERS_H

#include "heat_api.h"

/* A handler as a route row stores it (heat_route_t.handler); the conditional makes the compiler
 * refuse a function that is not a heat_handler_fn. heat_api_dispatch casts it back. */
#define HEAT_NATIVE_FN(fn) ((heat_route_fn *)(1 ? (fn) : (heat_handler_fn *)0))

/* The native table (heat_native_routes.c) compiled into routes: error string or NULL. */
const char *heat_native_routes_create(apr_pool_t *p, heat_routes_t **routes);
/* The rows themselves, in heat's order (tests). */
extern const heat_route_t heat_native_route_rows[];
extern const int heat_native_route_count;

/* ---- stacks (heat_stacks.c, heat_stacks_write.c, heat_snapshots.c) -------------------------- */
heat_handler_fn heat_stacks_index;
heat_handler_fn heat_stacks_detail;
heat_handler_fn heat_stacks_lookup;
heat_handler_fn heat_stacks_show;
heat_handler_fn heat_stacks_template;
heat_handler_fn heat_stacks_environment;
heat_handler_fn heat_stacks_files;
heat_handler_fn heat_stacks_delete;
heat_handler_fn heat_stacks_abandon;
heat_handler_fn heat_stacks_export;
heat_handler_fn heat_stacks_list_outputs;
heat_handler_fn heat_stacks_show_output;
heat_handler_fn heat_stacks_create;
heat_handler_fn heat_stacks_preview;
heat_handler_fn heat_stacks_update;
heat_handler_fn heat_stacks_update_patch;       /* policy from the body: update_no_change / update_patch */
heat_handler_fn heat_stacks_preview_update;
heat_handler_fn heat_stacks_preview_update_patch;
heat_handler_fn heat_snapshots_create;          /* 200 with the engine's snapshot, not wrapped */
heat_handler_fn heat_snapshots_show;
heat_handler_fn heat_snapshots_delete;          /* 204 */
heat_handler_fn heat_snapshots_list;
heat_handler_fn heat_snapshots_restore;         /* 202 with webob's body */

/* ---- services, and the stacks controller's routes that need no stack (heat_misc.c) ----------- */
heat_handler_fn heat_misc_validate_template;
heat_handler_fn heat_misc_list_resource_types;
heat_handler_fn heat_misc_resource_schema;
heat_handler_fn heat_misc_generate_template;
heat_handler_fn heat_misc_list_template_versions;
heat_handler_fn heat_misc_list_template_functions;
heat_handler_fn heat_misc_services_index;       /* a timeout is 503 "All heat engines are down." */

/* ---- build_info (heat_build_info.c) ------------------------------------------------------------ */
heat_handler_fn heat_build_info_build_info;

/* ---- resources (heat_resources.c) -------------------------------------------------------------- */
heat_handler_fn heat_resources_index;
heat_handler_fn heat_resources_show;
heat_handler_fn heat_resources_metadata;
heat_handler_fn heat_resources_signal;
heat_handler_fn heat_resources_mark_unhealthy;

/* ---- events (heat_events.c) ------------------------------------------------------------------- */
heat_handler_fn heat_events_index;
heat_handler_fn heat_events_show;

/* ---- actions (heat_actions.c) ----------------------------------------------------------------- */
heat_handler_fn heat_actions_action;            /* policy from the body: actions:<key> */

/* ---- software configs and deployments (heat_software.c) --------------------------------------- */
heat_handler_fn heat_software_configs_index;
heat_handler_fn heat_software_configs_create;
heat_handler_fn heat_software_configs_show;
heat_handler_fn heat_software_configs_delete;
heat_handler_fn heat_software_deployments_index;
heat_handler_fn heat_software_deployments_metadata;
heat_handler_fn heat_software_deployments_create;
heat_handler_fn heat_software_deployments_show;
heat_handler_fn heat_software_deployments_update;
heat_handler_fn heat_software_deployments_delete;

/* ---- views shared between handler files --------------------------------------------------------- */

/* stacks_view.format_stack: the engine's stack dict as the API shows it. keys NULL: all keys
 * (show, detail); else only those (index). include_project adds "project" (admin listings). */
json_t *heat_stacks_format(heat_call_t *call, const json_t *stack, const char *const *keys,
                           int include_project);

#endif
