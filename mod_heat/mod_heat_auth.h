/* mod_heat_auth.h: the authtoken step of heat's paste pipelines (keystonemiddleware 10.1.0
 * auth_token, auth.md §1) for one request_rec: token headers, the shared socache
 * (mod_heat_cache), Keystone validation (heat_keystone), the X-* identity headers, and the
 * 401 / 503 answers. Also heat's own authurl step (§3.1, both flavors) and the standalone
 * flavor's authpassword step (§3.2), which replaces authtoken.
 *
 * Per-process state (the Keystone client with its service token) lives in a heat_auth_t
 * created in child_init for each server that has a heat.conf, and kept in its server config.
 *
 *   child_init:  heat_http_create(&http, pchild)              once per child
 *                heat_auth_child_init(pchild, s, http, &ks_settings, &sconf->auth)  per server
 *   request:     int st = heat_auth_check(sconf->auth, r, NULL, &res);
 *                OK: res.token_info is keystone.token_info (-> context auth_token_info);
 *                else heat_auth_error_response(sconf->auth, r, st, &resp) and send it.
 *   any 401 produced later in the pipeline gets heat_auth_www_authenticate(sconf->auth)
 *   (default flavor only: in the standalone one no auth_token middleware adds it).
 *
 * Standalone flavor ([paste_deploy] flavor = standalone):
 *   child_init:  settings->standalone = 1 (no service credentials needed), then as above, and
 *                heat_auth_set_password_settings(sconf->auth, &pw)   (every flavor: authurl)
 *   request:     st = heat_auth_url_check(auth, r, &auth_url, &resp);            authurl
 *                OK: st = heat_auth_password(auth, r, path_info, auth_url, &res, &resp);
 *                OK: context from res.token / res.token_info, then auth_token_info = NULL;
 *                else send resp.
 *
 * heat-api-cfn ([ec2authtoken], before authtoken; both flavors):
 *   request:     st = heat_auth_ec2(auth, r, &settings.ec2, params, n_query, host, path,
 *                                   body, body_len, &ec2, &resp);
 *                OK: X-Auth-Token is Keystone's new token: heat_auth_check as above (a cache
 *                hit), or in the standalone flavor heat_auth_ec2_standalone_token; the context
 *                gets ec2.ec2_creds and ec2.auth_url;
 *                DECLINED: no signature and X-Auth-User: heat_auth_check on the client's token;
 *                else send resp (AWS XML, resp.status_line). */
#ifndef MOD_HEAT_AUTH_H
#define MOD_HEAT_AUTH_H

#include <httpd.h>

#include "heat_http.h"
#include "heat_keystone.h"

typedef struct heat_auth_t heat_auth_t;

/* Creates the per-process authtoken state of server s (settings are copied). On failure
 * logs the reason and returns an error; *out is then NULL and heat_auth_check answers 503. */
apr_status_t heat_auth_child_init(apr_pool_t *pchild, server_rec *s, heat_http_t *http,
                                  const heat_keystone_settings_t *settings, heat_auth_t **out);

/* auth_token's process_request. Always strips the identity headers a client could spoof
 * (§1.6). On success sets them from the token (X-Identity-Status, X-Roles, X-User-Id, ...,
 * X-Service-Catalog when include_service_catalog, X-Service-* for a valid service token) on
 * r->headers_in, and fills *res (res->token_info = keystone.token_info).
 * path: the request path as auth_token sees it (SCRIPT_NAME + PATH_INFO after
 * http_proxy_to_wsgi), for application-credential access rules; NULL = r->parsed_uri.path.
 * Returns OK, HTTP_UNAUTHORIZED or HTTP_SERVICE_UNAVAILABLE. auth may be NULL (no client could
 * be created): HTTP_SERVICE_UNAVAILABLE. */
int heat_auth_check(heat_auth_t *auth, request_rec *r, const char *path, heat_auth_result_t *res);

/* The value of WWW-Authenticate for every 401 of this server: Keystone uri="..." */
const char *heat_auth_www_authenticate(const heat_auth_t *auth);

/* heat's authurl step (auth.md §3.1): the X-Auth-Url the context carries. With
 * [clients_keystone] auth_uri set, the v3 URL found there (discovery, once per child);
 * else [keystone_authtoken] www_authenticate_uri. NULL if it cannot be found now. */
void heat_auth_set_clients_keystone_uri(heat_auth_t *auth, const char *uri);
const char *heat_auth_url(heat_auth_t *auth, apr_pool_t *p);

/* The child's Keystone client. */
heat_keystone_t *heat_auth_keystone(const heat_auth_t *auth);

/* The answer for a failed heat_auth_check, as auth_token gives it (§1.5):
 *   401: Content-Type application/json, HEAT_KEYSTONE_UNAUTHORIZED_BODY,
 *        www_authenticate set (add it as WWW-Authenticate)
 *   503: webob's HTTPServiceUnavailable with detail HEAT_KEYSTONE_UNAVAILABLE_DETAIL, in the
 *        format the Accept header picks (HTML, JSON or text); www_authenticate NULL.
 * Same on heat-api-cfn (not AWS XML). */
typedef struct {
    int status;
    const char *status_line;      /* NULL: the standard reason phrase; AWS errors of
                                     heat_auth_ec2: "400 IncompleteSignature" */
    const char *content_type;
    const char *body;
    const char *www_authenticate; /* NULL: no header */
} heat_auth_response_t;

void heat_auth_error_response(const heat_auth_t *auth, request_rec *r, int status,
                              heat_auth_response_t *out);

/* ---- heat's authurl step and the standalone flavor's authpassword step ---------------------- */

typedef struct {
    int multi_cloud;                             /* [auth_password] multi_cloud (false) */
    const apr_array_header_t *allowed_auth_uris; /* const char *: [auth_password]
                                                    allowed_auth_uris; NULL: none */
    /* heat's config.get_ssl_options('keystone'), the Session of the authurl discovery and of
     * authpassword: [clients_keystone] ca_file, cert_file, key_file, insecure, each falling
     * back to [clients] when unset. The key is only used together with a certificate. */
    const char *ca_file;
    const char *cert_file;
    const char *key_file;
    int insecure;
} heat_auth_password_settings_t;

/* Call once in child_init for every server with a heat_auth_t (copies s into the child pool).
 * Until called: multi_cloud off, and the [keystone_authtoken] transport settings. */
void heat_auth_set_password_settings(heat_auth_t *auth, const heat_auth_password_settings_t *s);

/* heat's authurl step (heat/common/auth_url.py) in both flavors, before authtoken /
 * authpassword. Sets the request header X-Auth-Url to what the rest of the pipeline sees and
 * returns it in *auth_url:
 *   multi_cloud false: heat_auth_url() (the client's X-Auth-Url is overwritten); NULL when
 *                      none is configured or [clients_keystone] auth_uri lists no v3;
 *   multi_cloud true:  the client's X-Auth-Url, which must be non-empty and one of
 *                      allowed_auth_uris (exact string match).
 * Returns OK, or the answer in *out:
 *   HTTP_BAD_REQUEST   webob 400, detail "Request missing required header X-Auth-Url"
 *   HTTP_UNAUTHORIZED  webob 401, detail 'Header X-Auth-Url "<url>" not an allowed endpoint',
 *                      no WWW-Authenticate (authtoken never sees this answer)
 *   HTTP_INTERNAL_SERVER_ERROR  heat's fault JSON when discovery on [clients_keystone]
 *                      auth_uri raised (type ConnectFailure, NotFound, ... as keystoneauth)
 * webob bodies take the format the Accept header picks (HTML, JSON or text).
 * auth NULL (no client in this child): OK with *auth_url NULL (the next step answers 503). */
int heat_auth_url_check(heat_auth_t *auth, request_rec *r, const char **auth_url,
                        heat_auth_response_t *out);

/* heat's authpassword step (heat/common/auth_password.py, auth.md §3.2):
 *   project id = path_info.split('/')[1] (path_info: PATH_INFO below the "/v1" of version
 *   negotiation), X-Auth-User, X-Auth-Key, X-User-Domain-Id, and auth_url (from
 *   heat_auth_url_check; "v2.0" is replaced by "v3" for Keystone as context.py does), then
 *   Keystone password authentication scoped to that project (heat_keystone_password_auth).
 * Header values are read as WSGI does (latin-1 decoded), so non-ASCII bytes become the same
 * Unicode text as in heat-api.
 * Returns:
 *   OK  res->token: the new token; res->token_info: {"token": {...}} with only what
 *       _build_user_headers passes on (user id/name/domain id, project id/name, roles, catalog),
 *       to build the context from (heat_context_from_token); the context's auth_token_info must
 *       then be set to NULL (no keystone.token_info in this flavor). r->headers_in gets
 *       X-Identity-Status: Confirmed, X-Project-Id/-Name, X-User-Id/-Name, X-Roles,
 *       X-Service-Catalog, X-Auth-Token, X-User-Domain-Id.
 *   HTTP_UNAUTHORIZED  empty project id, or Keystone refused (Unauthorized, Forbidden,
 *       NotFound): webob 401 with detail "Authentication required" and
 *       www_authenticate = "Keystone uri='<auth_url>'" (single quotes; 'None' without URL).
 *   HTTP_INTERNAL_SERVER_ERROR  heat's fault JSON for what authpassword lets through to the
 *       fault middleware: type "IndexError" (path_info without '/'), "AuthorizationFailure"
 *       with message "Authorization failed." (X-Auth-Key absent or empty, or no auth URL),
 *       else the keystoneauth1 exception ("BadRequest" e.g. without X-Auth-User or
 *       X-User-Domain-Id, "ConnectFailure", "DiscoveryFailure", ...); no message, traceback
 *       null.
 *   HTTP_SERVICE_UNAVAILABLE  auth NULL (no client in this child).
 * The password is never logged. */
int heat_auth_password(heat_auth_t *auth, request_rec *r, const char *path_info,
                       const char *auth_url, heat_auth_result_t *res, heat_auth_response_t *out);

/* ---- heat-api-cfn's ec2authtoken step (heat/api/aws/ec2token.py, auth.md §2) -------------- */

/* [ec2authtoken] (heat_conf.c declares the options). */
typedef struct {
    const char *auth_uri;                        /* NULL: unset (the fallbacks of auth.md §2.1) */
    int multi_cloud;
    const apr_array_header_t *allowed_auth_uris; /* const char *; NULL: none */
    const char *ca_file;
    const char *cert_file;
    const char *key_file;                        /* only used with cert_file */
    int insecure;
} heat_auth_ec2_settings_t;

typedef struct {
    const char *token;          /* the token Keystone issued (X-Subject-Token) */
    json_t *token_body;         /* Keystone's ec2tokens answer {"token": {...}} (pool-owned) */
    const char *ec2_creds;      /* X-Auth-EC2-Creds: {"ec2Credentials": {"access", "signature"}} */
    const char *auth_url;       /* X-Auth-URL: the auth_uri that accepted the signature */
    const char *access;         /* the access key (an identifier, may be logged) */
    const char *project_id, *project_name, *roles; /* what ec2token hands on as X-Tenant-Id,
                                                      X-Tenant-Name, X-Roles */
    int trusted;                /* token issued by the configured Keystone (heat_ec2_attempt) */
} heat_auth_ec2_result_t;

/* heat's EC2Token filter for one request:
 *   params, n_query: webob's req.params as heat_param_t pairs, the query's n_query first, then
 *                    the url-encoded form body's;
 *   host:  req.host (the Host header as received; after http_proxy_to_wsgi when enabled);
 *   path:  SCRIPT_NAME + PATH_INFO, percent-decoded (mount prefix and "/v1" included);
 *   body:  the raw request body (NULL: none), for body_hash.
 * The credentials come from Signature / X-Amz-Signature / Authorization and AWSAccessKeyId /
 * X-Amz-Credential / Authorization (heat_ec2_credentials); the request's method, headers
 * (webob's names), params minus Signature and body hash go to <auth_uri>/ec2tokens, sent with
 * the service token when this server has service credentials and the URI is trusted
 * (heat_ec2_attempt: with multi_cloud, only the configured Keystone).
 * Returns
 *   OK        *res filled; r->headers_in gets X-Auth-Token, X-Auth-EC2-Creds, X-Tenant-Name,
 *             X-Tenant-Id, X-Auth-URL and X-Roles as ec2token sets them, and the token body is
 *             put in the token cache so that the authtoken step that follows (heat_auth_check
 *             on X-Auth-Token) needs no second Keystone call;
 *   DECLINED  no signature (or no access key) but an X-Auth-User header: the caller goes on
 *             with authtoken on the client's X-Auth-Token;
 *   else      an HTTP status, *out holding heat's AWS XML error (status_line "400
 *             IncompleteSignature", Content-Type application/xml; charset=UTF-8):
 *             IncompleteSignature 400, MissingAuthenticationToken 403, InvalidClientTokenId
 *             403, SignatureDoesNotMatch 403, AccessDenied 403 (multi_cloud without
 *             allowed_auth_uris, or any other Keystone refusal), InternalFailure 500 ("Service
 *             misconfigured": no auth URI), ServiceUnavailable 503 (Keystone unreachable, not
 *             JSON, no service token; heat-api-cfn would crash with a bare 500 here).
 * Never logs signatures or tokens. auth NULL (no Keystone client in this child): the
 * credential checks still apply, then ServiceUnavailable. */
int heat_auth_ec2(heat_auth_t *auth, request_rec *r, const heat_auth_ec2_settings_t *settings,
                  const apr_array_header_t *params, int n_query, const char *host,
                  const char *path, const char *body, apr_size_t body_len,
                  heat_auth_ec2_result_t *res, heat_auth_response_t *out);

/* The token body the standalone flavor's context sees after heat_auth_ec2 (no authtoken
 * there): what ec2token hands on, {"token": {"project": {"id", "name"}, "roles": [{"name"}...]}},
 * plus the user of Keystone's ec2tokens answer: heat-api-cfn takes the user from the client's
 * own X-User-Id / X-User-Name headers, which mod_heat does not trust. */
json_t *heat_auth_ec2_standalone_token(apr_pool_t *p, const heat_auth_ec2_result_t *res);

#endif
