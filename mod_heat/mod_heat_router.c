/* mod_heat_router.c: the handler of both APIs. It runs the steps of heat's paste pipelines
 * in their order (healthcheck, cors' OPTIONS rule, request_id, http_proxy_to_wsgi, version
 * negotiation, authurl + authtoken + context, router), hands routed native requests to the
 * core's dispatcher (heat_api.c), builds one heat_response_t and writes it. */
#include "mod_heat.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_script.h>

#include "heat_api.h"
#include "heat_cfn.h"
#include "heat_fault.h"
#include "heat_json.h"
#include "heat_webob.h"

typedef enum { HEAT_API_NATIVE, HEAT_API_CFN } heat_api_t;

/* What one request has learnt on its way through the pipeline. */
typedef struct {
    request_rec *r;
    const heat_server_conf_t *sc;
    heat_api_t api;
    const char *request_id;
    const char *accept;      /* raw Accept header, NULL if absent */
    const char *scheme;      /* after proxy headers */
    const char *host;        /* Host header after proxy headers, NULL if absent */
    const char *script_name; /* mount point (+ X-Forwarded-Prefix) + "/v1" once negotiated */
    const char *path_info;   /* below script_name */
} heat_request_state_t;

typedef struct {
    int status;
    const char *status_line;  /* only when the reason phrase is not the standard one */
    const char *content_type; /* NULL: no Content-Type (204, the OPTIONS rule) */
    const char *body;         /* "" or NULL: none */
    const char *allow;
    const char *location;
    const char *www_authenticate;
    int with_request_id;      /* healthcheck answers come before request_id in the pipeline */
} heat_response_t;

static void respond_webob(heat_request_state_t *st, heat_response_t *resp, int status)
{
    heat_webob_body_t b = heat_webob_body(st->r->pool, status, st->accept, NULL, NULL, NULL);
    resp->status = status;
    resp->content_type = b.content_type;
    resp->body = b.body;
}

static void respond_fault(heat_request_state_t *st, heat_response_t *resp, int status,
                          const char *type, const char *message)
{
    resp->status = status;
    resp->content_type = "application/json";
    resp->body = heat_fault_json(st->r->pool, status, type, message, NULL);
}

static const char *application_url(heat_request_state_t *st)
{
    request_rec *r = st->r;
    /* without a Host header WSGI has SERVER_NAME and SERVER_PORT: the port the request came
     * in on (ap_get_server_port would give the vhost's, or 80) */
    return apr_pstrcat(r->pool,
                       heat_front_host_url(r->pool, st->scheme, st->host, r->server->server_hostname,
                                           r->connection->local_addr->port),
                       heat_front_quote_path(r->pool, st->script_name), NULL);
}

/* heat's noauth filter: every request is user X-Auth-User (default admin) in project
 * X-Auth-Project (default admin) with role admin. */
static json_t *noauth_token(request_rec *r)
{
    const char *user = apr_table_get(r->headers_in, "X-Auth-User");
    const char *project = apr_table_get(r->headers_in, "X-Auth-Project");
    if (!user)
        user = "admin";
    if (!project)
        project = "admin";
    return json_pack("{s:{s:{s:s, s:s}, s:{s:s, s:s}, s:[{s:s}]}}", "token", "user", "id", user, "name",
                     user, "project", "id", project, "name", project, "roles", "name", "admin");
}

/* authurl, authtoken and context: 1 with st->ctx set, or 0 with the answer in resp. */
static int authenticate(heat_request_state_t *st, heat_response_t *resp, heat_context_t **ctx)
{
    request_rec *r = st->r;
    const heat_server_conf_t *sc = st->sc;
    heat_context_request_t creq;
    heat_policy_outcome_t outcome;
    const char *err;

    memset(&creq, 0, sizeof(creq));
    creq.request_id = st->request_id;
    creq.global_request_id = apr_table_get(r->notes, "heat-global-request-id");
    creq.region_name = apr_table_get(r->headers_in, "X-Region-Name");
    creq.auth_user = apr_table_get(r->headers_in, "X-Auth-User");
    creq.auth_key = apr_table_get(r->headers_in, "X-Auth-Key");
    if (sc->settings.noauth) {
        creq.token = heat_json_own(r->pool, noauth_token(r));
        creq.auth_url = "url";
        creq.auth_key = creq.auth_key ? creq.auth_key : "unset";
        creq.auth_user = creq.auth_user ? creq.auth_user : "admin";
    }
    else if (sc->settings.standalone) {
        /* authurl + authpassword */
        heat_auth_result_t res;
        heat_auth_response_t ar;
        const char *auth_url;
        int status = heat_auth_url_check(sc->auth, r, &auth_url, &ar);
        if (status == OK)
            status = heat_auth_password(sc->auth, r, st->path_info, auth_url, &res, &ar);
        if (status != OK) {
            resp->status = ar.status;
            resp->content_type = ar.content_type;
            resp->body = ar.body;
            resp->www_authenticate = ar.www_authenticate;
            return 0;
        }
        creq.auth_token = res.token;
        creq.token = res.token_info;
        creq.service_token = apr_table_get(r->headers_in, "X-Service-Token");
        creq.auth_url = auth_url;
    }
    else {
        heat_auth_result_t res;
        heat_auth_response_t ar;
        const char *auth_url;
        int status = heat_auth_url_check(sc->auth, r, &auth_url, &ar);
        if (status == OK && (status = heat_auth_check(sc->auth, r, r->uri, &res)) != OK)
            heat_auth_error_response(sc->auth, r, status, &ar);
        if (status != OK) {
            resp->status = ar.status;
            resp->content_type = ar.content_type;
            resp->body = ar.body;
            resp->www_authenticate = ar.www_authenticate;
            return 0;
        }
        creq.auth_token = res.token;
        creq.token = res.token_info;
        creq.service_token = apr_table_get(r->headers_in, "X-Service-Token");
        creq.service_token_body = res.service_token_valid ? res.service_token_info : NULL;
        creq.auth_url = auth_url;
    }
    if ((err = heat_context_from_token(ctx, r->pool, &creq, sc->policy, &outcome))) {
        heat_policy_denial_t d;
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "HEAT0102: request context: %s", err);
        heat_policy_context_error(&outcome, st->api == HEAT_API_CFN, &d);
        respond_fault(st, resp, d.status, d.type ? d.type : "HTTPInternalServerError", d.message);
        return 0;
    }
    if (sc->settings.standalone)
        (*ctx)->auth_token_info = NULL; /* authpassword sets no keystone.token_info */
    return 1;
}

/* Reads the request body, up to limit + 1 bytes (so that the size check can refuse it).
 * Returns OK, or an HTTP status for a transport error. */
static int read_body(request_rec *r, apr_off_t limit, const char **body, apr_size_t *len)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_off_t total = 0;
    char *buf;
    apr_size_t size;
    int seen_eos = 0;

    *body = NULL;
    *len = 0;
    if (!ap_should_client_block(r) && !apr_table_get(r->headers_in, "Transfer-Encoding") &&
        !apr_table_get(r->headers_in, "Content-Length"))
        return OK;
    while (!seen_eos && total <= limit) {
        apr_bucket_brigade *chunk = apr_brigade_create(r->pool, r->connection->bucket_alloc);
        apr_status_t rv = ap_get_brigade(r->input_filters, chunk, AP_MODE_READBYTES, APR_BLOCK_READ,
                                         HUGE_STRING_LEN);
        apr_off_t n;
        if (rv != APR_SUCCESS)
            return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        if (!APR_BRIGADE_EMPTY(chunk) && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(chunk)))
            seen_eos = 1;
        apr_brigade_length(chunk, 1, &n);
        total += n;
        APR_BRIGADE_CONCAT(bb, chunk);
        if (n == 0 && !seen_eos)
            break;
    }
    size = (apr_size_t)total;
    buf = apr_palloc(r->pool, size + 1);
    apr_brigade_flatten(bb, buf, &size);
    buf[size] = '\0';
    *body = buf;
    *len = size;
    return OK;
}

/* The last value of a key in an application/x-www-form-urlencoded string, NULL if absent. */
static const char *urlencoded_last(apr_pool_t *p, const char *text, const char *key)
{
    char *copy, *pair, *state = NULL;
    const char *found = NULL;

    if (!text)
        return NULL;
    copy = apr_pstrdup(p, text);
    for (pair = apr_strtok(copy, "&", &state); pair; pair = apr_strtok(NULL, "&", &state)) {
        char *eq = strchr(pair, '=');
        if (eq)
            *eq = '\0';
        ap_unescape_urlencoded(pair);
        if (strcmp(pair, key) == 0) {
            char *value = eq ? eq + 1 : "";
            ap_unescape_urlencoded(value);
            found = value;
        }
    }
    return found;
}

/* The CFN Action: from the query string, else from a form body (webob req.params). */
static const char *cfn_action(heat_request_state_t *st)
{
    request_rec *r = st->r;
    const char *action = urlencoded_last(r->pool, r->args, "Action");
    apr_array_header_t *pairs = NULL;
    int i;

    if (action)
        return action;
    if (ap_parse_form_data(r, NULL, &pairs, -1, HEAT_MAX_FORM_BYTES) != OK || !pairs)
        return NULL;
    for (i = 0; i < pairs->nelts; i++) {
        ap_form_pair_t *pair = &APR_ARRAY_IDX(pairs, i, ap_form_pair_t);
        if (strcmp(pair->name, "Action") == 0) {
            apr_off_t len;
            apr_size_t size;
            char *buf;
            apr_brigade_length(pair->value, 1, &len);
            size = (apr_size_t)len;
            buf = apr_palloc(r->pool, size + 1);
            apr_brigade_flatten(pair->value, buf, &size);
            buf[size] = '\0';
            action = buf;
        }
    }
    return action;
}

static void route_native(heat_request_state_t *st, heat_response_t *resp)
{
    request_rec *r = st->r;
    const heat_settings_t *set = &st->sc->settings;
    heat_route_match_t m;
    heat_context_t *ctx;
    heat_call_t call;
    heat_reply_t reply;
    int status;

    if (!authenticate(st, resp, &ctx))
        return;
    heat_routes_match(st->sc->native_routes, r->pool, r->method, st->path_info, &m);
    switch (m.result) {
    case HEAT_ROUTE_NOT_FOUND:
        respond_webob(st, resp, HTTP_NOT_FOUND);
        return;
    case HEAT_ROUTE_OPTIONS:
        resp->status = HTTP_NO_CONTENT;
        resp->allow = m.allowed;
        return;
    case HEAT_ROUTE_REJECT:
        /* heat-api drops the Allow header here; mod_heat keeps it (DECISIONS.md) */
        respond_fault(st, resp, HTTP_METHOD_NOT_ALLOWED, "HTTPMethodNotAllowed",
                      heat_webob_explanation(HTTP_METHOD_NOT_ALLOWED));
        resp->allow = m.allowed;
        return;
    case HEAT_ROUTE_MATCHED:
        break;
    }

    memset(&call, 0, sizeof(call));
    memset(&reply, 0, sizeof(reply));
    call.p = r->pool;
    call.method = r->method;
    call.route = m.route;
    call.vars = m.params;
    call.params = heat_api_parse_params(r->pool, r->args);
    call.accept = st->accept;
    call.content_type = apr_table_get(r->headers_in, "Content-Type");
    {
        const char *cl = apr_table_get(r->headers_in, "Content-Length");
        call.content_length = cl ? apr_atoi64(cl) : -1;
    }
    if ((status = read_body(r, set->max_json_body_size, &call.body, &call.body_len)) != OK) {
        respond_webob(st, resp, status);
        return;
    }
    call.ctx = ctx;
    call.policy = st->sc->policy;
    call.rpc = st->sc->rpc;
    call.http = heat_child_http();
    call.url_base = set->api_root ? set->api_root : application_url(st);
    call.path_url = apr_pstrcat(r->pool, application_url(st), heat_front_quote_path(r->pool, st->path_info),
                                NULL);
    call.debug = set->debug;
    call.rpc_response_timeout = set->rpc_response_timeout;
    call.max_template_size = set->max_template_size;
    call.max_json_body_size = set->max_json_body_size;
    call.revision = set->revision;
    heat_api_dispatch(&call, &reply);

    resp->status = reply.status;
    resp->status_line = reply.status_line;
    resp->content_type = reply.content_type;
    resp->body = reply.body;
    resp->location = reply.location;
    if (reply.status == HTTP_UNAUTHORIZED && st->sc->auth && !set->standalone)
        resp->www_authenticate = heat_auth_www_authenticate(st->sc->auth);
}

static void route_cfn(heat_request_state_t *st, heat_response_t *resp)
{
    heat_route_match_t m;
    heat_call_t call;
    heat_reply_t reply;

    heat_routes_cfn_match(st->sc->cfn_routes, st->r->pool, st->r->method, st->path_info,
                          cfn_action(st), &m);
    if (m.result != HEAT_ROUTE_MATCHED) {
        respond_webob(st, resp, HTTP_NOT_FOUND);
        return;
    }
    memset(&call, 0, sizeof(call));
    memset(&reply, 0, sizeof(reply));
    call.p = st->r->pool;
    call.method = st->r->method;
    call.route = m.route;
    call.vars = m.params;
    heat_cfn_dispatch(&call, &reply);
    resp->status = reply.status;
    resp->status_line = reply.status_line;
    resp->content_type = reply.content_type;
    resp->body = reply.body;
}

static void run_pipeline(heat_request_state_t *st, heat_response_t *resp)
{
    request_rec *r = st->r;
    const heat_settings_t *set = &st->sc->settings;
    const char *global_id, *mount = st->script_name;
    heat_negotiation_t neg;

    /* request_id: a new id always; a well-formed inbound one becomes the global id */
    st->request_id = heat_front_request_id(r->pool);
    resp->with_request_id = 1;
    apr_table_setn(r->notes, "heat-request-id", st->request_id);
    global_id = apr_table_get(r->headers_in, "X-OpenStack-Request-ID");
    if (global_id && heat_front_valid_request_id(global_id))
        apr_table_setn(r->notes, "heat-global-request-id", global_id);

    /* http_proxy_to_wsgi */
    st->scheme = ap_http_scheme(r);
    st->host = apr_table_get(r->headers_in, "Host");
    if (set->proxy_headers) {
        heat_proxy_view_t view = {st->scheme, st->host, r->useragent_ip, ""};
        heat_front_proxy_headers(r->pool, apr_table_get(r->headers_in, "Forwarded"),
                                 apr_table_get(r->headers_in, "X-Forwarded-Proto"),
                                 apr_table_get(r->headers_in, "X-Forwarded-Host"),
                                 apr_table_get(r->headers_in, "X-Forwarded-For"),
                                 apr_table_get(r->headers_in, "X-Forwarded-Prefix"), &view);
        st->scheme = view.scheme;
        st->host = view.host;
        st->script_name = apr_pstrcat(r->pool, view.script_prefix, mount, NULL);
    }

    heat_front_negotiate(r->pool, st->path_info, st->accept, &neg);
    switch (neg.result) {
    case HEAT_NEG_BAD_REQUEST:
        respond_webob(st, resp, HTTP_BAD_REQUEST);
        return;
    case HEAT_NEG_NOT_FOUND:
        respond_webob(st, resp, HTTP_NOT_FOUND);
        return;
    case HEAT_NEG_VERSIONS:
        resp->status = HTTP_MULTIPLE_CHOICES;
        resp->content_type = "application/json";
        resp->body = heat_front_versions_body(r->pool, application_url(st));
        return;
    case HEAT_NEG_ROUTE:
        break;
    }
    st->script_name = apr_pstrcat(r->pool, st->script_name, neg.script_name_suffix, NULL);
    st->path_info = neg.path_info;
    if (st->api == HEAT_API_NATIVE)
        route_native(st, resp);
    else
        route_cfn(st, resp);
}

/* cors: an OPTIONS request whose answer is not 2xx gets an empty 200 instead, without
 * Content-Type or request id (oslo_middleware.cors does this even when cors is off). */
static void apply_cors_options_rule(request_rec *r, heat_response_t *resp)
{
    if (r->method_number == M_OPTIONS && (resp->status < 200 || resp->status > 299)) {
        resp->status = HTTP_OK;
        resp->status_line = NULL;
        resp->content_type = NULL;
        resp->body = NULL;
        resp->allow = NULL;
        resp->location = NULL;
        resp->www_authenticate = NULL;
        resp->with_request_id = 0;
    }
}

static int send_response(heat_request_state_t *st, heat_response_t *resp)
{
    request_rec *r = st->r;

    r->status = resp->status;
    if (resp->status_line)
        r->status_line = resp->status_line;
    if (resp->content_type)
        ap_set_content_type(r, resp->content_type);
    if (resp->allow)
        apr_table_setn(r->headers_out, "Allow", resp->allow);
    if (resp->location)
        apr_table_setn(r->headers_out, "Location", resp->location);
    if (resp->www_authenticate)
        apr_table_setn(r->headers_out, "WWW-Authenticate", resp->www_authenticate);
    if (resp->with_request_id)
        apr_table_setn(r->headers_out, "x-openstack-request-id", st->request_id);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "HEAT0100: %s %s %s -> %d",
                  st->request_id ? st->request_id : "-", r->method, r->uri, resp->status);
    if (resp->body && *resp->body) {
        apr_size_t len = strlen(resp->body);
        ap_set_content_length(r, (apr_off_t)len);
        if (!r->header_only)
            ap_rwrite(resp->body, (int)len, r);
    }
    else if (resp->status != HTTP_NO_CONTENT && resp->status != HTTP_NOT_MODIFIED)
        ap_set_content_length(r, 0);
    return OK;
}

int heat_handler(request_rec *r)
{
    heat_request_state_t st;
    heat_response_t resp;
    const heat_dir_conf_t *dc;
    size_t mount_len;

    if (!r->handler)
        return DECLINED;
    memset(&st, 0, sizeof(st));
    memset(&resp, 0, sizeof(resp));
    if (strcmp(r->handler, HEAT_HANDLER_NATIVE) == 0)
        st.api = HEAT_API_NATIVE;
    else if (strcmp(r->handler, HEAT_HANDLER_CFN) == 0)
        st.api = HEAT_API_CFN;
    else
        return DECLINED;

    st.r = r;
    st.sc = ap_get_module_config(r->server->module_config, &heat_module);
    if (!st.sc->conf) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "HEAT0101: %s is set but this server has no "
                      "heat.conf: " HEAT_DEFAULT_CONFIG_FILE " is absent; set HeatConfigFile",
                      r->handler);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    st.accept = apr_table_get(r->headers_in, "Accept");

    /* The <Location> path is SCRIPT_NAME; what follows it is PATH_INFO. */
    dc = ap_get_module_config(r->per_dir_config, &heat_module);
    mount_len = (dc && dc->mount) ? strlen(dc->mount) : 0;
    if (mount_len && strncmp(r->uri, dc->mount, mount_len) == 0 &&
        (r->uri[mount_len] == '/' || r->uri[mount_len] == '\0')) {
        st.script_name = dc->mount;
        st.path_info = r->uri + mount_len;
    }
    else {
        st.script_name = "";
        st.path_info = r->uri;
    }

    /* healthcheck comes first in both pipelines: no request id, no cors rule */
    if (strcmp(r->uri, st.sc->settings.healthcheck_path) == 0) {
        heat_simple_response_t hc;
        heat_front_healthcheck(r->pool, &st.sc->settings.healthcheck, r->method, st.accept,
                               ap_get_server_port(r), &hc);
        resp.status = hc.status;
        resp.content_type = hc.content_type;
        resp.body = hc.body;
        return send_response(&st, &resp);
    }

    run_pipeline(&st, &resp);
    apply_cors_options_rule(r, &resp);
    return send_response(&st, &resp);
}

/* map_to_storage: a Heat API is not a file tree. Claiming the request here (as mod_proxy does)
 * keeps the core from walking the DocumentRoot, so mod_dir cannot turn "/" into index.html or
 * "/v1" into a redirect to "/v1/", and the core's TRACE answer is left to heat's routing. */
int heat_map_to_storage(request_rec *r)
{
    core_dir_config *d;
    const char *handler = NULL, *err = NULL;

    if (ap_location_walk(r) != OK)
        return DECLINED;
    d = ap_get_core_module_config(r->per_dir_config);
    if (d && d->expr_handler)
        handler = ap_expr_str_exec(r, d->expr_handler, &err);
    if (!handler || err ||
        (strcmp(handler, HEAT_HANDLER_NATIVE) != 0 && strcmp(handler, HEAT_HANDLER_CFN) != 0))
        return DECLINED;
    r->filename = apr_pstrcat(r->pool, "heat:", r->uri, NULL);
    return OK;
}
