/* mod_heat_router.c: the handler of both APIs. It runs the steps of heat's paste pipelines
 * in their order (healthcheck, cors' OPTIONS rule, request_id, http_proxy_to_wsgi, version
 * negotiation, authurl + authtoken + context, router), hands routed native requests to the
 * core's dispatchers (heat_api.c, heat_cfn.c). Every step answers with one heat_result_t
 * (heat_result.h), which send_response writes (doc/architecture.md, "Calls and results"). */
#include "mod_heat.h"

#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_script.h>

#include "heat_api.h"
#include "heat_cfn.h"
#include "heat_cfn_params.h"
#include "heat_cors.h"
#include "heat_ec2.h"
#include "heat_json.h"
#include "heat_profiler.h"
#include "heat_result.h"
#include "heat_webob.h"
#include "mod_heat_auth.h"
#include "mod_heat_metrics.h"

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
    int with_request_id;     /* healthcheck answers come before request_id in the pipeline */
} heat_request_state_t;

/* webob's page for a status the front doors return (404, 400, a body read error) */
static void respond_webob(heat_request_state_t *st, heat_result_t *resp, int status)
{
    heat_result_fail(st->r->pool, resp, HEAT_RESULT_WEBOB, st->accept, status, NULL, NULL);
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

/* The request's own fields of the context (request ids, X-Region-Name, X-Auth-User/Key). */
static void context_request_init(heat_request_state_t *st, heat_context_request_t *creq)
{
    request_rec *r = st->r;
    memset(creq, 0, sizeof(*creq));
    creq->request_id = st->request_id;
    creq->global_request_id = apr_table_get(r->notes, "heat-global-request-id");
    creq->region_name = apr_table_get(r->headers_in, "X-Region-Name");
    creq->auth_user = apr_table_get(r->headers_in, "X-Auth-User");
    creq->auth_key = apr_table_get(r->headers_in, "X-Auth-Key");
}

static void noauth_request(request_rec *r, heat_context_request_t *creq)
{
    creq->token = heat_json_own(r->pool, noauth_token(r));
    creq->auth_url = "url";
    creq->auth_key = creq->auth_key ? creq->auth_key : "unset";
    creq->auth_user = creq->auth_user ? creq->auth_user : "admin";
}

/* keystonemiddleware's auth_token on X-Auth-Token, or on the token ec2token handed on
 * (ec2 != NULL): 1 with creq's token fields set, or 0 with the answer (401, 503) in resp. */
static int check_token(heat_request_state_t *st, heat_result_t *resp, const heat_auth_request_t *view,
                       const heat_auth_ec2_result_t *ec2, heat_context_request_t *creq)
{
    heat_auth_result_t res;

    heat_auth_strip_identity_headers(st->r);
    if (heat_auth_token(st->sc->auth, view, ec2, &res, resp) != HEAT_AUTH_NEXT)
        return 0;
    creq->auth_token = res.token;
    creq->token = res.token_info;
    creq->service_token = view->service_token;
    creq->service_token_body = res.service_token_valid ? res.service_token_info : NULL;
    return 1;
}

/* ContextMiddleware: 1 with *ctx set, or 0 with the answer in resp. */
static int make_context(heat_request_state_t *st, heat_result_t *resp, const heat_context_request_t *creq,
                        heat_context_t **ctx)
{
    heat_policy_outcome_t outcome;
    const char *err;

    if ((err = heat_context_from_token(ctx, st->r->pool, creq, st->sc->policy, &outcome))) {
        heat_result_t d;
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, st->r, "HEAT0102: request context: %s", err);
        heat_policy_context_error(&outcome, st->api == HEAT_API_CFN, &d);
        heat_result_fail(st->r->pool, resp, HEAT_RESULT_FAULT, NULL, d.status,
                         d.type ? d.type : "HTTPInternalServerError", d.message);
        return 0;
    }
    if (st->sc->settings.standalone)
        (*ctx)->auth_token_info = NULL; /* authpassword sets no keystone.token_info */
    heat_metrics_identity(st->r, (*ctx)->user_id, (*ctx)->project_id);
    /* osprofiler is in the default pipelines of both APIs only (not standalone, not noauth) */
    if (!st->sc->settings.standalone && !st->sc->settings.noauth)
        (*ctx)->trace_info = heat_profiler_trace_info(st->r->pool, &st->sc->settings.profiler,
                                                      apr_table_get(st->r->headers_in, "X-Trace-Info"),
                                                      apr_table_get(st->r->headers_in, "X-Trace-HMAC"));
    return 1;
}

/* heat-api's authurl, authtoken (or authpassword, noauth) and context: 1 with *ctx set, or 0
 * with the answer in resp. */
static int authenticate(heat_request_state_t *st, heat_result_t *resp, heat_context_t **ctx)
{
    request_rec *r = st->r;
    const heat_server_conf_t *sc = st->sc;
    heat_context_request_t creq;
    heat_auth_request_t view;
    const char *auth_url;

    context_request_init(st, &creq);
    if (sc->settings.noauth) {
        noauth_request(r, &creq);
        return make_context(st, resp, &creq, ctx);
    }
    heat_auth_view(r, &view);
    if (heat_auth_url_check(sc->auth, &view, &auth_url, resp) != HEAT_AUTH_NEXT)
        return 0;
    if (sc->settings.standalone) {
        heat_auth_result_t res;
        if (heat_auth_password(sc->auth, &view, st->path_info, auth_url, &res, resp) != HEAT_AUTH_NEXT)
            return 0;
        creq.auth_token = res.token;
        creq.token = res.token_info;
        creq.service_token = view.service_token;
    }
    else if (!check_token(st, resp, &view, NULL, &creq)) {
        return 0;
    }
    creq.auth_url = auth_url;
    return make_context(st, resp, &creq, ctx);
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

/* What both APIs' calls share: the request, its context and the server's settings. */
static void call_init(heat_request_state_t *st, heat_call_t *call, const heat_route_match_t *m,
                      heat_context_t *ctx)
{
    request_rec *r = st->r;
    const heat_settings_t *set = &st->sc->settings;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    const char *app_url = application_url(st);

    memset(call, 0, sizeof(*call));
    call->p = r->pool;
    call->method = r->method;
    call->route = m ? m->route : NULL;
    call->vars = m ? m->params : NULL;
    call->params = heat_query_parse(r->pool, r->args);
    call->n_query_params = call->params->nelts;
    call->accept = st->accept;
    call->content_type = apr_table_get(r->headers_in, "Content-Type");
    call->content_length = cl ? apr_atoi64(cl) : -1;
    call->ctx = ctx;
    call->policy = st->sc->policy;
    call->rpc = st->sc->rpc;
    call->http = heat_child_http();
    call->url_base = set->api_root ? set->api_root : app_url;
    call->path_url = apr_pstrcat(r->pool, app_url, heat_front_quote_path(r->pool, st->path_info), NULL);
    call->settings = set;
}

static void route_native(heat_request_state_t *st, heat_result_t *resp)
{
    request_rec *r = st->r;
    const heat_settings_t *set = &st->sc->settings;
    heat_route_match_t m;
    heat_context_t *ctx;
    heat_call_t call;
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
        /* heat-api drops the Allow header here; mod_heat keeps it (doc/differences.md) */
        heat_result_fail(r->pool, resp, HEAT_RESULT_FAULT, NULL, HTTP_METHOD_NOT_ALLOWED, "HTTPMethodNotAllowed",
                         heat_webob_explanation(HTTP_METHOD_NOT_ALLOWED));
        resp->allow = m.allowed;
        return;
    case HEAT_ROUTE_MATCHED:
        break;
    }

    call_init(st, &call, &m, ctx);
    if ((status = read_body(r, set->max_json_body_size, &call.body, &call.body_len)) != OK) {
        respond_webob(st, resp, status);
        return;
    }
    memset(resp, 0, sizeof(*resp));
    heat_api_dispatch(&call, resp);
    if (resp->status == HTTP_UNAUTHORIZED && st->sc->auth && !set->standalone)
        resp->www_authenticate = heat_auth_www_authenticate(st->sc->auth);
}

static void respond_cfn_error(heat_request_state_t *st, heat_result_t *resp, const char *code,
                              const char *detail)
{
    heat_result_fail(st->r->pool, resp, HEAT_RESULT_AWS_XML, NULL, 0, code, detail);
}

/* webob's req.POST has pairs for an url-encoded form, and for a POST without Content-Type.
 * (multipart/form-data is not read: no CFN client sends it.) */
static int has_form_body(request_rec *r, const char *content_type)
{
    const char *media = content_type ? content_type : "";
    apr_size_t len = strcspn(media, ";");
    while (len && apr_isspace(media[len - 1]))
        len--;
    if (len == 0)
        return r->method_number == M_POST;
    return len == strlen("application/x-www-form-urlencoded") &&
           strncasecmp(media, "application/x-www-form-urlencoded", len) == 0;
}

/* heat's ec2authtoken (heat_auth_ec2: the AWS signature checked by Keystone's /v3/ec2tokens)
 * with its X-Auth-User escape hatch, then authtoken and context: 1 with *ctx set, or 0 with
 * the answer in resp. */
static int authenticate_cfn(heat_request_state_t *st, heat_result_t *resp, const heat_call_t *call,
                            heat_context_t **ctx)
{
    request_rec *r = st->r;
    heat_context_request_t creq;
    heat_auth_request_t view;
    heat_auth_ec2_input_t in;
    heat_auth_ec2_result_t ec2;
    const char *host;
    int status;

    context_request_init(st, &creq);
    if (st->sc->settings.noauth) {
        noauth_request(r, &creq);
        return make_context(st, resp, &creq, ctx);
    }
    heat_auth_view(r, &view);
    in.params = call->params;
    in.n_query = call->n_query_params;
    in.body = call->body;
    in.body_len = call->body_len;
    /* req.path: SCRIPT_NAME + PATH_INFO (mount point, proxy prefix and "/v1" included) */
    in.path = heat_ec2_path(r->pool, apr_pstrcat(r->pool, st->script_name ? st->script_name : "",
                                              st->path_info ? st->path_info : "", NULL));
    /* req.host: the Host header, else SERVER_NAME with SERVER_PORT unless the scheme's default */
    host = st->host;
    if (!host) {
        apr_port_t port = ap_get_server_port(r);
        int dflt = (strcmp(st->scheme, "https") == 0 && port == 443) ||
                   (strcmp(st->scheme, "https") != 0 && port == 80);
        host = dflt ? ap_get_server_name(r) : apr_psprintf(r->pool, "%s:%u", ap_get_server_name(r), port);
    }
    in.host = host;
    status = heat_auth_ec2(st->sc->auth, &view, &st->sc->settings.ec2, &in, &ec2, resp);
    if (status == HEAT_AUTH_SKIP) {
        /* X-Auth-User: ec2authtoken steps aside and authtoken checks X-Auth-Token. The standalone
         * flavor has no authtoken: heat-api-cfn then builds the context from the client's own
         * X-User-Id, X-Roles... headers; mod_heat trusts none of them and goes on without one. */
        if (st->sc->settings.standalone) {
            *ctx = NULL;
            return 1;
        }
        if (!check_token(st, resp, &view, NULL, &creq))
            return 0;
        return make_context(st, resp, &creq, ctx);
    }
    if (status != HEAT_AUTH_NEXT)
        return 0;
    creq.ec2_creds = ec2.ec2_creds;
    if (st->sc->settings.standalone) {
        /* ec2authtoken without authtoken: the context knows what ec2token handed on */
        creq.auth_token = ec2.token;
        creq.token = heat_auth_ec2_standalone_token(r->pool, &ec2);
    }
    else if (!check_token(st, resp, &view, &ec2, &creq)) {
        /* authtoken on the token Keystone has just issued (primed in the cache) */
        return 0;
    }
    creq.auth_url = ec2.auth_url;
    if (!make_context(st, resp, &creq, ctx))
        return 0;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "HEAT0328: %s: EC2-signed request of access key %s: "
                  "context user %s, project %s, auth_url %s", st->request_id, ec2.access,
                  (*ctx)->user_id ? (*ctx)->user_id : "-", (*ctx)->project_id ? (*ctx)->project_id : "-",
                  (*ctx)->auth_url ? (*ctx)->auth_url : "-");
    return 1;
}

/* heat-api-cfn: ec2authtoken, authtoken and context come before the router, so an unsigned
 * request is refused whatever its path. Parameters are webob's req.params: the query's, then
 * the form body's. */
static void route_cfn(heat_request_state_t *st, heat_result_t *resp)
{
    request_rec *r = st->r;
    const heat_settings_t *set = &st->sc->settings;
    /* a form body carries the url-encoded template (up to three bytes per byte) and more */
    apr_off_t limit = set->max_json_body_size + 3 * set->max_template_size;
    heat_route_match_t m;
    heat_context_t *ctx;
    heat_call_t call;
    int status;

    call_init(st, &call, NULL, NULL);
    if ((status = read_body(r, limit, &call.body, &call.body_len)) != OK) {
        respond_webob(st, resp, status);
        return;
    }
    if ((apr_off_t)call.body_len > limit) {
        respond_cfn_error(st, resp, "RequestLimitExceeded",
                          apr_psprintf(r->pool, "Request body exceeds the maximum allowed size (%" APR_OFF_T_FMT
                                       " bytes).", limit));
        return;
    }
    if (call.body && has_form_body(r, call.content_type)) {
        apr_array_header_t *form = heat_query_parse(r->pool, call.body);
        apr_array_cat(call.params, form);
    }
    if (!authenticate_cfn(st, resp, &call, &ctx))
        return;

    heat_routes_cfn_match(st->sc->cfn_routes, r->pool, r->method, st->path_info,
                          heat_cfn_param(call.params, call.n_query_params, "Action"), &m);
    if (m.result != HEAT_ROUTE_MATCHED) {
        respond_webob(st, resp, HTTP_NOT_FOUND);
        return;
    }
    if (!ctx) {
        /* no identity (standalone flavor, unsigned): the router's own answer, nothing else */
        respond_cfn_error(st, resp, strcmp(m.route->action, "InvalidAction") == 0 ? "InvalidAction"
                                                                                 : "AccessDenied", NULL);
        return;
    }
    call.route = m.route;
    call.vars = m.params;
    call.ctx = ctx;
    memset(resp, 0, sizeof(*resp));
    heat_cfn_dispatch(&call, resp);
}

static void run_pipeline(heat_request_state_t *st, heat_result_t *resp)
{
    request_rec *r = st->r;
    const heat_settings_t *set = &st->sc->settings;
    const char *global_id, *mount = st->script_name;
    heat_negotiation_t neg;

    /* request_id: a new id always; a well-formed inbound one becomes the global id */
    st->request_id = heat_front_request_id(r->pool);
    st->with_request_id = 1;
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
static void apply_cors_options_rule(heat_request_state_t *st, heat_result_t *resp)
{
    if (st->r->method_number == M_OPTIONS && (resp->status < 200 || resp->status > 299)) {
        memset(resp, 0, sizeof(*resp));
        resp->status = HTTP_OK;
        st->with_request_id = 0;
    }
}

/* cors: the Access-Control-* headers [cors] and [cors.<name>] give this request's answer
 * (heat_cors.c), after the OPTIONS rule, as oslo's filter decorates what the app returned. */
static void apply_cors(heat_request_state_t *st)
{
    request_rec *r = st->r;
    heat_cors_request_t req;

    req.is_options = r->method_number == M_OPTIONS;
    req.origin = apr_table_get(r->headers_in, "Origin");
    req.request_method = apr_table_get(r->headers_in, "Access-Control-Request-Method");
    req.request_headers = apr_table_get(r->headers_in, "Access-Control-Request-Headers");
    heat_cors_apply(r->pool, &st->sc->settings.cors, &req, r->headers_out);
}

/* The one respond path: every answer, whichever step gave it, is written here. */
static int send_response(heat_request_state_t *st, const heat_result_t *resp)
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
    if (st->with_request_id)
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
    heat_result_t resp;
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
    if (heat_front_healthcheck_route(r->uri, st.path_info, st.sc->settings.healthcheck_path,
                                     st.sc->settings.release)) {
        /* disable_by_files_ports keys on WSGI's SERVER_PORT, the port the request came in on:
         * ap_get_server_port gives 80 to a load balancer's check without a port in Host */
        heat_front_healthcheck(r->pool, &st.sc->settings.healthcheck, r->method, st.accept,
                               r->connection->local_addr->port, &resp);
        return send_response(&st, &resp);
    }

    run_pipeline(&st, &resp);
    apply_cors_options_rule(&st, &resp);
    apply_cors(&st);
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
