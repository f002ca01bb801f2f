/* fuzz_cfn.c: heat-api-cfn's whole request path after authentication: the query and form
 * parameters (Parameters.member.N...), the route of the Action, the controller, and the
 * answer built from what the engine returns. Input lines: method, path (below /v1), query
 * string, form body; the rest is the JSON every engine call answers: {"failure": <oslo
 * failure>} makes the call fail as heat-engine would, anything else is the result. */
#include "fuzz_common.h"

#include "heat_api.h"
#include "heat_cfn.h"
#include "heat_cfn_params.h"
#include "heat_context.h"
#include "heat_ec2.h"
#include "heat_json.h"
#include "heat_policy.h"
#include "heat_routes.h"

/* A member's project-scoped token, as Keystone gives it. */
static const char token_json[] =
    "{\"token\": {\"audit_ids\": [\"a1\"], \"expires_at\": \"2099-01-01T00:00:00.000000Z\", "
    "\"is_domain\": false, \"issued_at\": \"2024-01-01T00:00:00.000000Z\", \"methods\": [\"password\"], "
    "\"project\": {\"domain\": {\"id\": \"default\", \"name\": \"Default\"}, \"id\": \"P1\", \"name\": \"demo\"}, "
    "\"roles\": [{\"id\": \"r1\", \"name\": \"member\"}], "
    "\"user\": {\"domain\": {\"id\": \"default\", \"name\": \"Default\"}, \"id\": \"u1\", \"name\": \"alice\"}}}";

static heat_routes_t *routes;
static heat_policy_t *policy;
static json_t *token;

typedef struct {
    const json_t *answer;
    int calls;
} engine_t;

static void stub_engine(void *baton, apr_pool_t *p, const char *method, json_t *args, const char *version,
                        heat_rpc_reply_t *reply)
{
    engine_t *e = baton;
    const json_t *failure = json_object_get(e->answer, "failure");

    (void)method;
    (void)version;
    json_decref(args);
    memset(reply, 0, sizeof(*reply));
    e->calls++;
    if (failure) {
        const char *err = heat_rpc_failure_decode(p, failure, &reply->failure);
        reply->outcome = err ? HEAT_RPC_TIMEOUT : HEAT_RPC_REMOTE_FAILURE;
        reply->error = err;
        return;
    }
    reply->outcome = HEAT_RPC_OK;
    reply->result = (json_t *)e->answer;
}

static void setup(void)
{
    apr_pool_t *root = fuzz_root_pool();
    heat_policy_options_t o;

    memset(&o, 0, sizeof(o));
    o.search_dirs = apr_array_make(root, 1, sizeof(const char *));
    o.policy_dirs = apr_array_make(root, 1, sizeof(const char *));
    if (heat_cfn_routes_create(root, &routes) || heat_policy_load(&policy, root, &o))
        abort();
    token = heat_json_own(root, json_loads(token_json, 0, NULL));
    if (!token)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *method = fuzz_field(p, &data, &size, NULL);
    const char *path = fuzz_field(p, &data, &size, NULL);
    const char *query = fuzz_field(p, &data, &size, NULL);
    const char *form = fuzz_field(p, &data, &size, NULL);
    heat_context_request_t creq;
    heat_route_match_t m;
    heat_call_t call;
    heat_settings_t settings;
    heat_result_t reply;
    engine_t engine = {NULL, 0};
    json_t *answer;

    if (!routes)
        setup();
    answer = heat_json_own(p, json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL));
    engine.answer = answer ? answer : json_null();

    memset(&call, 0, sizeof(call));
    call.p = p;
    call.method = method;
    call.params = heat_query_parse(p, query);
    call.n_query_params = call.params->nelts;
    apr_array_cat(call.params, heat_query_parse(p, form));
    (void)heat_ec2_params(p, call.params, call.n_query_params);
    heat_routes_cfn_match(routes, p, method, path, heat_cfn_param(call.params, call.n_query_params, "Action"), &m);
    if (m.result == HEAT_ROUTE_MATCHED) {
        memset(&creq, 0, sizeof(creq));
        creq.auth_token = "gAAAA-fuzz";
        creq.token = token;
        creq.request_id = "req-6c1e4a2b-1111-4222-8333-944445555666";
        if (heat_context_from_token(&call.ctx, p, &creq, policy, NULL))
            abort();
        call.route = m.route;
        call.vars = m.params;
        call.content_type = "application/x-www-form-urlencoded";
        call.content_length = -1;
        call.policy = policy;
        memset(&settings, 0, sizeof(settings));
        settings.rpc_response_timeout = 60;
        settings.max_template_size = 65536;
        settings.max_json_body_size = 65536;
        call.settings = &settings;
        call.url_base = "http://127.0.0.1:8000/v1";
        call.path_url = "http://127.0.0.1:8000/v1/";
        call.engine = stub_engine;
        call.engine_baton = &engine;
        memset(&reply, 0, sizeof(reply));
        heat_cfn_dispatch(&call, &reply);
        /* never a 5xx for what the client sent; engine-made failures may be 500 */
        if (reply.status < 200 || reply.status > 599 || (reply.status >= 500 && engine.calls == 0))
            abort();
    }
    apr_pool_destroy(p);
    return 0;
}
