/* mod_heat_auth.h: the authtoken step of heat's paste pipelines (keystonemiddleware 10.1.0
 * auth_token, auth.md §1) for one request_rec: token headers, the shared socache
 * (mod_heat_cache), Keystone validation (heat_keystone), the X-* identity headers, and the
 * 401 / 503 answers.
 *
 * Per-process state (the Keystone client with its service token) lives in a heat_auth_t
 * created in child_init for each server that has a heat.conf, and kept in its server config.
 *
 *   child_init:  heat_http_create(&http, pchild)              once per child
 *                heat_auth_child_init(pchild, s, http, &ks_settings, &sconf->auth)  per server
 *   request:     int st = heat_auth_check(sconf->auth, r, NULL, &res);
 *                OK: res.token_info is keystone.token_info (-> context auth_token_info);
 *                else heat_auth_error_response(sconf->auth, r, st, &resp) and send it.
 *   any 401 produced later in the pipeline gets heat_auth_www_authenticate(sconf->auth). */
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
    const char *content_type;
    const char *body;
    const char *www_authenticate; /* NULL: no header */
} heat_auth_response_t;

void heat_auth_error_response(const heat_auth_t *auth, request_rec *r, int status,
                              heat_auth_response_t *out);

#endif
