/* mod_heat_auth.c: keystonemiddleware's auth_token for a request_rec (see mod_heat_auth.h).
 * The decisions live in the core (heat_keystone_authenticate); this file reads the
 * headers, plugs the socache in and writes the identity headers back, as _request.py does. */
#include "mod_heat.h"

#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include "mod_heat_auth.h"
#include "mod_heat_cache.h"

#include <apr_strings.h>
#include <http_protocol.h>

#include "heat_webob.h"

struct heat_auth_t {
    heat_keystone_t *ks;
    server_rec *s;
    const char *www_authenticate;
    /* heat's authurl step: X-Auth-Url, found once per child (it may need a discovery) */
    const char *clients_keystone_uri;
    const char *auth_url;
    apr_thread_mutex_t *auth_url_lock;
    apr_pool_t *pchild;
};

apr_status_t heat_auth_child_init(apr_pool_t *pchild, server_rec *s, heat_http_t *http,
                                  const heat_keystone_settings_t *settings, heat_auth_t **out)
{
    heat_auth_t *auth = apr_pcalloc(pchild, sizeof(*auth));
    const char *err = NULL;
    apr_status_t rv;

    *out = NULL;
    rv = heat_keystone_create(&auth->ks, pchild, http, settings, &err);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "HEAT0300: cannot set up Keystone token "
                     "validation: %s", err ? err : "unknown error");
        return rv;
    }
    auth->s = s;
    auth->pchild = pchild;
    apr_thread_mutex_create(&auth->auth_url_lock, APR_THREAD_MUTEX_DEFAULT, pchild);
    auth->www_authenticate =
        heat_keystone_www_authenticate(pchild, heat_keystone_settings(auth->ks));
    if (!settings->www_authenticate_uri && !settings->auth_uri)
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "HEAT0301: [keystone_authtoken] "
                     "www_authenticate_uri is not set; WWW-Authenticate names auth_url");
    *out = auth;
    return APR_SUCCESS;
}

void heat_auth_set_clients_keystone_uri(heat_auth_t *auth, const char *uri)
{
    auth->clients_keystone_uri = uri;
}

const char *heat_auth_url(heat_auth_t *auth, apr_pool_t *p)
{
    const heat_keystone_settings_t *s;
    const char *url;

    if (auth->auth_url)
        return auth->auth_url;
    s = heat_keystone_settings(auth->ks);
    if (!auth->clients_keystone_uri) {
        /* heat's endpoint_utils.get_auth_uri(v3=False): www_authenticate_uri as it is */
        return s->www_authenticate_uri ? s->www_authenticate_uri : s->auth_uri;
    }
    url = heat_keystone_discover_v3(auth->ks, p, auth->clients_keystone_uri);
    if (!url)
        return NULL; /* not remembered: the next request tries again */
    if (auth->auth_url_lock)
        apr_thread_mutex_lock(auth->auth_url_lock);
    if (!auth->auth_url)
        auth->auth_url = apr_pstrdup(auth->pchild, url);
    if (auth->auth_url_lock)
        apr_thread_mutex_unlock(auth->auth_url_lock);
    return auth->auth_url;
}

heat_keystone_t *heat_auth_keystone(const heat_auth_t *auth)
{
    return auth->ks;
}

const char *heat_auth_www_authenticate(const heat_auth_t *auth)
{
    return auth ? auth->www_authenticate : "Keystone uri=\"\"";
}

/* ---- the socache behind heat_keystone_cache_t ------------------------------------------- */

static int cache_lookup(void *baton, apr_pool_t *p, const unsigned char key[32], int negative_ok,
                        const char **body, apr_size_t *len)
{
    return heat_cache_lookup(baton, p, key, negative_ok, body, len);
}

static void cache_store(void *baton, apr_pool_t *p, const unsigned char key[32], const char *body,
                        apr_size_t len, apr_time_t expiry)
{
    heat_cache_store(baton, p, key, body, len, expiry);
}

/* ---- headers (_request.py) --------------------------------------------------------------- */

/* _HEADER_TEMPLATE: "X" + prefix ("" or "-Service") + "-" + one of these */
static const char *const identity_templates[] = {
    "Domain-Id",   "Domain-Name",    "Project-Id",     "Project-Name",   "Project-Domain-Id",
    "Project-Domain-Name", "User-Id", "User-Name", "User-Domain-Id", "User-Domain-Name"};

static const char *header_name(apr_pool_t *p, const char *prefix, const char *name)
{
    return apr_pstrcat(p, "X", prefix, "-", name, NULL);
}

/* remove_auth_headers: what a client must not be able to claim */
static void strip_auth_headers(request_rec *r)
{
    static const char *const fixed[] = {"X-Service-Catalog", "X-Identity-Status",
                                        "X-Service-Identity-Status", "X-Is-Admin-Project",
                                        "X-Role", "X-User", "X-Tenant-Id", "X-Tenant-Name",
                                        "X-Tenant", "X-Roles", "X-Service-Roles"};
    apr_size_t i;

    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        apr_table_unset(r->headers_in, fixed[i]);
    for (i = 0; i < sizeof(identity_templates) / sizeof(identity_templates[0]); i++) {
        apr_table_unset(r->headers_in, header_name(r->pool, "", identity_templates[i]));
        apr_table_unset(r->headers_in, header_name(r->pool, "-Service", identity_templates[i]));
    }
}

/* webob: assigning None removes the header */
static void set_or_unset(request_rec *r, const char *name, const char *value)
{
    if (value)
        apr_table_set(r->headers_in, name, value);
    else
        apr_table_unset(r->headers_in, name);
}

/* _set_auth_headers(auth_ref, prefix) */
static void set_auth_headers(request_rec *r, const heat_keystone_identity_t *id, const char *prefix)
{
    const char *values[] = {id->domain_id,         id->domain_name,        id->project_id,
                            id->project_name,      id->project_domain_id,  id->project_domain_name,
                            id->user_id,           id->user_name,          id->user_domain_id,
                            id->user_domain_name};
    apr_size_t i;

    apr_table_set(r->headers_in, header_name(r->pool, prefix, "Roles"), id->roles_joined);
    set_or_unset(r, "OpenStack-System-Scope", id->system_scope);
    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        set_or_unset(r, header_name(r->pool, prefix, identity_templates[i]), values[i]);
}

static void set_identity_headers(request_rec *r, const heat_keystone_settings_t *settings,
                                 const heat_auth_result_t *res)
{
    heat_keystone_identity_t user, service;

    apr_table_set(r->headers_in, "X-Identity-Status", "Confirmed");
    if (res->service_token_present)
        apr_table_set(r->headers_in, "X-Service-Identity-Status",
                      res->service_token_valid ? "Confirmed" : "Invalid");
    heat_keystone_identity(r->pool, res->token_info, &user);
    set_auth_headers(r, &user, "");
    apr_table_set(r->headers_in, "X-Is-Admin-Project", user.is_admin_project ? "True" : "False");
    set_or_unset(r, "X-Role", user.roles_joined);
    set_or_unset(r, "X-User", user.user_name);
    set_or_unset(r, "X-Tenant-Id", user.project_id);
    set_or_unset(r, "X-Tenant-Name", user.project_name);
    set_or_unset(r, "X-Tenant", user.project_name);
    if (settings->include_service_catalog)
        set_or_unset(r, "X-Service-Catalog", user.service_catalog);
    if (res->service_token_info) {
        /* after the user's, as in process_request: OpenStack-System-Scope ends up being the
         * service token's */
        heat_keystone_identity(r->pool, res->service_token_info, &service);
        set_auth_headers(r, &service, "-Service");
    }
}

/* ---- the step ---------------------------------------------------------------------------- */

int heat_auth_check(heat_auth_t *auth, request_rec *r, const char *path, heat_auth_result_t *res)
{
    heat_keystone_request_t req;
    heat_keystone_cache_t cache;
    const char *user_token;

    memset(res, 0, sizeof(*res));
    strip_auth_headers(r);
    if (!auth) {
        res->status = HEAT_AUTH_UNAVAILABLE;
        res->reason = "no Keystone client (see the startup log)";
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "HEAT0302: Unable to validate token: %s",
                      res->reason);
        return HTTP_SERVICE_UNAVAILABLE;
    }

    memset(&req, 0, sizeof(req));
    /* headers.get('X-Auth-Token', headers.get('X-Storage-Token')): a present but empty
     * X-Auth-Token does not fall back */
    user_token = apr_table_get(r->headers_in, "X-Auth-Token");
    if (!user_token)
        user_token = apr_table_get(r->headers_in, "X-Storage-Token");
    req.user_token = user_token;
    req.service_token = apr_table_get(r->headers_in, "X-Service-Token");
    req.method = r->method;
    req.path = path ? path : (r->parsed_uri.path ? r->parsed_uri.path : r->uri);
    req.auth_type = r->ap_auth_type;
    req.remote_user = r->user;

    cache.lookup = cache_lookup;
    cache.store = cache_store;
    cache.baton = r->server;
    heat_keystone_authenticate(auth->ks, r->pool, heat_cache_enabled() ? &cache : NULL, &req, res);

    switch (res->status) {
    case HEAT_AUTH_OK:
        set_identity_headers(r, heat_keystone_settings(auth->ks), res);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "HEAT0303: token accepted%s",
                      res->from_cache ? " (cached)" : "");
        return OK;
    case HEAT_AUTH_UNAVAILABLE:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "HEAT0304: Unable to validate token: %s",
                      res->reason ? res->reason : "Keystone unavailable");
        return HTTP_SERVICE_UNAVAILABLE;
    default:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "HEAT0305: Rejecting request: %s",
                      res->reason ? res->reason : "invalid token");
        return HTTP_UNAUTHORIZED;
    }
}

void heat_auth_error_response(const heat_auth_t *auth, request_rec *r, int status,
                              heat_auth_response_t *out)
{
    memset(out, 0, sizeof(*out));
    out->status = status;
    if (status == HTTP_UNAUTHORIZED) {
        out->content_type = "application/json";
        out->body = HEAT_KEYSTONE_UNAUTHORIZED_BODY;
        out->www_authenticate = heat_auth_www_authenticate(auth);
    }
    else {
        heat_webob_body_t b = heat_webob_body(r->pool, HTTP_SERVICE_UNAVAILABLE,
                                              apr_table_get(r->headers_in, "Accept"), NULL,
                                              HEAT_KEYSTONE_UNAVAILABLE_DETAIL, NULL);
        out->status = HTTP_SERVICE_UNAVAILABLE;
        out->content_type = b.content_type;
        out->body = b.body;
    }
}
