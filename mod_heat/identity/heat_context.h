/* heat_context.h: heat 19.0.0's request context (heat/common/context.py RequestContext on
 * oslo.context 5.0.0), built the way heat-api builds it: keystonemiddleware turns the
 * validated token into X-* headers (keystonemiddleware/auth_token/_request.py), then
 * heat's ContextMiddleware and RequestContext.from_environ read them. Here the same values
 * come straight from the token body, so no header a client sends can leak into the identity.
 *
 * heat_context_to_dict gives the 23 keys heat 19.0.0's RequestContext.to_dict emits (the RPC
 * layer prefixes them with "_context_"), heat_context_policy_creds the dict oslo.policy sees
 * (to_policy_values plus heat's additions).
 *
 * Strings are NULL where Python has None. Everything lives in the pool given at creation;
 * JSON values are pool-owned (heat_json_own). */
#ifndef HEAT_CONTEXT_H
#define HEAT_CONTEXT_H

#include <apr_pools.h>
#include <jansson.h>

#include "heat_policy.h"

typedef struct heat_context_t {
    const char *auth_token;           /* X-Auth-Token (else X-Storage-Token) as sent */
    const char *user_id, *user_name;  /* token.user.id, .name */
    const char *user_domain_id, *user_domain_name;
    const char *project_id, *project_name; /* project-scoped tokens */
    const char *project_domain_id, *project_domain_name;
    const char *domain_id;            /* domain-scoped tokens (X-Domain-Id) */
    const char *domain_name;          /* not read by from_environ: always NULL, as in heat */
    const char *system_scope;         /* "all" for system-scoped tokens */
    const json_t *roles;              /* array of role names (X-Roles split on ',' and stripped) */
    int is_admin_project;             /* token.is_admin_project, true when keystone omits it */

    const char *service_token;        /* X-Service-Token as sent */
    const char *service_user_id, *service_user_name;
    const char *service_user_domain_id, *service_user_domain_name;
    const char *service_project_id, *service_project_name;
    const char *service_project_domain_id, *service_project_domain_name;
    const json_t *service_roles;      /* array, empty without a service token */

    const char *request_id;           /* req-<uuid4> */
    const char *global_request_id;

    const char *username;             /* X-Auth-User if sent, else user_name */
    const char *password;             /* X-Auth-Key if X-Auth-User was sent, else NULL */
    const char *aws_creds;            /* X-Auth-EC2-Creds (when no X-Auth-User) */
    const char *auth_url;             /* X-Auth-Url */
    const char *region_name;          /* X-Region-Name */
    const json_t *auth_token_info;    /* {"token": {... "version": "v3", "auth_token": ...}} or NULL */
    const char *trust_id;             /* always NULL from heat-api */
    const char *trustor_user_id;      /* always NULL from heat-api */

    int is_admin;                     /* policy rule context_is_admin */
    int show_deleted;                 /* false */
    int read_only;                    /* false */

    /* osprofiler's trace for heat-engine (heat_profiler.h), NULL without one; not part of
     * to_dict in heat, but added to the RPC context after it */
    const json_t *trace_info;
} heat_context_t;

/* What heat-api knows about a request besides the token body. Every string may be NULL. */
typedef struct {
    const char *auth_token;            /* X-Auth-Token (else X-Storage-Token) */
    /* The validated Keystone v3 body {"token": {...}} (GET /v3/auth/tokens, or POST
     * /v3/ec2tokens for EC2-signed CFN requests). Required. */
    const json_t *token;
    const char *service_token;         /* X-Service-Token */
    const json_t *service_token_body;  /* its validated body, when it was valid */
    const char *request_id;            /* NULL: a new req-<uuid4> is generated */
    const char *global_request_id;     /* a valid inbound X-OpenStack-Request-ID */
    const char *region_name;           /* X-Region-Name */
    const char *auth_url;              /* what the authurl step / ec2token put in X-Auth-Url */
    const char *auth_user;             /* X-Auth-User */
    const char *auth_key;              /* X-Auth-Key */
    const char *ec2_creds;             /* X-Auth-EC2-Creds as the ec2token step set it */
} heat_context_request_t;

/* Builds the context of a request whose token keystone validated. is_admin is the policy
 * rule context_is_admin evaluated on the context (pol NULL: false). Returns NULL on success;
 * on error a message, and *err (if given) the policy outcome when context_is_admin raised
 * (heat_policy_context_error maps it to the response heat gives). */
const char *heat_context_from_token(heat_context_t **out, apr_pool_t *p, const heat_context_request_t *req,
                                    const heat_policy_t *pol, heat_policy_outcome_t *err);

/* heat.common.context.get_admin_context(): no identity, is_admin true, roles [], a fresh
 * request id (for global_tenant listings). */
heat_context_t *heat_context_admin(apr_pool_t *p);

/* "req-" + a random UUID (oslo_context generate_request_id). */
const char *heat_context_new_request_id(apr_pool_t *p);

/* heat 19.0.0's RequestContext.to_dict(): 23 keys, unprefixed, plus "trace_info" when the
 * context has one (heat's RPC serializer adds it). A new object owned by p. */
json_t *heat_context_to_dict(const heat_context_t *ctx, apr_pool_t *p);

/* RequestContext.to_policy_values(): oslo.context's 13 keys plus heat's user, tenant,
 * is_admin and auth_token_info. A new object owned by p. */
json_t *heat_context_policy_creds(const heat_context_t *ctx, apr_pool_t *p);

/* "<user_id or -> <project_id or ->", heat 19.0.0's user_identity. */
const char *heat_context_user_identity(const heat_context_t *ctx, apr_pool_t *p);

#endif
