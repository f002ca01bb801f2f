/* heat_authorize.h: heat's API-side authorization of a request's context (heat/api/openstack/v1/
 * util.py, heat/api/cfn/v1/stacks.py _enforce): the tenant check and the policy rules, evaluated
 * by heat_policy on the credentials heat_context gives. Kept apart from both so that the policy
 * engine needs no request context and the context only the engine. */
#ifndef HEAT_AUTHORIZE_H
#define HEAT_AUTHORIZE_H

#include "heat_context.h"
#include "heat_policy.h"
#include "heat_result.h"

/* A refusal is a heat_result_t error: for heat-api's fault body (heat/api/middleware/fault.py
 * FaultWrapper) the status, the error "type" (the exception class) and "message" (NULL when
 * heat leaves it out because the exception is not "safe"). For heat-api-cfn: type is the AWS
 * error code ("AccessDenied", "InternalFailure") and message the detail after "explanation:". */

/* util.py registered_policy_enforce (and registered_identified_stack): the tenant check, then
 * authorize("<scope>:<action>", {"project_id": path_tenant}). 1 = go on; 0 = refused, *out
 * says how. The tenant check passes when the context's project is the path tenant or
 * is_admin is true; heat 19.0.0 also meant to let system-scoped tokens through but compares
 * system_scope with Python's builtin all, which never matches,
 * so neither does mod_heat. */
int heat_policy_native_authorize(const heat_policy_t *pol, apr_pool_t *p, const heat_context_t *ctx,
                                 const char *scope, const char *action, const char *path_tenant,
                                 heat_result_t *out);

/* Only the tenant check (no_policy_enforce, and update_patch before its body is parsed). */
int heat_policy_native_tenant_check(const heat_context_t *ctx, const char *path_tenant,
                                    heat_result_t *out);

/* Only the policy part: authorize(rule, {"project_id": target_project}) as a controller calls
 * it (stacks:global_index, stacks:update_patch / update_no_change with the ctx's project). */
int heat_policy_native_enforce(const heat_policy_t *pol, apr_pool_t *p, const heat_context_t *ctx,
                               const char *rule, const char *target_project, heat_result_t *out);

/* heat-api-cfn's _enforce: authorize("cloudformation:<Action>", {}). Refusals: AccessDenied
 * "Action <A> not allowed for user"; any other error: InternalFailure "Error authorizing
 * action <A>". */
int heat_policy_cfn_authorize(const heat_policy_t *pol, apr_pool_t *p, const heat_context_t *ctx,
                              const char *action, heat_result_t *out);

#endif
