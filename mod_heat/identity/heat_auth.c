/* heat_auth.c: heat's authentication steps on a request view (see heat_auth.h): authurl,
 * ec2authtoken, authtoken (keystonemiddleware's auth_token through heat_keystone_authenticate)
 * and the standalone flavor's authpassword. Every decision is here; mod_heat_auth.c only
 * builds the view from request_rec. */
#include "heat_auth.h"

#include <stdarg.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "heat_ec2.h"
#include "heat_fault.h"
#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_log.h"
#include "heat_pool.h"
#include "heat_webob.h"

struct heat_auth_t {
    heat_keystone_t *ks;
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

/* Logs through the request's sink (ap_log_rerror in httpd) when there is one. */
static void auth_log(const heat_auth_request_t *req, const char *file, int line, int level,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define AUTH_LOG(req, level, ...) auth_log((req), __FILE__, __LINE__, (level), __VA_ARGS__)

static void auth_log(const heat_auth_request_t *req, const char *file, int line, int level,
                     const char *fmt, ...)
{
    va_list ap;
    const char *msg;

    if (!heat_log_enabled(level) && !req->log)
        return;
    va_start(ap, fmt);
    msg = apr_pvsprintf(req->pool, fmt, ap);
    va_end(ap);
    if (req->log)
        req->log(req->log_baton, file, line, level, msg);
    else
        heat_log_printf(file, line, level, "%s", msg);
}

apr_status_t heat_auth_create(heat_auth_t **out, apr_pool_t *p, heat_http_t *http,
                              const heat_keystone_settings_t *settings, const char **error)
{
    heat_auth_t *auth = apr_pcalloc(p, sizeof(*auth));
    apr_status_t rv;

    *out = NULL;
    *error = NULL;
    rv = heat_keystone_create(&auth->ks, p, http, settings, error);
    if (rv != APR_SUCCESS)
        return rv;
    auth->pchild = p;
    apr_thread_mutex_create(&auth->auth_url_lock, APR_THREAD_MUTEX_DEFAULT, p);
    /* allocated from at run time (under auth_url_lock): an allocator with its own mutex */
    if (heat_pool_create_shared(&auth->url_pool, p) != APR_SUCCESS) {
        *error = "out of memory";
        return APR_ENOMEM;
    }
    auth->www_authenticate = heat_keystone_www_authenticate(p, heat_keystone_settings(auth->ks));
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

/* ---- answers ------------------------------------------------------------------------------ */

/* A webob exception raised in a heat middleware: wsgify turns it into its own response. */
static void webob_answer(const heat_auth_request_t *req, heat_result_t *out, int status,
                         const char *detail)
{
    heat_result_fail(req->pool, out, HEAT_RESULT_WEBOB, req->accept, status, NULL, detail);
}

/* An exception that reaches heat-api's FaultWrapper: 500 (none of these classes is mapped). */
static void fault_answer(const heat_auth_request_t *req, heat_result_t *out,
                         const char *type, const char *message)
{
    heat_result_fail(req->pool, out, HEAT_RESULT_FAULT, NULL, 500, type, message);
}

/* auth_token's own answers (keystonemiddleware/auth_token/__init__.py): its JSON 401, or
 * webob's 503. */
static int authtoken_answer(const heat_auth_t *auth, const heat_auth_request_t *req, int status,
                            heat_result_t *out)
{
    if (status == 401) {
        memset(out, 0, sizeof(*out));
        out->status = 401;
        out->content_type = "application/json";
        out->body = HEAT_KEYSTONE_UNAUTHORIZED_BODY;
        out->www_authenticate = heat_auth_www_authenticate(auth);
    }
    else {
        webob_answer(req, out, 503, HEAT_KEYSTONE_UNAVAILABLE_DETAIL);
    }
    return out->status;
}

/* One of heat's AWS errors (heat/api/aws/exception.py), raised by ec2token. */
static int aws_answer(const heat_auth_request_t *req, heat_result_t *out,
                      const char *code, const char *detail)
{
    return heat_result_fail(req->pool, out, HEAT_RESULT_AWS_XML, NULL, 0, code, detail);
}

/* ---- authtoken ---------------------------------------------------------------------------- */

int heat_auth_token(heat_auth_t *auth, const heat_auth_request_t *req,
                    const heat_auth_ec2_result_t *ec2, heat_auth_result_t *res,
                    heat_result_t *out)
{
    heat_keystone_request_t kreq;

    memset(res, 0, sizeof(*res));
    memset(out, 0, sizeof(*out));
    if (!auth) {
        res->status = HEAT_AUTH_UNAVAILABLE;
        res->reason = "no Keystone client (see the startup log)";
        AUTH_LOG(req, HEAT_LOG_ERR, "HEAT0302: Unable to validate token: %s", res->reason);
        return authtoken_answer(auth, req, 503, out);
    }

    memset(&kreq, 0, sizeof(kreq));
    /* headers.get('X-Auth-Token', headers.get('X-Storage-Token')): a present but empty
     * X-Auth-Token does not fall back. After ec2token, X-Auth-Token is the issued token. */
    kreq.user_token = ec2 ? ec2->token : req->auth_token ? req->auth_token : req->storage_token;
    kreq.service_token = req->service_token;
    kreq.method = req->method;
    kreq.path = req->path;
    kreq.auth_type = req->auth_type;
    kreq.remote_user = req->remote_user;
    heat_keystone_authenticate(auth->ks, req->pool, req->cache, &kreq, res);

    switch (res->status) {
    case HEAT_AUTH_OK:
        AUTH_LOG(req, HEAT_LOG_DEBUG, "HEAT0303: token accepted%s",
                 res->from_cache ? " (cached)" : "");
        return HEAT_AUTH_NEXT;
    case HEAT_AUTH_UNAVAILABLE:
        AUTH_LOG(req, HEAT_LOG_ERR, "HEAT0304: Unable to validate token: %s",
                 res->reason ? res->reason : "Keystone unavailable");
        return authtoken_answer(auth, req, 503, out);
    default:
        AUTH_LOG(req, HEAT_LOG_INFO, "HEAT0305: Rejecting request: %s",
                 res->reason ? res->reason : "invalid token");
        return authtoken_answer(auth, req, 401, out);
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

static const char *header_text(apr_pool_t *p, const char *v)
{
    return v ? heat_py_latin1_to_utf8(p, v, strlen(v)) : NULL;
}

int heat_auth_url_check(heat_auth_t *auth, const heat_auth_request_t *req, const char **auth_url,
                        heat_result_t *out)
{
    const char *url, *error_type;
    int i, allowed = 0;

    memset(out, 0, sizeof(*out));
    *auth_url = NULL;
    if (!auth)
        return HEAT_AUTH_NEXT;
    if (auth->multi_cloud) {
        url = req->auth_url;
        if (!url || !*url) {
            AUTH_LOG(req, HEAT_LOG_INFO, "HEAT0306: authurl: no X-Auth-Url (multi_cloud)");
            webob_answer(req, out, 400, "Request missing required header X-Auth-Url");
            return 400;
        }
        for (i = 0; auth->allowed_auth_uris && i < auth->allowed_auth_uris->nelts; i++)
            if (strcmp(url, APR_ARRAY_IDX(auth->allowed_auth_uris, i, const char *)) == 0)
                allowed = 1;
        if (!allowed) {
            AUTH_LOG(req, HEAT_LOG_INFO, "HEAT0313: authurl: X-Auth-Url %s is not in "
                     "[auth_password] allowed_auth_uris", url);
            webob_answer(req, out, 401,
                         apr_psprintf(req->pool, "Header X-Auth-Url \"%s\" not an allowed "
                                      "endpoint", header_text(req->pool, url)));
            return 401;
        }
    }
    else {
        url = resolve_auth_url(auth, req->pool, &error_type);
        if (!url && error_type) {
            AUTH_LOG(req, HEAT_LOG_ERR, "HEAT0307: authurl: version discovery on "
                     "[clients_keystone] auth_uri failed (%s)", error_type);
            fault_answer(req, out, error_type, NULL);
            return 500;
        }
    }
    *auth_url = url;
    return HEAT_AUTH_NEXT;
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

int heat_auth_password(heat_auth_t *auth, const heat_auth_request_t *req, const char *path_info,
                       const char *auth_url, heat_auth_result_t *res, heat_result_t *out)
{
    apr_pool_t *p = req->pool;
    heat_keystone_password_t preq;
    heat_keystone_password_result_t pr;
    heat_keystone_identity_t id;
    const char *slash, *end, *project_id, *key;

    memset(res, 0, sizeof(*res));
    memset(out, 0, sizeof(*out));
    res->status = HEAT_AUTH_UNAUTHORIZED;
    if (!auth) {
        res->status = HEAT_AUTH_UNAVAILABLE;
        res->reason = "no Keystone client (see the startup log)";
        AUTH_LOG(req, HEAT_LOG_ERR, "HEAT0308: Unable to authenticate: %s", res->reason);
        return authtoken_answer(auth, req, 503, out);
    }

    /* project_id = env.get('PATH_INFO').split('/')[1] */
    slash = path_info ? strchr(path_info, '/') : NULL;
    if (!slash) {
        res->reason = "IndexError: no project in the path";
        fault_answer(req, out, "IndexError", NULL);
        return 500;
    }
    end = strchr(slash + 1, '/');
    project_id = heat_py_latin1_to_utf8(p, slash + 1,
                                end ? (apr_size_t)(end - slash - 1) : strlen(slash + 1));
    if (!*project_id) {
        res->reason = "no project in the path";
        goto reject;
    }

    /* RequestContext._create_auth_plugin: without a password there is no plugin; then
     * keystone_v3_endpoint needs a URL */
    key = header_text(p, req->auth_key);
    if (!key || !*key || !auth_url || !*auth_url) {
        res->reason = (!key || !*key) ? "no X-Auth-Key" : "no auth URL";
        /* heat logs this at error level; without X-Auth-Key it is the client's doing */
        AUTH_LOG(req, (!key || !*key) ? HEAT_LOG_INFO : HEAT_LOG_ERR,
                 "HEAT0309: Keystone API connection failed, no password trust or "
                 "auth_token! (%s)", res->reason);
        fault_answer(req, out, "AuthorizationFailure", "Authorization failed.");
        return 500;
    }

    memset(&preq, 0, sizeof(preq));
    /* context.py's keystone_v3_endpoint: auth_url.replace('v2.0', 'v3'), every occurrence */
    preq.auth_url = heat_py_replace(p, auth_url, "v2.0", "v3");
    preq.username = header_text(p, req->auth_user);
    preq.password = key;
    preq.user_domain_id = header_text(p, req->user_domain_id);
    preq.project_id = project_id;
    preq.options = heat_session_options(auth);
    heat_keystone_password_auth(auth->ks, p, &preq, &pr);

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
        AUTH_LOG(req, pr.http_status >= 400 && pr.http_status < 500 ? HEAT_LOG_INFO
                                                                     : HEAT_LOG_ERR,
                 "HEAT0310: password authentication of %s failed: %s",
                 preq.username ? preq.username : "(no X-Auth-User)",
                 pr.error_type ? pr.error_type : "error");
        fault_answer(req, out, pr.error_type ? pr.error_type : "ClientException", NULL);
        return 500;
    }

    heat_keystone_identity(p, pr.token_body, &id);
    res->status = HEAT_AUTH_OK;
    res->token = pr.token;
    res->token_info = passed_on_token(p, &id, pr.token_body);
    AUTH_LOG(req, HEAT_LOG_DEBUG, "HEAT0311: password of %s accepted",
             id.user_name ? id.user_name : "-");
    return HEAT_AUTH_NEXT;

reject:
    AUTH_LOG(req, HEAT_LOG_INFO, "HEAT0312: Rejecting request: %s",
             res->reason ? res->reason : "invalid credentials");
    webob_answer(req, out, 401, "Authentication required");
    out->www_authenticate = apr_psprintf(p, "Keystone uri='%s'", auth_url ? auth_url : "None");
    return 401;
}

/* ---- heat-api-cfn's ec2authtoken step ---------------------------------------------------- */

/* The request headers as webob shows them: values decoded as latin-1 (JSON wants UTF-8). */
typedef struct {
    apr_pool_t *p;
    apr_table_t *out;
} header_copy_t;

static int copy_header_utf8(void *baton, const char *key, const char *value)
{
    header_copy_t *hc = baton;
    apr_table_set(hc->out, key, value ? heat_py_latin1_to_utf8(hc->p, value, strlen(value)) : "");
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
        return heat_py_replace(p, s->auth_uri, "v2.0", "v3");
    url = resolve_auth_url(auth, p, error_type);
    if (url && !auth->clients_keystone_uri)
        url = heat_py_replace(p, url, "v2.0", "v3");
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

/* EC2Token._authorize(req, auth_uri) after the credential checks: HEAT_AUTH_NEXT, or the AWS
 * error (HTTP status) in *out. */
static int ec2_authorize(heat_auth_t *auth, const heat_auth_request_t *req,
                         const heat_auth_ec2_settings_t *s, const char *auth_uri,
                         const heat_ec2_request_t *ereq, heat_auth_ec2_result_t *res,
                         heat_result_t *out)
{
    apr_pool_t *p = req->pool;
    heat_ec2_attempt_t at;
    heat_http_options_t opts;

    if (!auth_uri || !*auth_uri) {
        AUTH_LOG(req, HEAT_LOG_ERR, "HEAT0320: Ec2Token authorization failed, no auth_uri "
                 "specified in config file ([ec2authtoken] auth_uri)");
        return aws_answer(req, out, "InternalFailure", "Service misconfigured");
    }
    ec2_http_options(auth, s, &opts);
    heat_ec2_attempt(auth->ks, p, s->multi_cloud, auth_uri, heat_ec2_request_body(p, ereq),
                     &opts, &at);
    if (at.status != HEAT_KS_VALID) {
        AUTH_LOG(req, HEAT_LOG_ERR, "HEAT0321: EC2 signature of %s not checked: POST %s: %s",
                 ereq->access, heat_http_url_for_log(p, at.url),
                 at.kr.error ? at.kr.error : "Keystone unavailable");
        return aws_answer(req, out, "ServiceUnavailable", "The Keystone service is temporarily "
                          "unavailable.");
    }
    if (at.outcome.error) {
        AUTH_LOG(req, HEAT_LOG_INFO, "HEAT0322: AWS authentication failure (access key %s, "
                 "%s: HTTP %d %s): %s", ereq->access, heat_http_url_for_log(p, at.url),
                 at.kr.http_status, at.outcome.reason ? at.outcome.reason : "no error message",
                 at.outcome.error);
        return aws_answer(req, out, at.outcome.error, NULL);
    }
    res->token = at.kr.subject_token;
    res->token_body = at.kr.body;
    res->trusted = at.trusted;
    res->auth_url = auth_uri;
    res->project_id = at.outcome.project_id;
    res->project_name = at.outcome.project_name;
    res->roles = at.outcome.roles;
    AUTH_LOG(req, HEAT_LOG_DEBUG, "HEAT0323: AWS authentication successful (access key %s, "
             "project %s, via %s%s)", ereq->access, at.outcome.project_id,
             heat_http_url_for_log(p, at.url),
             at.trusted ? "" : ", another Keystone: its token is not cached");
    return HEAT_AUTH_NEXT;
}

int heat_auth_ec2(heat_auth_t *auth, const heat_auth_request_t *req,
                  const heat_auth_ec2_settings_t *settings, const heat_auth_ec2_input_t *in,
                  heat_auth_ec2_result_t *res, heat_result_t *out)
{
    apr_pool_t *p = req->pool;
    heat_auth_ec2_settings_t none;
    heat_ec2_credentials_t creds;
    heat_ec2_request_t ereq;
    header_copy_t hc;
    json_t *pdict;
    int status = 403, i;

    memset(res, 0, sizeof(*res));
    memset(out, 0, sizeof(*out));
    if (!settings) {
        memset(&none, 0, sizeof(none));
        settings = &none;
    }
    if (settings->multi_cloud &&
        (!settings->allowed_auth_uris || settings->allowed_auth_uris->nelts == 0)) {
        /* raise last_failure or HeatAccessDeniedError(): even before the signature */
        AUTH_LOG(req, HEAT_LOG_INFO, "HEAT0324: [ec2authtoken] multi_cloud without "
                 "allowed_auth_uris: access denied");
        return aws_answer(req, out, "AccessDenied", NULL);
    }

    pdict = heat_ec2_params(p, in->params, in->n_query);
    heat_ec2_credentials(p, pdict, req->authorization, &creds);
    switch (heat_ec2_decide(&creds, req->auth_user != NULL)) {
    case HEAT_EC2_SKIP:
        return HEAT_AUTH_SKIP;
    case HEAT_EC2_INCOMPLETE:
        AUTH_LOG(req, HEAT_LOG_INFO, "HEAT0325: No AWS Signature found.");
        return aws_answer(req, out, "IncompleteSignature", NULL);
    case HEAT_EC2_MISSING_KEY:
        AUTH_LOG(req, HEAT_LOG_INFO, "HEAT0330: No AWSAccessKeyId/Authorization Credential");
        return aws_answer(req, out, "MissingAuthenticationToken", NULL);
    case HEAT_EC2_CHECK:
        break;
    }
    if (!auth) {
        AUTH_LOG(req, HEAT_LOG_ERR, "HEAT0329: EC2 signature not checked: no Keystone client "
                 "(see the startup log)");
        return aws_answer(req, out, "ServiceUnavailable", "The Keystone service is temporarily "
                          "unavailable.");
    }

    memset(&ereq, 0, sizeof(ereq));
    ereq.access = creds.access;
    ereq.signature = creds.signature;
    ereq.host = in->host ? heat_py_latin1_to_utf8(p, in->host, strlen(in->host)) : NULL;
    ereq.verb = req->method;
    ereq.path = in->path ? heat_py_latin1_to_utf8(p, in->path, strlen(in->path)) : "";
    ereq.params = pdict;
    hc.p = p;
    hc.out = apr_table_make(p, 16);
    if (req->headers)
        apr_table_do(copy_header_utf8, &hc, req->headers, NULL);
    /* webob's headers are the environ's: http_proxy_to_wsgi has put its host in HTTP_HOST */
    if (ereq.host && apr_table_get(hc.out, "Host"))
        apr_table_set(hc.out, "Host", ereq.host);
    ereq.headers = hc.out;
    ereq.body = in->body;
    ereq.body_len = in->body ? in->body_len : 0;

    if (!settings->multi_cloud) {
        const char *error_type;
        const char *uri = ec2_auth_uri(auth, p, settings, &error_type);
        if (!uri && error_type) {
            AUTH_LOG(req, HEAT_LOG_ERR, "HEAT0326: ec2authtoken: version discovery on "
                     "[clients_keystone] auth_uri failed (%s)", error_type);
            return aws_answer(req, out, "ServiceUnavailable", "The Keystone service is "
                              "temporarily unavailable.");
        }
        status = ec2_authorize(auth, req, settings, uri, &ereq, res, out);
    }
    else {
        /* each allowed URI in turn; the first success wins, else the last AWS error */
        for (i = 0; i < settings->allowed_auth_uris->nelts; i++) {
            const char *uri = APR_ARRAY_IDX(settings->allowed_auth_uris, i, const char *);
            AUTH_LOG(req, HEAT_LOG_DEBUG, "HEAT0327: Attempt authorize on %s",
                     heat_http_url_for_log(p, uri));
            status = ec2_authorize(auth, req, settings, uri, &ereq, res, out);
            if (status == HEAT_AUTH_NEXT || status == 503 || status == 500)
                break; /* heat: only HeatAPIException is caught; the rest escapes */
        }
    }
    if (status != HEAT_AUTH_NEXT)
        return status;

    res->access = creds.access;
    res->ec2_creds = heat_ec2_creds_json(p, creds.access, creds.signature);
    /* authtoken validates the new token next: the configured Keystone has just issued this
     * very body (another Keystone's is left to authtoken) */
    if (req->cache)
        heat_ec2_prime(auth->ks, p, req->cache, res->trusted, res->token, res->token_body);
    return HEAT_AUTH_NEXT;
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
