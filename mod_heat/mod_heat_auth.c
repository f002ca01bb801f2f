/* mod_heat_auth.c: keystonemiddleware's auth_token for a request_rec (see mod_heat_auth.h).
 * The decisions live in the core (heat_keystone_authenticate); this file reads the
 * headers, plugs the socache in and writes the identity headers back, as _request.py does.
 * Also heat's authurl and authpassword filters (heat/common/auth_url.py, auth_password.py),
 * whose Keystone side is heat_keystone_password_auth. */
#include "mod_heat.h"

#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include "mod_heat_auth.h"
#include "mod_heat_cache.h"

#include <apr_strings.h>
#include <http_protocol.h>

#include "heat_ec2.h"
#include "heat_pool.h"
#include "heat_fault.h"
#include "heat_json.h"
#include "heat_webob.h"

struct heat_auth_t {
    heat_keystone_t *ks;
    server_rec *s;
    const char *www_authenticate;
    /* heat's authurl step: X-Auth-Url, found once per child (it may need a discovery) */
    const char *clients_keystone_uri;
    const char *auth_url;
    apr_thread_mutex_t *auth_url_lock;
    apr_pool_t *url_pool; /* for auth_url, allocated from under auth_url_lock only */
    apr_pool_t *pchild;
    /* [auth_password] and heat's Keystone Session (config.get_ssl_options('keystone')) */
    int multi_cloud;
    apr_array_header_t *allowed_auth_uris; /* const char * */
    heat_http_options_t heat_opts;
    int have_heat_opts;
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
    /* allocated from at run time (under auth_url_lock): an allocator with its own mutex */
    if (heat_pool_create_shared(&auth->url_pool, pchild) != APR_SUCCESS)
        return APR_ENOMEM;
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

/* heat's Session for Keystone: [clients_keystone] TLS; NULL: not configured, the client's */
static const heat_http_options_t *heat_session_options(const heat_auth_t *auth)
{
    return auth->have_heat_opts ? &auth->heat_opts : NULL;
}

/* AuthUrlFilter.auth_url: NULL with *error_type set when the discovery raised. */
static const char *resolve_auth_url(heat_auth_t *auth, apr_pool_t *p, const char **error_type)
{
    const heat_keystone_settings_t *s;
    const char *url;

    *error_type = NULL;
    if (auth->auth_url)
        return auth->auth_url;
    s = heat_keystone_settings(auth->ks);
    if (!auth->clients_keystone_uri) {
        /* heat's endpoint_utils.get_auth_uri(v3=False): www_authenticate_uri as it is */
        return s->www_authenticate_uri ? s->www_authenticate_uri : s->auth_uri;
    }
    /* Discover(session, auth_uri).url_for('3.0'): the advertised href, trailing slash kept */
    url = heat_keystone_discover_v3(auth->ks, p, auth->clients_keystone_uri,
                                    heat_session_options(auth), error_type);
    if (!url)
        return NULL; /* not remembered: the next request tries again */
    if (auth->auth_url_lock)
        apr_thread_mutex_lock(auth->auth_url_lock);
    if (!auth->auth_url)
        auth->auth_url = apr_pstrdup(auth->url_pool, url);
    if (auth->auth_url_lock)
        apr_thread_mutex_unlock(auth->auth_url_lock);
    return auth->auth_url;
}

const char *heat_auth_url(heat_auth_t *auth, apr_pool_t *p)
{
    const char *error_type;
    return resolve_auth_url(auth, p, &error_type);
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

/* ---- heat's authurl and authpassword steps ---------------------------------------------- */

void heat_auth_set_password_settings(heat_auth_t *auth, const heat_auth_password_settings_t *s)
{
    apr_pool_t *p = auth->pchild;
    heat_http_options_t *o = &auth->heat_opts;
    int i;

    auth->multi_cloud = s->multi_cloud;
    auth->allowed_auth_uris = apr_array_make(p, 2, sizeof(const char *));
    for (i = 0; s->allowed_auth_uris && i < s->allowed_auth_uris->nelts; i++)
        APR_ARRAY_PUSH(auth->allowed_auth_uris, const char *) =
            apr_pstrdup(p, APR_ARRAY_IDX(s->allowed_auth_uris, i, const char *));
    /* get_ssl_options: verify = False if insecure else (ca_file or True); cert = (cert, key)
     * when both are set, else cert alone */
    memset(o, 0, sizeof(*o));
    o->cafile = s->ca_file && *s->ca_file ? apr_pstrdup(p, s->ca_file) : NULL;
    o->certfile = s->cert_file && *s->cert_file ? apr_pstrdup(p, s->cert_file) : NULL;
    o->keyfile = o->certfile && s->key_file && *s->key_file ? apr_pstrdup(p, s->key_file) : NULL;
    o->insecure = s->insecure;
    o->max_response_size = 4 * 1024 * 1024;
    auth->have_heat_opts = 1;
}

/* WSGI header values and PATH_INFO are bytes decoded as latin-1: each byte one code point. */
static const char *latin1_to_utf8(apr_pool_t *p, const char *s, apr_size_t n)
{
    apr_size_t i, extra = 0;
    char *out, *o;

    for (i = 0; i < n; i++)
        extra += (unsigned char)s[i] >= 0x80;
    if (!extra)
        return apr_pstrmemdup(p, s, n);
    o = out = apr_palloc(p, n + extra + 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            *o++ = (char)c;
        }
        else {
            *o++ = (char)(0xC0 | (c >> 6));
            *o++ = (char)(0x80 | (c & 0x3F));
        }
    }
    *o = '\0';
    return out;
}

static const char *header_text(request_rec *r, const char *name)
{
    const char *v = apr_table_get(r->headers_in, name);
    return v ? latin1_to_utf8(r->pool, v, strlen(v)) : NULL;
}

/* Python's str.replace(old, new): every occurrence, left to right. */
static const char *replace_all(apr_pool_t *p, const char *s, const char *old, const char *new_)
{
    apr_size_t ol = strlen(old);
    const char *hit;
    char *out = "";

    if (!ol || !strstr(s, old))
        return s;
    while ((hit = strstr(s, old))) {
        out = apr_pstrcat(p, out, apr_pstrmemdup(p, s, (apr_size_t)(hit - s)), new_, NULL);
        s = hit + ol;
    }
    return apr_pstrcat(p, out, s, NULL);
}

/* A webob exception raised in a heat middleware: wsgify turns it into its own response. */
static void webob_answer(request_rec *r, heat_auth_response_t *out, int status,
                         const char *detail)
{
    heat_webob_body_t b = heat_webob_body(r->pool, status, apr_table_get(r->headers_in, "Accept"),
                                          NULL, detail, NULL);
    memset(out, 0, sizeof(*out));
    out->status = status;
    out->content_type = b.content_type;
    out->body = b.body;
}

/* An exception that reaches heat-api's FaultWrapper: 500 (none of these classes is mapped). */
static void fault_answer(request_rec *r, heat_auth_response_t *out, const char *type,
                         const char *message)
{
    memset(out, 0, sizeof(*out));
    out->status = HTTP_INTERNAL_SERVER_ERROR;
    out->content_type = "application/json";
    out->body = heat_fault_json(r->pool, HTTP_INTERNAL_SERVER_ERROR, type, message, NULL);
}

int heat_auth_url_check(heat_auth_t *auth, request_rec *r, const char **auth_url,
                        heat_auth_response_t *out)
{
    const char *url, *error_type;
    int i, allowed = 0;

    memset(out, 0, sizeof(*out));
    *auth_url = NULL;
    if (!auth)
        return OK;
    if (auth->multi_cloud) {
        url = apr_table_get(r->headers_in, "X-Auth-Url");
        if (!url || !*url) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "HEAT0306: authurl: no X-Auth-Url "
                          "(multi_cloud)");
            webob_answer(r, out, HTTP_BAD_REQUEST, "Request missing required header X-Auth-Url");
            return HTTP_BAD_REQUEST;
        }
        for (i = 0; auth->allowed_auth_uris && i < auth->allowed_auth_uris->nelts; i++)
            if (strcmp(url, APR_ARRAY_IDX(auth->allowed_auth_uris, i, const char *)) == 0)
                allowed = 1;
        if (!allowed) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "HEAT0306: authurl: X-Auth-Url %s is not "
                          "in [auth_password] allowed_auth_uris", url);
            webob_answer(r, out, HTTP_UNAUTHORIZED,
                         apr_psprintf(r->pool, "Header X-Auth-Url \"%s\" not an allowed endpoint",
                                      latin1_to_utf8(r->pool, url, strlen(url))));
            return HTTP_UNAUTHORIZED;
        }
    }
    else {
        url = resolve_auth_url(auth, r->pool, &error_type);
        if (!url && error_type) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "HEAT0307: authurl: version discovery on "
                          "[clients_keystone] auth_uri failed (%s)", error_type);
            fault_answer(r, out, error_type, NULL);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    /* req.headers['X-Auth-Url'] = auth_url (None removes it) */
    if (url)
        apr_table_set(r->headers_in, "X-Auth-Url", url);
    else
        apr_table_unset(r->headers_in, "X-Auth-Url");
    *auth_url = url;
    return OK;
}

/* What _build_user_headers passes on, as a token body for heat_context_from_token. */
static json_t *passed_on_token(apr_pool_t *p, const heat_keystone_identity_t *id,
                               const json_t *token_body)
{
    json_t *t = json_object(), *user = json_object(), *roles = json_array();
    json_t *catalog = json_object_get(json_object_get(token_body, "token"), "catalog");
    int i;

    if (id->user_id)
        json_object_set_new(user, "id", json_string(id->user_id));
    if (id->user_name)
        json_object_set_new(user, "name", json_string(id->user_name));
    if (id->user_domain_id)
        json_object_set_new(user, "domain", json_pack("{s:s}", "id", id->user_domain_id));
    json_object_set_new(t, "user", user);
    if (id->project_id || id->project_name) {
        json_t *project = json_object();
        if (id->project_id)
            json_object_set_new(project, "id", json_string(id->project_id));
        if (id->project_name)
            json_object_set_new(project, "name", json_string(id->project_name));
        json_object_set_new(t, "project", project);
    }
    for (i = 0; i < id->roles->nelts; i++)
        json_array_append_new(roles, json_pack("{s:s}", "name",
                                               APR_ARRAY_IDX(id->roles, i, const char *)));
    json_object_set_new(t, "roles", roles);
    if (catalog)
        json_object_set(t, "catalog", catalog);
    return heat_json_own(p, json_pack("{s:o}", "token", t));
}

int heat_auth_password(heat_auth_t *auth, request_rec *r, const char *path_info,
                       const char *auth_url, heat_auth_result_t *res, heat_auth_response_t *out)
{
    heat_keystone_password_t req;
    heat_keystone_password_result_t pr;
    heat_keystone_identity_t id;
    const char *slash, *end, *project_id, *key;

    memset(res, 0, sizeof(*res));
    memset(out, 0, sizeof(*out));
    res->status = HEAT_AUTH_UNAUTHORIZED;
    if (!auth) {
        res->status = HEAT_AUTH_UNAVAILABLE;
        res->reason = "no Keystone client (see the startup log)";
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "HEAT0308: Unable to authenticate: %s",
                      res->reason);
        heat_auth_error_response(auth, r, HTTP_SERVICE_UNAVAILABLE, out);
        return HTTP_SERVICE_UNAVAILABLE;
    }

    /* project_id = env.get('PATH_INFO').split('/')[1] */
    slash = path_info ? strchr(path_info, '/') : NULL;
    if (!slash) {
        res->reason = "IndexError: no project in the path";
        fault_answer(r, out, "IndexError", NULL);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    end = strchr(slash + 1, '/');
    project_id = latin1_to_utf8(r->pool, slash + 1,
                                end ? (apr_size_t)(end - slash - 1) : strlen(slash + 1));
    if (!*project_id) {
        res->reason = "no project in the path";
        goto reject;
    }

    /* RequestContext._create_auth_plugin: without a password there is no plugin; then
     * keystone_v3_endpoint needs a URL */
    key = header_text(r, "X-Auth-Key");
    if (!key || !*key || !auth_url || !*auth_url) {
        res->reason = (!key || !*key) ? "no X-Auth-Key" : "no auth URL";
        /* heat logs this at error level; without X-Auth-Key it is the client's doing */
        ap_log_rerror(APLOG_MARK, (!key || !*key) ? APLOG_INFO : APLOG_ERR, 0, r,
                      "HEAT0309: Keystone API connection failed, no password trust or "
                      "auth_token! (%s)", res->reason);
        fault_answer(r, out, "AuthorizationFailure", "Authorization failed.");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    memset(&req, 0, sizeof(req));
    req.auth_url = replace_all(r->pool, auth_url, "v2.0", "v3");
    req.username = header_text(r, "X-Auth-User");
    req.password = key;
    req.user_domain_id = header_text(r, "X-User-Domain-Id");
    req.project_id = project_id;
    req.options = heat_session_options(auth);
    heat_keystone_password_auth(auth->ks, r->pool, &req, &pr);

    switch (pr.status) {
    case HEAT_KS_VALID:
        break;
    case HEAT_KS_INVALID:
        res->reason = pr.error_type;
        goto reject;
    default:
        res->status = HEAT_AUTH_UNAVAILABLE;
        res->reason = pr.error_type;
        /* Keystone's 4xx (a request without user name or domain) is the client's doing */
        ap_log_rerror(APLOG_MARK, pr.http_status >= 400 && pr.http_status < 500 ? APLOG_INFO
                                                                              : APLOG_ERR,
                      0, r, "HEAT0310: password authentication of %s failed: %s",
                      req.username ? req.username : "(no X-Auth-User)",
                      pr.error_type ? pr.error_type : "error");
        fault_answer(r, out, pr.error_type ? pr.error_type : "ClientException", NULL);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* _build_user_headers; webob sets each one (a None value removes it) */
    heat_keystone_identity(r->pool, pr.token_body, &id);
    apr_table_set(r->headers_in, "X-Identity-Status", "Confirmed");
    set_or_unset(r, "X-Project-Id", id.project_id);
    set_or_unset(r, "X-Project-Name", id.project_name);
    set_or_unset(r, "X-User-Id", id.user_id);
    set_or_unset(r, "X-User-Name", id.user_name);
    apr_table_set(r->headers_in, "X-Roles", id.roles_joined);
    set_or_unset(r, "X-Service-Catalog", id.service_catalog);
    apr_table_set(r->headers_in, "X-Auth-Token", pr.token);
    set_or_unset(r, "X-User-Domain-Id", id.user_domain_id);

    res->status = HEAT_AUTH_OK;
    res->token = pr.token;
    res->token_info = passed_on_token(r->pool, &id, pr.token_body);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "HEAT0303: password of %s accepted",
                  id.user_name ? id.user_name : "-");
    return OK;

reject:
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "HEAT0305: Rejecting request: %s",
                  res->reason ? res->reason : "invalid credentials");
    webob_answer(r, out, HTTP_UNAUTHORIZED, "Authentication required");
    out->www_authenticate = apr_psprintf(r->pool, "Keystone uri='%s'", auth_url ? auth_url : "None");
    return HTTP_UNAUTHORIZED;
}

/* ---- heat-api-cfn's ec2authtoken step ---------------------------------------------------- */

/* One of heat's AWS errors (heat/api/aws/exception.py), raised by ec2token. */
static int aws_answer(request_rec *r, heat_auth_response_t *out, const char *code,
                      const char *detail)
{
    const heat_cfn_error_t *err = heat_cfn_error(code);

    memset(out, 0, sizeof(*out));
    out->status = err->status;
    out->status_line = heat_fault_cfn_status_line(r->pool, err);
    out->content_type = HEAT_CFN_XML_TYPE;
    out->body = heat_fault_cfn_xml(r->pool, err, detail);
    return err->status;
}

/* The request headers as webob shows them: values decoded as latin-1 (JSON wants UTF-8). */
typedef struct {
    request_rec *r;
    apr_table_t *out;
} header_copy_t;

static int copy_header_utf8(void *baton, const char *key, const char *value)
{
    header_copy_t *hc = baton;
    apr_table_set(hc->out, key, value ? latin1_to_utf8(hc->r->pool, value, strlen(value)) : "");
    return 1;
}

/* heat's ec2authtoken: [ec2authtoken] auth_uri ("v2.0" -> "v3"), else endpoint_utils'
 * get_auth_uri(): the v3 URL discovered on [clients_keystone] auth_uri, else
 * [keystone_authtoken] www_authenticate_uri with "v2.0" -> "v3". NULL with *error_type set
 * when the discovery raised, NULL alone when nothing is configured. */
static const char *ec2_auth_uri(heat_auth_t *auth, apr_pool_t *p, const heat_auth_ec2_settings_t *s,
                                const char **error_type)
{
    const char *url;

    *error_type = NULL;
    if (s->auth_uri && *s->auth_uri)
        return heat_ec2_replace_all(p, s->auth_uri, "v2.0", "v3");
    url = resolve_auth_url(auth, p, error_type);
    if (url && !auth->clients_keystone_uri)
        url = heat_ec2_replace_all(p, url, "v2.0", "v3");
    return url;
}

/* requests' verify / cert of EC2Token.ssl_options; the timeouts of [keystone_authtoken]
 * (requests.post has none: mod_heat keeps its bounded defaults). */
static void ec2_http_options(const heat_auth_t *auth, const heat_auth_ec2_settings_t *s,
                             heat_http_options_t *o)
{
    const heat_keystone_settings_t *ks = heat_keystone_settings(auth->ks);

    memset(o, 0, sizeof(*o));
    o->cafile = s->ca_file && *s->ca_file ? s->ca_file : NULL;
    o->certfile = s->cert_file && *s->cert_file ? s->cert_file : NULL;
    o->keyfile = o->certfile && s->key_file && *s->key_file ? s->key_file : NULL;
    o->insecure = s->insecure && !o->cafile; /* verify = cacert if cacert else not insecure */
    if (ks->http_connect_timeout > 0) {
        o->connect_timeout = apr_time_from_sec(ks->http_connect_timeout);
        o->timeout = apr_time_from_sec(ks->http_connect_timeout);
    }
    o->max_response_size = ks->max_response_size ? ks->max_response_size : 4 * 1024 * 1024;
}

/* EC2Token._authorize(req, auth_uri) after the credential checks: OK, or the AWS error
 * (HTTP status) in *out. */
static int ec2_authorize(heat_auth_t *auth, request_rec *r, const heat_auth_ec2_settings_t *s,
                         const char *auth_uri, const heat_ec2_request_t *ereq,
                         heat_auth_ec2_result_t *res, heat_auth_response_t *out)
{
    heat_ec2_attempt_t at;
    heat_http_options_t opts;

    if (!auth_uri || !*auth_uri) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "HEAT0320: Ec2Token authorization failed, no "
                      "auth_uri specified in config file ([ec2authtoken] auth_uri)");
        return aws_answer(r, out, "InternalFailure", "Service misconfigured");
    }
    ec2_http_options(auth, s, &opts);
    heat_ec2_attempt(auth->ks, r->pool, s->multi_cloud, auth_uri,
                     heat_ec2_request_body(r->pool, ereq), &opts, &at);
    if (at.status != HEAT_KS_VALID) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "HEAT0321: EC2 signature of %s not checked: "
                      "POST %s: %s", ereq->access, heat_http_url_for_log(r->pool, at.url),
                      at.kr.error ? at.kr.error : "Keystone unavailable");
        return aws_answer(r, out, "ServiceUnavailable", "The Keystone service is temporarily "
                          "unavailable.");
    }
    if (at.outcome.error) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "HEAT0322: AWS authentication failure "
                      "(access key %s, %s: HTTP %d %s): %s", ereq->access,
                      heat_http_url_for_log(r->pool, at.url), at.kr.http_status,
                      at.outcome.reason ? at.outcome.reason : "no error message",
                      at.outcome.error);
        return aws_answer(r, out, at.outcome.error, NULL);
    }
    res->token = at.kr.subject_token;
    res->token_body = at.kr.body;
    res->trusted = at.trusted;
    res->auth_url = auth_uri;
    res->project_id = at.outcome.project_id;
    res->project_name = at.outcome.project_name;
    res->roles = at.outcome.roles;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "HEAT0323: AWS authentication successful "
                  "(access key %s, project %s, via %s%s)", ereq->access, at.outcome.project_id,
                  heat_http_url_for_log(r->pool, at.url),
                  at.trusted ? "" : ", another Keystone: its token is not cached");
    return OK;
}

int heat_auth_ec2(heat_auth_t *auth, request_rec *r, const heat_auth_ec2_settings_t *settings,
                  const apr_array_header_t *params, int n_query, const char *host,
                  const char *path, const char *body, apr_size_t body_len,
                  heat_auth_ec2_result_t *res, heat_auth_response_t *out)
{
    heat_auth_ec2_settings_t none;
    heat_ec2_credentials_t creds;
    heat_ec2_request_t ereq;
    header_copy_t hc;
    json_t *pdict;
    int status = HTTP_FORBIDDEN, i;

    memset(res, 0, sizeof(*res));
    memset(out, 0, sizeof(*out));
    if (!settings) {
        memset(&none, 0, sizeof(none));
        settings = &none;
    }
    if (settings->multi_cloud &&
        (!settings->allowed_auth_uris || settings->allowed_auth_uris->nelts == 0)) {
        /* raise last_failure or HeatAccessDeniedError(): even before the signature */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "HEAT0324: [ec2authtoken] multi_cloud "
                      "without allowed_auth_uris: access denied");
        return aws_answer(r, out, "AccessDenied", NULL);
    }

    pdict = heat_ec2_params(r->pool, params, n_query);
    heat_ec2_credentials(r->pool, pdict, apr_table_get(r->headers_in, "Authorization"), &creds);
    switch (heat_ec2_decide(&creds, apr_table_get(r->headers_in, "X-Auth-User") != NULL)) {
    case HEAT_EC2_SKIP:
        return DECLINED;
    case HEAT_EC2_INCOMPLETE:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "HEAT0325: No AWS Signature found.");
        return aws_answer(r, out, "IncompleteSignature", NULL);
    case HEAT_EC2_MISSING_KEY:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "HEAT0325: No AWSAccessKeyId/Authorization "
                      "Credential");
        return aws_answer(r, out, "MissingAuthenticationToken", NULL);
    case HEAT_EC2_CHECK:
        break;
    }
    if (!auth) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "HEAT0321: EC2 signature not checked: no "
                      "Keystone client (see the startup log)");
        return aws_answer(r, out, "ServiceUnavailable", "The Keystone service is temporarily "
                          "unavailable.");
    }

    memset(&ereq, 0, sizeof(ereq));
    ereq.access = creds.access;
    ereq.signature = creds.signature;
    ereq.host = host ? latin1_to_utf8(r->pool, host, strlen(host)) : NULL;
    ereq.verb = r->method;
    ereq.path = path ? latin1_to_utf8(r->pool, path, strlen(path)) : "";
    ereq.params = pdict;
    hc.r = r;
    hc.out = apr_table_make(r->pool, 16);
    apr_table_do(copy_header_utf8, &hc, r->headers_in, NULL);
    /* webob's headers are the environ's: http_proxy_to_wsgi has put its host in HTTP_HOST */
    if (ereq.host && apr_table_get(hc.out, "Host"))
        apr_table_set(hc.out, "Host", ereq.host);
    ereq.headers = hc.out;
    ereq.body = body;
    ereq.body_len = body ? body_len : 0;

    if (!settings->multi_cloud) {
        const char *error_type;
        const char *uri = ec2_auth_uri(auth, r->pool, settings, &error_type);
        if (!uri && error_type) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "HEAT0326: ec2authtoken: version discovery "
                          "on [clients_keystone] auth_uri failed (%s)", error_type);
            return aws_answer(r, out, "ServiceUnavailable", "The Keystone service is "
                              "temporarily unavailable.");
        }
        status = ec2_authorize(auth, r, settings, uri, &ereq, res, out);
    }
    else {
        /* each allowed URI in turn; the first success wins, else the last AWS error */
        for (i = 0; i < settings->allowed_auth_uris->nelts; i++) {
            const char *uri = APR_ARRAY_IDX(settings->allowed_auth_uris, i, const char *);
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "HEAT0327: Attempt authorize on %s",
                          heat_http_url_for_log(r->pool, uri));
            status = ec2_authorize(auth, r, settings, uri, &ereq, res, out);
            if (status == OK || status == HTTP_SERVICE_UNAVAILABLE ||
                status == HTTP_INTERNAL_SERVER_ERROR)
                break; /* heat: only HeatAPIException is caught; the rest escapes */
        }
    }
    if (status != OK)
        return status;

    res->access = creds.access;
    res->ec2_creds = heat_ec2_creds_json(r->pool, creds.access, creds.signature);
    /* what ec2token sets for the rest of the pipeline */
    apr_table_set(r->headers_in, "X-Auth-EC2-Creds", res->ec2_creds);
    apr_table_set(r->headers_in, "X-Auth-Token", res->token);
    apr_table_set(r->headers_in, "X-Tenant-Name", res->project_name);
    apr_table_set(r->headers_in, "X-Tenant-Id", res->project_id);
    apr_table_set(r->headers_in, "X-Auth-URL", res->auth_url);
    apr_table_set(r->headers_in, "X-Roles", res->roles);
    /* authtoken validates the new token next: the configured Keystone has just issued this
     * very body (another Keystone's is left to authtoken) */
    if (heat_cache_enabled()) {
        heat_keystone_cache_t cache;
        cache.lookup = cache_lookup;
        cache.store = cache_store;
        cache.baton = r->server;
        heat_ec2_prime(auth->ks, r->pool, &cache, res->trusted, res->token, res->token_body);
    }
    return OK;
}

json_t *heat_auth_ec2_standalone_token(apr_pool_t *p, const heat_auth_ec2_result_t *res)
{
    json_t *roles = json_array(), *t;
    const json_t *user = json_object_get(json_object_get(res->token_body, "token"), "user");
    char *copy, *tok, *state = NULL;

    copy = apr_pstrdup(p, res->roles ? res->roles : "");
    for (tok = apr_strtok(copy, ",", &state); tok; tok = apr_strtok(NULL, ",", &state))
        json_array_append_new(roles, json_pack("{s:s}", "name", tok));
    t = json_pack("{s:{s:s, s:s}, s:o}", "project", "id", res->project_id ? res->project_id : "",
                  "name", res->project_name ? res->project_name : "", "roles", roles);
    /* the credential's owner as Keystone names it (heat-api-cfn would read the client's own
     * X-User-Id / X-User-Name headers here) */
    if (json_is_object(user))
        json_object_set_new(t, "user", json_deep_copy(user));
    return heat_json_own(p, json_pack("{s:o}", "token", t));
}
