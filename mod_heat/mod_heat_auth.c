/* mod_heat_auth.c: the request view of identity/heat_auth.h built from a request_rec, the
 * socache behind the core's token cache, and the per-process state (see mod_heat_auth.h). */
#include "mod_heat.h"

#include <apr_strings.h>
#include <http_log.h>

#include "mod_heat_auth.h"
#include "mod_heat_cache.h"

apr_status_t heat_auth_child_init(apr_pool_t *pchild, server_rec *s, heat_http_t *http,
                                  const heat_keystone_settings_t *settings, heat_auth_t **out)
{
    const char *err = NULL;
    apr_status_t rv = heat_auth_create(out, pchild, http, settings, &err);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "HEAT0300: cannot set up Keystone token "
                     "validation: %s", err ? err : "unknown error");
        return rv;
    }
    if (!settings->www_authenticate_uri && !settings->auth_uri)
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "HEAT0301: [keystone_authtoken] "
                     "www_authenticate_uri is not set; WWW-Authenticate names auth_url");
    return APR_SUCCESS;
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

/* The core's messages keep the request's log context (client, per-directory LogLevel). */
static void log_request(void *baton, const char *file, int line, int level, const char *msg)
{
    ap_log_rerror(file, line, APLOG_MODULE_INDEX, level, 0, (request_rec *)baton, "%s", msg);
}

/* remove_auth_headers (_request.py), as authtoken does: "X" + prefix ("" or "-Service") + "-" + each of these,
 * and the fixed names */
static const char *const identity_templates[] = {
    "Domain-Id",   "Domain-Name",    "Project-Id",     "Project-Name",   "Project-Domain-Id",
    "Project-Domain-Name", "User-Id", "User-Name", "User-Domain-Id", "User-Domain-Name"};

void heat_auth_strip_identity_headers(request_rec *r)
{
    static const char *const fixed[] = {"X-Service-Catalog", "X-Identity-Status",
                                        "X-Service-Identity-Status", "X-Is-Admin-Project",
                                        "X-Role", "X-User", "X-Tenant-Id", "X-Tenant-Name",
                                        "X-Tenant", "X-Roles", "X-Service-Roles"};
    apr_size_t i;

    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        apr_table_unset(r->headers_in, fixed[i]);
    for (i = 0; i < sizeof(identity_templates) / sizeof(identity_templates[0]); i++) {
        apr_table_unset(r->headers_in, apr_pstrcat(r->pool, "X-", identity_templates[i], NULL));
        apr_table_unset(r->headers_in,
                        apr_pstrcat(r->pool, "X-Service-", identity_templates[i], NULL));
    }
}

void heat_auth_view(request_rec *r, heat_auth_request_t *view)
{
    heat_keystone_cache_t *cache = NULL;

    if (heat_cache_enabled()) {
        cache = apr_pcalloc(r->pool, sizeof(*cache));
        cache->lookup = cache_lookup;
        cache->store = cache_store;
        cache->baton = r->server;
    }
    memset(view, 0, sizeof(*view));
    view->pool = r->pool;
    view->method = r->method;
    view->path = r->uri;
    view->accept = apr_table_get(r->headers_in, "Accept");
    view->auth_token = apr_table_get(r->headers_in, "X-Auth-Token");
    view->storage_token = apr_table_get(r->headers_in, "X-Storage-Token");
    view->service_token = apr_table_get(r->headers_in, "X-Service-Token");
    view->auth_url = apr_table_get(r->headers_in, "X-Auth-Url");
    view->auth_user = apr_table_get(r->headers_in, "X-Auth-User");
    view->auth_key = apr_table_get(r->headers_in, "X-Auth-Key");
    view->user_domain_id = apr_table_get(r->headers_in, "X-User-Domain-Id");
    view->authorization = apr_table_get(r->headers_in, "Authorization");
    view->headers = r->headers_in;
    view->auth_type = r->ap_auth_type;
    view->remote_user = r->user;
    view->cache = cache;
    view->log = log_request;
    view->log_baton = r;
}
