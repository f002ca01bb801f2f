/* heat_auth.h: the authentication steps of heat's paste pipelines, decided without httpd
 * (doc/architecture.md, "Authentication"). In order:
 *
 *   authurl      heat_auth_url_check      heat/common/auth_url.py (both flavors of heat-api)
 *   ec2authtoken heat_auth_ec2            heat/api/aws/ec2token.py (heat-api-cfn only)
 *   authtoken    heat_auth_token          keystonemiddleware's auth_token (default flavor)
 *   authpassword heat_auth_password       heat/common/auth_password.py (standalone flavor)
 *
 * Each step reads a heat_auth_request_t (the request view the glue builds from request_rec),
 * returns HEAT_AUTH_NEXT, HEAT_AUTH_SKIP or an HTTP status, and on failure fills one
 * heat_result_t with the answer to send. Results are data: the EC2 step's token goes
 * to heat_auth_token as an argument, and every step's outcome to the context, never through
 * request headers.
 *
 * Per-process state (the Keystone client with its service token, the authurl discovered once
 * per child) is a heat_auth_t, created in child_init and shared by the child's threads. */
#ifndef HEAT_AUTH_H
#define HEAT_AUTH_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

#include "heat_http.h"
#include "heat_keystone.h"
#include "heat_result.h"

typedef struct heat_auth_t heat_auth_t;

/* What a step returns besides an HTTP status (the glue maps them to OK and DECLINED). */
#define HEAT_AUTH_NEXT 0  /* the step passed: go on with the next one */
#define HEAT_AUTH_SKIP -1 /* ec2authtoken stepped aside (X-Auth-User): authtoken decides */

/* Optional per-request log sink (the glue's ap_log_rerror); NULL: heat_log. */
typedef void heat_auth_log_fn(void *baton, const char *file, int line, int level, const char *msg);

/* The request as the steps see it. Header values are raw (NULL: absent); the steps decode
 * them as WSGI does where heat-api would. */
typedef struct {
    apr_pool_t *pool;
    const char *method;
    const char *path;           /* request path as sent (access rules of application
                                   credentials) */
    const char *accept;         /* Accept: the format of webob answers */
    const char *auth_token;     /* X-Auth-Token */
    const char *storage_token;  /* X-Storage-Token (when X-Auth-Token is absent) */
    const char *service_token;  /* X-Service-Token */
    const char *auth_url;       /* X-Auth-Url (authurl with multi_cloud) */
    const char *auth_user;      /* X-Auth-User (authpassword; ec2token's escape hatch) */
    const char *auth_key;       /* X-Auth-Key (authpassword) */
    const char *user_domain_id; /* X-User-Domain-Id (authpassword) */
    const char *authorization;  /* Authorization (AWS signature in a header) */
    const apr_table_t *headers; /* all request headers: only for the ec2tokens body */
    const char *auth_type;      /* r->ap_auth_type, for kerberos token binding */
    const char *remote_user;    /* r->user */
    const heat_keystone_cache_t *cache; /* the shared token cache; NULL: none */
    heat_auth_log_fn *log;
    void *log_baton;
} heat_auth_request_t;


/* Creates the per-process state (settings are copied into p). On failure returns an error
 * with *error set; *out is then NULL, and every step answers 503 for a NULL heat_auth_t. */
apr_status_t heat_auth_create(heat_auth_t **out, apr_pool_t *p, heat_http_t *http,
                              const heat_keystone_settings_t *settings, const char **error);

/* The value of WWW-Authenticate for every 401 of this server: Keystone uri="..." */
const char *heat_auth_www_authenticate(const heat_auth_t *auth);

/* [clients_keystone] auth_uri (NULL: unset); call in child_init. */
void heat_auth_set_clients_keystone_uri(heat_auth_t *auth, const char *uri);

/* heat's authurl URL: with [clients_keystone] auth_uri set, the v3 URL found there (discovery,
 * remembered once it succeeded); else [keystone_authtoken] www_authenticate_uri. NULL if it
 * cannot be found now. */
const char *heat_auth_url(heat_auth_t *auth, apr_pool_t *p);

/* The child's Keystone client. */
heat_keystone_t *heat_auth_keystone(const heat_auth_t *auth);

/* ---- authtoken ---------------------------------------------------------------------------- */

/* auth_token's process_request on req's X-Auth-Token (else X-Storage-Token), or, after a
 * signed CFN request, on ec2->token (the token Keystone has just issued; NULL: the client's).
 * HEAT_AUTH_NEXT with *res filled (res->token_info = keystone.token_info), else
 *   401: Content-Type application/json, HEAT_KEYSTONE_UNAUTHORIZED_BODY, WWW-Authenticate;
 *   503: webob's HTTPServiceUnavailable with HEAT_KEYSTONE_UNAVAILABLE_DETAIL, in the format
 *        the Accept header picks (also on heat-api-cfn: not AWS XML).
 * auth NULL (no client could be created): 503. */
struct heat_auth_ec2_result_s;
int heat_auth_token(heat_auth_t *auth, const heat_auth_request_t *req,
                    const struct heat_auth_ec2_result_s *ec2, heat_auth_result_t *res,
                    heat_result_t *out);

/* ---- authurl and authpassword ------------------------------------------------------------ */

/* heat_auth_password_settings_t: common/heat_settings_types.h. */

/* Call once in child_init (copies s). Until called: multi_cloud off, and the
 * [keystone_authtoken] transport settings. */
void heat_auth_set_password_settings(heat_auth_t *auth, const heat_auth_password_settings_t *s);

/* heat's authurl step in both flavors, before authtoken / authpassword: *auth_url is the
 * X-Auth-Url the rest of the pipeline (and the context) sees:
 *   multi_cloud false: heat_auth_url() (the client's X-Auth-Url is ignored); NULL when none
 *                      is configured or [clients_keystone] auth_uri lists no v3;
 *   multi_cloud true:  the client's X-Auth-Url, which must be non-empty and one of
 *                      allowed_auth_uris (exact string match).
 * Returns HEAT_AUTH_NEXT, or the answer in *out:
 *   400 webob, detail "Request missing required header X-Auth-Url"
 *   401 webob, detail 'Header X-Auth-Url "<url>" not an allowed endpoint', no WWW-Authenticate
 *   500 heat's fault JSON when discovery on [clients_keystone] auth_uri raised (type
 *       ConnectFailure, NotFound, ... as keystoneauth)
 * auth NULL: HEAT_AUTH_NEXT with *auth_url NULL (the next step answers 503). */
int heat_auth_url_check(heat_auth_t *auth, const heat_auth_request_t *req, const char **auth_url,
                        heat_result_t *out);

/* heat's authpassword step: project id = path_info.split('/')[1] (path_info: PATH_INFO below
 * the "/v1" of version negotiation), X-Auth-User, X-Auth-Key, X-User-Domain-Id (latin-1
 * decoded, as WSGI), and auth_url (from heat_auth_url_check; every "v2.0" replaced by "v3" as
 * heat's context.py does), then Keystone password authentication scoped to that project.
 * Returns:
 *   HEAT_AUTH_NEXT  res->token: the new token; res->token_info: {"token": {...}} with only what
 *       _build_user_headers passes on (user id/name/domain id, project id/name, roles, catalog),
 *       for heat_context_from_token; the context's auth_token_info must then be NULL.
 *   401  empty project id, or Keystone refused (Unauthorized, Forbidden, NotFound): webob 401
 *        "Authentication required", WWW-Authenticate Keystone uri='<auth_url>' ('None').
 *   500  heat's fault JSON: "IndexError" (path_info without '/'), "AuthorizationFailure"
 *        "Authorization failed." (no X-Auth-Key or no auth URL), else the keystoneauth1
 *        exception ("BadRequest", "ConnectFailure", "DiscoveryFailure", ...).
 *   503  auth NULL.
 * The password is never logged. */
int heat_auth_password(heat_auth_t *auth, const heat_auth_request_t *req, const char *path_info,
                       const char *auth_url, heat_auth_result_t *res, heat_result_t *out);

/* ---- ec2authtoken (heat-api-cfn) ---------------------------------------------------------- */

/* heat_auth_ec2_settings_t: common/heat_settings_types.h. */

/* What ec2token hands on: the data the authtoken step and the context take. */
typedef struct heat_auth_ec2_result_s {
    const char *token;          /* the token Keystone issued (X-Subject-Token) */
    json_t *token_body;         /* Keystone's ec2tokens answer {"token": {...}} (pool-owned) */
    const char *ec2_creds;      /* the context's aws_creds: {"ec2Credentials": {"access",
                                   "signature"}} */
    const char *auth_url;       /* the auth_uri that accepted the signature */
    const char *access;         /* the access key (an identifier, may be logged) */
    const char *project_id, *project_name, *roles;
    int trusted;                /* token issued by the configured Keystone (heat_ec2_attempt) */
} heat_auth_ec2_result_t;

/* The request data ec2token signs over. */
typedef struct {
    const apr_array_header_t *params; /* webob's req.params as heat_param_t pairs: the query's
                                         n_query first, then the url-encoded form body's */
    int n_query;
    const char *host;   /* req.host (Host as received, after http_proxy_to_wsgi) */
    const char *path;   /* SCRIPT_NAME + PATH_INFO, percent-decoded then heat_ec2_path */
    const char *body;   /* the raw request body (NULL: none), for body_hash */
    apr_size_t body_len;
} heat_auth_ec2_input_t;

/* heat's EC2Token filter. The credentials come from Signature / X-Amz-Signature /
 * Authorization and AWSAccessKeyId / X-Amz-Credential / Authorization; method, headers
 * (webob's names), params minus Signature and body hash go to <auth_uri>/ec2tokens, with the
 * service token only for a trusted URI (heat_ec2_attempt). The URI: [ec2authtoken] auth_uri
 * ("v2.0" -> "v3"), else heat_auth_url() (with "v2.0" -> "v3" unless discovered); with
 * multi_cloud each of allowed_auth_uris in turn until one accepts (a refusal moves on; an
 * unreachable Keystone or a misconfiguration stops).
 * Returns
 *   HEAT_AUTH_NEXT  *res filled; the token body primed in req->cache when trusted, so that
 *                   heat_auth_token(..., res, ...) needs no second Keystone call;
 *   HEAT_AUTH_SKIP  no signature (or no access key) but an X-Auth-User header;
 *   else            an HTTP status, *out holding heat's AWS XML error: IncompleteSignature 400,
 *                   MissingAuthenticationToken 403, InvalidClientTokenId 403,
 *                   SignatureDoesNotMatch 403, AccessDenied 403, InternalFailure 500 (no auth
 *                   URI), ServiceUnavailable 503 (Keystone unreachable, not JSON, no service
 *                   token, discovery failed; heat-api-cfn would answer a bare 500).
 * Never logs signatures or tokens. auth NULL: the credential checks, then ServiceUnavailable. */
int heat_auth_ec2(heat_auth_t *auth, const heat_auth_request_t *req,
                  const heat_auth_ec2_settings_t *settings, const heat_auth_ec2_input_t *in,
                  heat_auth_ec2_result_t *res, heat_result_t *out);

/* The token body the standalone flavor's context sees after heat_auth_ec2 (no authtoken
 * there): {"token": {"project": {"id", "name"}, "roles": [{"name"}...]}}, plus the user of
 * Keystone's ec2tokens answer (heat-api-cfn takes it from the client's own X-User-Id /
 * X-User-Name headers, which mod_heat does not trust). */
json_t *heat_auth_ec2_standalone_token(apr_pool_t *p, const heat_auth_ec2_result_t *res);

#endif
