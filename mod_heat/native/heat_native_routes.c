/* heat_native_routes.c: heat-api's route table (heat/api/openstack/v1/__init__.py of heat 19.0.0),
 * one row per route: method, Routes template, group and action (heat's controller and method,
 * kept for logs and tests), the policy rule, when it is checked (heat_route_policy_t) and the
 * handler (heat_handlers.h). common/heat_routes.c compiles it; heat_api_dispatch runs a row.
 * Recipe for a new route: doc/architecture.md, "Add a native route". */
#include "heat_handlers.h"

/* Native routes in heat's order (heat/api/openstack/v1/__init__.py): the order is the match
 * order. `method` lists several methods comma-separated, as heat's connect() joins them.
 * Policy modes: ENFORCED (the tenant check and the rule, before the handler), TENANT (the
 * tenant check only; the handler picks the rule from the body), BODY (the handler checks the
 * rule the body names). */
const heat_route_t heat_native_route_rows[] = {
#define N(method, path, group, action, mode, policy, fn)                                                        \
    {method, path, group, action, policy, HEAT_ROUTE_POLICY_##mode, HEAT_NATIVE_FN(fn), NULL, HEAT_ROUTE_CONNECT}
    N("POST", "/{tenant_id}/validate", "stacks", "validate_template",
      ENFORCED, "stacks:validate_template", heat_misc_validate_template),
    N("GET", "/{tenant_id}/resource_types", "stacks", "list_resource_types",
      ENFORCED, "stacks:list_resource_types", heat_misc_list_resource_types),
    N("GET", "/{tenant_id}/resource_types/{type_name}", "stacks", "resource_schema",
      ENFORCED, "stacks:resource_schema", heat_misc_resource_schema),
    N("GET", "/{tenant_id}/resource_types/{type_name}/template", "stacks", "generate_template",
      ENFORCED, "stacks:generate_template", heat_misc_generate_template),
    N("GET", "/{tenant_id}/template_versions", "stacks", "list_template_versions",
      ENFORCED, "stacks:list_template_versions", heat_misc_list_template_versions),
    N("GET", "/{tenant_id}/template_versions/{template_version}/functions", "stacks", "list_template_functions",
      ENFORCED, "stacks:list_template_functions", heat_misc_list_template_functions),
    /* also stacks:global_index when global_tenant is set; policy is the primary rule */
    N("GET", "/{tenant_id}/stacks", "stacks", "index", ENFORCED, "stacks:index", heat_stacks_index),
    N("POST", "/{tenant_id}/stacks", "stacks", "create", ENFORCED, "stacks:create", heat_stacks_create),
    N("POST", "/{tenant_id}/stacks/preview", "stacks", "preview", ENFORCED, "stacks:preview", heat_stacks_preview),
    N("GET", "/{tenant_id}/stacks/detail", "stacks", "detail", ENFORCED, "stacks:detail", heat_stacks_detail),
    N("GET,POST,PUT,PATCH,DELETE", "/{tenant_id}/stacks/{stack_name}", "stacks", "lookup",
      ENFORCED, "stacks:lookup", heat_stacks_lookup),
    /* heat writes the colon as \x3A because Routes treats ':' specially; compiled as ':' */
    N("GET,POST,PUT,PATCH,DELETE", "/{tenant_id}/stacks/{stack_name:arn\\x3A.*}", "stacks", "lookup",
      ENFORCED, "stacks:lookup", heat_stacks_lookup),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{path:resources|events|template|actions|environment|files}", "stacks", "lookup",
      ENFORCED, "stacks:lookup", heat_stacks_lookup),
    N("POST", "/{tenant_id}/stacks/{stack_name}/{path:resources|events|template|actions}", "stacks", "lookup",
      ENFORCED, "stacks:lookup", heat_stacks_lookup),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}", "stacks", "show",
      ENFORCED, "stacks:show", heat_stacks_show),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/template", "stacks", "template",
      ENFORCED, "stacks:template", heat_stacks_template),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/environment", "stacks", "environment",
      ENFORCED, "stacks:environment", heat_stacks_environment),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/files", "stacks", "files",
      ENFORCED, "stacks:files", heat_stacks_files),
    N("PUT", "/{tenant_id}/stacks/{stack_name}/{stack_id}", "stacks", "update",
      ENFORCED, "stacks:update", heat_stacks_update),
    /* stacks:update_no_change instead when the patch changes nothing (decided on the body) */
    N("PATCH", "/{tenant_id}/stacks/{stack_name}/{stack_id}", "stacks", "update_patch",
      TENANT, "stacks:update_patch", heat_stacks_update_patch),
    N("PUT", "/{tenant_id}/stacks/{stack_name}/{stack_id}/preview", "stacks", "preview_update",
      ENFORCED, "stacks:preview_update", heat_stacks_preview_update),
    N("PATCH", "/{tenant_id}/stacks/{stack_name}/{stack_id}/preview", "stacks", "preview_update_patch",
      ENFORCED, "stacks:preview_update_patch", heat_stacks_preview_update_patch),
    N("DELETE", "/{tenant_id}/stacks/{stack_name}/{stack_id}", "stacks", "delete",
      ENFORCED, "stacks:delete", heat_stacks_delete),
    N("DELETE", "/{tenant_id}/stacks/{stack_name}/{stack_id}/abandon", "stacks", "abandon",
      ENFORCED, "stacks:abandon", heat_stacks_abandon),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/export", "stacks", "export",
      ENFORCED, "stacks:export", heat_stacks_export),
    N("POST", "/{tenant_id}/stacks/{stack_name}/{stack_id}/snapshots", "stacks", "snapshot",
      ENFORCED, "stacks:snapshot", heat_snapshots_create),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/snapshots/{snapshot_id}", "stacks", "show_snapshot",
      ENFORCED, "stacks:show_snapshot", heat_snapshots_show),
    N("DELETE", "/{tenant_id}/stacks/{stack_name}/{stack_id}/snapshots/{snapshot_id}", "stacks", "delete_snapshot",
      ENFORCED, "stacks:delete_snapshot", heat_snapshots_delete),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/snapshots", "stacks", "list_snapshots",
      ENFORCED, "stacks:list_snapshots", heat_snapshots_list),
    N("POST", "/{tenant_id}/stacks/{stack_name}/{stack_id}/snapshots/{snapshot_id}/restore", "stacks", "restore_snapshot",
      ENFORCED, "stacks:restore_snapshot", heat_snapshots_restore),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/outputs", "stacks", "list_outputs",
      ENFORCED, "stacks:list_outputs", heat_stacks_list_outputs),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/outputs/{output_key}", "stacks", "show_output",
      ENFORCED, "stacks:show_output", heat_stacks_show_output),

    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/resources", "resources", "index",
      ENFORCED, "resource:index", heat_resources_index),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/resources/{resource_name}", "resources", "show",
      ENFORCED, "resource:show", heat_resources_show),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/resources/{resource_name}/metadata", "resources", "metadata",
      ENFORCED, "resource:metadata", heat_resources_metadata),
    N("POST", "/{tenant_id}/stacks/{stack_name}/{stack_id}/resources/{resource_name}/signal", "resources", "signal",
      ENFORCED, "resource:signal", heat_resources_signal),
    N("PATCH", "/{tenant_id}/stacks/{stack_name}/{stack_id}/resources/{resource_name}", "resources", "mark_unhealthy",
      ENFORCED, "resource:mark_unhealthy", heat_resources_mark_unhealthy),

    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/events", "events", "index",
      ENFORCED, "events:index", heat_events_index),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/resources/{resource_name}/events", "events", "index",
      ENFORCED, "events:index", heat_events_index),
    N("GET", "/{tenant_id}/stacks/{stack_name}/{stack_id}/resources/{resource_name}/events/{event_id}", "events", "show",
      ENFORCED, "events:show", heat_events_show),

    /* Placeholder: the rule is actions:<key of the body> (suspend, resume, check, cancel_update,
     * cancel_without_rollback), known only once the body is read; actions:action is never
     * enforced by heat. */
    N("POST", "/{tenant_id}/stacks/{stack_name}/{stack_id}/actions", "actions", "action",
      BODY, "actions:action", heat_actions_action),

    N("GET", "/{tenant_id}/build_info", "build_info", "build_info",
      ENFORCED, "build_info:build_info", heat_build_info_build_info),

    /* also software_configs:global_index when global_tenant is set */
    N("GET", "/{tenant_id}/software_configs", "software_configs", "index",
      ENFORCED, "software_configs:index", heat_software_configs_index),
    N("POST", "/{tenant_id}/software_configs", "software_configs", "create",
      ENFORCED, "software_configs:create", heat_software_configs_create),
    N("GET", "/{tenant_id}/software_configs/{config_id}", "software_configs", "show",
      ENFORCED, "software_configs:show", heat_software_configs_show),
    N("DELETE", "/{tenant_id}/software_configs/{config_id}", "software_configs", "delete",
      ENFORCED, "software_configs:delete", heat_software_configs_delete),

    N("GET", "/{tenant_id}/software_deployments", "software_deployments", "index",
      ENFORCED, "software_deployments:index", heat_software_deployments_index),
    N("GET", "/{tenant_id}/software_deployments/metadata/{server_id}", "software_deployments", "metadata",
      ENFORCED, "software_deployments:metadata", heat_software_deployments_metadata),
    N("POST", "/{tenant_id}/software_deployments", "software_deployments", "create",
      ENFORCED, "software_deployments:create", heat_software_deployments_create),
    N("GET", "/{tenant_id}/software_deployments/{deployment_id}", "software_deployments", "show",
      ENFORCED, "software_deployments:show", heat_software_deployments_show),
    N("PUT", "/{tenant_id}/software_deployments/{deployment_id}", "software_deployments", "update",
      ENFORCED, "software_deployments:update", heat_software_deployments_update),
    N("DELETE", "/{tenant_id}/software_deployments/{deployment_id}", "software_deployments", "delete",
      ENFORCED, "software_deployments:delete", heat_software_deployments_delete),
#undef N
    /* heat registers services with a plain submapper, not connect(): no 405, no OPTIONS */
    {"GET", "/{tenant_id}/services", "services", "index", "service:index", HEAT_ROUTE_POLICY_ENFORCED,
     HEAT_NATIVE_FN(heat_misc_services_index), NULL, 0},
};

const int heat_native_route_count = (int)(sizeof(heat_native_route_rows) / sizeof(heat_native_route_rows[0]));

const char *heat_native_routes_create(apr_pool_t *p, heat_routes_t **routes)
{
    return heat_routes_create(p, heat_native_route_rows, heat_native_route_count, routes);
}
