/* heat_authorize.c: see heat_authorize.h. */
#include "heat_authorize.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_json.h"

#define WEBOB_BAD_REQUEST "The server could not comply with the request since it is either malformed or otherwise incorrect."

/* What heat-api answers when enforcing inside a controller raised: Forbidden is a "safe"
 * HeatException (403 with its message); the controller dispatch (heat/common/wsgi.py
 * Resource) turns a TypeError into HTTPBadRequest with webob's message; anything else
 * reaches faultwrap without a message: AttributeError and ValueError map to 400, the rest
 * (PolicyNotRegistered, InvalidScope, SyntaxError, ...) to 500. */
/* heat 24.0.0's Enforcer catches oslo's InvalidScope and raises its own exception class
 * (Forbidden) instead: the refusal of a denied rule, not a 500. */
static int scope_refusal(const heat_policy_t *pol, const heat_policy_outcome_t *o)
{
    return heat_policy_release(pol) == HEAT_RELEASE_24 && o->error_type &&
           !strcmp(o->error_type, HEAT_POLICY_EXC_INVALID_SCOPE);
}

static void native_error(const heat_policy_outcome_t *o, heat_result_t *out)
{
    if (!strcmp(o->error_type, "TypeError")) {
        out->status = 400;
        out->type = "HTTPBadRequest";
        out->message = WEBOB_BAD_REQUEST;
        return;
    }
    out->status = (!strcmp(o->error_type, "AttributeError") || !strcmp(o->error_type, "ValueError")) ? 400 : 500;
    out->type = o->error_type;
    out->message = NULL;
}

/* Python's == of two optional strings: None equals None. */
static int same_project(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

int heat_policy_native_tenant_check(const heat_context_t *ctx, const char *path_tenant, heat_result_t *out)
{
    /* req.context.tenant_id != tenant_id and not (is_admin or system_scope == all): the
     * builtin all never equals a string, so system scope exempts nothing (24.0.0's
     * no_policy_enforce says the same without it) */
    if (same_project(ctx->project_id, path_tenant) || ctx->is_admin)
        return 1;
    out->status = 403;
    out->type = "HTTPForbidden";
    out->message = "Access was denied to this resource.";
    return 0;
}

int heat_policy_native_enforce(const heat_policy_t *pol, apr_pool_t *p, const heat_context_t *ctx,
                               const char *rule, const char *target_project, heat_result_t *out)
{
    json_t *target = heat_json_own(p, json_object());
    heat_policy_outcome_t o;

    json_object_set_new(target, "project_id", target_project ? json_string(target_project) : json_null());
    switch (heat_policy_enforce(pol, p, rule, target, heat_context_policy_creds(ctx, p),
                                HEAT_POLICY_AUTHORIZE | HEAT_POLICY_RAISE, &o)) {
    case HEAT_POLICY_ALLOW:
        return 1;
    case HEAT_POLICY_ERROR:
        if (!scope_refusal(pol, &o)) {
            native_error(&o, out);
            return 0;
        }
        /* 24.0.0 refuses a scope mismatch as a denial */
        /* fall through */
    case HEAT_POLICY_DENY:
        out->status = 403;
        out->type = "Forbidden";
        out->message = apr_psprintf(p, "You are not authorized to use %s.", rule);
        return 0;
    default:
        native_error(&o, out);
        return 0;
    }
}

int heat_policy_native_authorize(const heat_policy_t *pol, apr_pool_t *p, const heat_context_t *ctx,
                                 const char *scope, const char *action, const char *path_tenant,
                                 heat_result_t *out)
{
    if (heat_policy_release(pol) == HEAT_RELEASE_24) {
        /* 24.0.0's registered_policy_enforce: an admin with a project is checked against
         * its own project (heat redirects to the stack owner's project), and only the
         * context's project passes, is_admin or not */
        if (ctx->is_admin && ctx->project_id && *ctx->project_id)
            path_tenant = ctx->project_id;
        if (!same_project(ctx->project_id, path_tenant)) {
            out->status = 403;
            out->type = "HTTPForbidden";
            out->message = "Access was denied to this resource.";
            return 0;
        }
    } else if (!heat_policy_native_tenant_check(ctx, path_tenant, out))
        return 0;
    return heat_policy_native_enforce(pol, p, ctx, apr_pstrcat(p, scope, ":", action, NULL), path_tenant, out);
}

int heat_policy_cfn_authorize(const heat_policy_t *pol, apr_pool_t *p, const heat_context_t *ctx,
                              const char *action, heat_result_t *out)
{
    heat_policy_outcome_t o;

    switch (heat_policy_enforce(pol, p, apr_pstrcat(p, "cloudformation:", action, NULL), NULL,
                                heat_context_policy_creds(ctx, p), HEAT_POLICY_AUTHORIZE | HEAT_POLICY_RAISE, &o)) {
    case HEAT_POLICY_ALLOW:
        return 1;
    case HEAT_POLICY_ERROR:
        if (!scope_refusal(pol, &o))
            goto failure;
        /* 24.0.0's Forbidden, caught as a denial */
        /* fall through */
    case HEAT_POLICY_DENY:
        out->status = 403;
        out->type = "AccessDenied";
        out->message = apr_psprintf(p, "Action %s not allowed for user", action);
        return 0;
    default:
    failure:
        out->status = 500;
        out->type = "InternalFailure";
        out->message = apr_psprintf(p, "Error authorizing action %s", action);
        return 0;
    }
}
