/* test_cfn_actions.c: heat_cfn_dispatch against the whole heat-api-cfn app. Every case of
 * test/golden/cfn/actions.json was run through heat.api.cfn.v1.API with heat-engine stubbed
 * (capture.py): here the same request goes through the CFN route table and heat_cfn_dispatch
 * with an RPC hook that checks each engine call (method, arguments in order, version) against
 * the ones heat-api-cfn made, and answers what the stub answered (engine exceptions as the
 * failure JSON oslo.messaging put on the wire). The answer must be heat-api-cfn's byte for
 * byte, or, for the documented differences, the "mod_heat" expectation of the case. */
#include "heat_test.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_api.h"
#include "heat_cfn.h"
#include "heat_cfn_params.h"
#include "heat_context.h"
#include "heat_json.h"
#include "heat_policy.h"
#include "heat_routes.h"

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static heat_policy_t *defaults_policy(void)
{
    heat_policy_options_t o;
    heat_policy_t *pol;
    const char *err;

    memset(&o, 0, sizeof(o));
    o.search_dirs = apr_array_make(heat_test_pool, 1, sizeof(const char *));
    o.policy_dirs = apr_array_make(heat_test_pool, 1, sizeof(const char *));
    err = heat_policy_load(&pol, heat_test_pool, &o);
    ck_assert_msg(err == NULL, "load: %s", err);
    return pol;
}

/* A context from a golden persona's token (test/golden/context). */
static heat_context_t *persona_ctx(const heat_policy_t *pol, const char *persona)
{
    json_t *cases = heat_test_golden_json("context/cases.json"), *c = json_object_get(cases, persona);
    heat_context_request_t req;
    heat_context_t *ctx;
    const char *err;

    memset(&req, 0, sizeof(req));
    req.auth_token = str(c, "auth_token");
    req.token = json_object_get(c, "token");
    req.request_id = str(c, "request_id");
    err = heat_context_from_token(&ctx, heat_test_pool, &req, pol, NULL);
    ck_assert_msg(err == NULL, "%s", err);
    return ctx;
}

/* ---- the engine stub ----------------------------------------------------------------------- */

typedef struct {
    const char *name;    /* the case */
    const json_t *calls; /* [[method, args, version], ...] heat-api-cfn made */
    const json_t *engine;/* {method: {"result": ...} | {"failure": "<oslo failure JSON>"}} */
    size_t next;
    int unexpected;      /* a call the case does not list (reported after the dispatch) */
    json_t *script;      /* a hand-written answer for the non-golden tests, or NULL */
    heat_rpc_outcome_t outcome;
} stub_t;

static void stub_rpc(void *baton, apr_pool_t *p, const char *method, json_t *args, const char *version,
                     heat_rpc_reply_t *reply)
{
    stub_t *s = baton;
    const json_t *want = s->calls ? json_array_get(s->calls, s->next) : NULL, *answer;

    memset(reply, 0, sizeof(*reply));
    if (s->script || s->outcome != HEAT_RPC_OK) {
        json_decref(args);
        reply->outcome = s->outcome;
        reply->result = s->script;
        reply->error = "scripted";
        s->next++;
        return;
    }
    if (!want) {
        s->unexpected = 1;
        json_decref(args);
        reply->outcome = HEAT_RPC_UNREACHABLE;
        return;
    }
    ck_assert_msg(strcmp(method, json_string_value(json_array_get(want, 0))) == 0, "%s: call %zu is %s, want %s",
                  s->name, s->next, method, json_string_value(json_array_get(want, 0)));
    ck_assert_msg(heat_test_json_same(args, json_array_get(want, 1)), "%s: %s args\n got  %s\n want %s", s->name,
                  method, heat_json_dump(p, args, 0), heat_json_dump(p, json_array_get(want, 1), 0));
    ck_assert_str_eq(version, json_string_value(json_array_get(want, 2)));
    json_decref(args);
    s->next++;

    answer = json_object_get(s->engine, method);
    ck_assert_msg(answer != NULL, "%s: no engine answer for %s", s->name, method);
    if (json_object_get(answer, "failure")) {
        const char *err = heat_rpc_failure_decode(p, json_object_get(answer, "failure"), &reply->failure);
        ck_assert_msg(err == NULL, "%s: failure: %s", s->name, err);
        reply->outcome = HEAT_RPC_REMOTE_FAILURE;
    }
    else {
        reply->outcome = HEAT_RPC_OK;
        reply->result = json_object_get(answer, "result");
    }
}

/* ---- one request ---------------------------------------------------------------------------- */

typedef struct {
    const char *method, *path, *query, *form, *body, *content_type;
    const char *persona;
    int debug;
} request_t;

static void run(const request_t *rq, stub_t *stub, heat_result_t *reply)
{
    heat_routes_t *routes;
    heat_route_match_t m;
    heat_call_t call;
    heat_settings_t settings;
    const heat_policy_t *pol = defaults_policy();
    apr_array_header_t *form;
    const char *err;

    err = heat_cfn_routes_create(heat_test_pool, &routes);
    ck_assert_msg(err == NULL, "%s", err);
    memset(&call, 0, sizeof(call));
    memset(reply, 0, sizeof(*reply));
    call.p = heat_test_pool;
    call.method = rq->method;
    call.params = heat_query_parse(heat_test_pool, rq->query);
    call.n_query_params = call.params->nelts;
    form = heat_query_parse(heat_test_pool, rq->form ? rq->form : "");
    apr_array_cat(call.params, form);
    heat_routes_cfn_match(routes, heat_test_pool, rq->method, rq->path,
                          heat_cfn_param(call.params, call.n_query_params, "Action"), &m);
    ck_assert_msg(m.result == HEAT_ROUTE_MATCHED, "%s %s: no route", rq->method, rq->path);
    call.route = m.route;
    call.vars = m.params;
    call.body = rq->body;
    call.body_len = rq->body ? strlen(rq->body) : 0;
    call.content_type = rq->content_type;
    call.content_length = rq->body ? (apr_off_t)strlen(rq->body) : -1;
    call.policy = pol;
    call.ctx = persona_ctx(pol, rq->persona ? rq->persona : "member");
    memset(&settings, 0, sizeof(settings));
    settings.debug = rq->debug;
    settings.rpc_response_timeout = 60;
    call.settings = &settings;
    call.engine = stub_rpc;
    call.engine_baton = stub;
    heat_cfn_dispatch(&call, reply);
}

static const char *status_of(const heat_result_t *reply)
{
    return reply->status_line ? reply->status_line
                              : apr_psprintf(heat_test_pool, "%d %s", reply->status, reply->status == 200 ? "OK" : "?");
}

START_TEST(every_action_as_heat_api_cfn)
{
    json_t *cases = heat_test_golden_json("cfn/actions.json"), *c;
    size_t i, n = 0, deviations = 0;

    json_array_foreach(cases, i, c) {
        request_t rq;
        stub_t stub;
        heat_result_t reply;
        const json_t *want = json_object_get(c, "mod_heat");
        const char *name = str(c, "name");

        if (!want || json_is_null(want))
            want = json_object_get(c, "python");
        else
            deviations++;
        ck_assert_msg(!json_object_get(want, "crash"), "%s: heat-api-cfn crashes and the case has no mod_heat "
                      "expectation", name);
        memset(&rq, 0, sizeof(rq));
        rq.method = str(c, "method");
        rq.path = str(c, "path");
        rq.query = str(c, "query_string");
        rq.form = str(c, "form_string");
        rq.body = str(c, "body");
        rq.content_type = str(c, "content_type");
        rq.persona = json_is_true(json_object_get(c, "deny")) ? "stack_user" : "member";
        rq.debug = 1; /* heat-api-cfn puts the engine traceback in the message */
        memset(&stub, 0, sizeof(stub));
        stub.name = name;
        stub.calls = json_object_get(c, "calls");
        stub.engine = json_object_get(c, "engine");
        run(&rq, &stub, &reply);

        ck_assert_msg(!stub.unexpected, "%s: an engine call heat-api-cfn does not make", name);
        ck_assert_msg(stub.next == json_array_size(stub.calls), "%s: %zu engine calls, heat-api-cfn made %zu", name,
                      stub.next, json_array_size(stub.calls));
        ck_assert_msg(strcmp(status_of(&reply), str(want, "status")) == 0, "%s: status %s, want %s", name,
                      status_of(&reply), str(want, "status"));
        ck_assert_msg(reply.content_type && strcmp(reply.content_type, str(want, "content_type")) == 0,
                      "%s: type %s, want %s", name, reply.content_type, str(want, "content_type"));
        ck_assert_msg(strcmp(reply.body ? reply.body : "", str(want, "body")) == 0, "%s:\n got  %s\n want %s", name,
                      reply.body, str(want, "body"));
        n++;
    }
    ck_assert_uint_ge(n, 100);
    ck_assert_uint_ge(deviations, 10);
}
END_TEST

/* ---- mod_heat's own answers (no golden: heat-api-cfn crashes or has no such case) ---------- */

static void expect(const heat_result_t *reply, const char *status, const char *type, const char *body_part)
{
    ck_assert_str_eq(status_of(reply), status);
    ck_assert_str_eq(reply->content_type, type);
    ck_assert_msg(strstr(reply->body, body_part) != NULL, "body %s lacks %s", reply->body, body_part);
}

START_TEST(engine_trouble_answers)
{
    request_t rq = {"POST", "/", "Action=ListStacks", "", NULL, NULL, "member", 0};
    stub_t stub;
    heat_result_t reply;

    memset(&stub, 0, sizeof(stub));
    stub.outcome = HEAT_RPC_TIMEOUT;
    run(&rq, &stub, &reply);
    expect(&reply, "500 InternalFailure", "application/xml; charset=UTF-8",
           "internal error:heat-engine did not answer list_stacks in time (60 s).");
    stub.outcome = HEAT_RPC_BUSY;
    run(&rq, &stub, &reply);
    expect(&reply, "503 ServiceUnavailable", "application/xml; charset=UTF-8", "heat-engine is busy");
    stub.outcome = HEAT_RPC_UNREACHABLE;
    run(&rq, &stub, &reply);
    expect(&reply, "503 ServiceUnavailable", "application/xml; charset=UTF-8", "<Code>ServiceUnavailable</Code>");
    rq.query = "Action=ListStacks&ContentType=JSON";
    run(&rq, &stub, &reply);
    expect(&reply, "200 OK", "application/json", "\"The message broker cannot be reached");
}
END_TEST

/* One engine call and one engine-error table for both APIs: the native handlers' call answers
 * the same trouble with heat-api's fault and the same message as the CFN error above. */
START_TEST(engine_trouble_native_same_table)
{
    static const struct {
        heat_rpc_outcome_t outcome;
        int status;
        const char *type, *message;
    } cases[] = {
        {HEAT_RPC_TIMEOUT, 500, "MessagingTimeout", "heat-engine did not answer list_stacks in time (60 s)."},
        {HEAT_RPC_BUSY, 503, "HTTPServiceUnavailable",
         "heat-engine is busy: every connection to the message broker in this process stayed taken "
         "(rpc_conn_pool_size). Try again later."},
        {HEAT_RPC_UNREACHABLE, 503, "MessagingUnavailable",
         "The message broker cannot be reached; heat-engine was not asked."},
    };
    heat_settings_t settings;
    heat_call_t call;
    heat_result_t reply;
    stub_t stub;
    int timed_out;
    size_t i;

    memset(&settings, 0, sizeof(settings));
    settings.rpc_response_timeout = 60;
    memset(&call, 0, sizeof(call));
    call.p = heat_test_pool;
    call.settings = &settings;
    call.ctx = persona_ctx(NULL, "member");
    call.engine = stub_rpc;
    call.engine_baton = &stub;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&stub, 0, sizeof(stub));
        stub.outcome = cases[i].outcome;
        ck_assert_ptr_null(heat_api_rpc(&call, &reply, call.ctx, "list_stacks", json_object(), "1.33"));
        ck_assert_int_eq(reply.status, cases[i].status);
        ck_assert_str_eq(reply.content_type, "application/json");
        ck_assert_str_eq(reply.body, heat_fault_json(heat_test_pool, cases[i].status, cases[i].type,
                                                     cases[i].message, NULL));
        ck_assert_int_eq((int)stub.next, 1);
    }
    /* services.index answers a timeout itself */
    memset(&stub, 0, sizeof(stub));
    stub.outcome = HEAT_RPC_TIMEOUT;
    memset(&reply, 0, sizeof(reply));
    ck_assert_ptr_null(heat_api_rpc_timeout(&call, &reply, call.ctx, "list_services", NULL, "1.0", &timed_out));
    ck_assert_int_eq(timed_out, 1);
    ck_assert_int_eq(reply.status, 0);
}
END_TEST

START_TEST(engine_data_xml_cannot_carry)
{
    request_t rq = {"POST", "/", "Action=DescribeStacks", "", NULL, NULL, "member", 0};
    stub_t stub;
    heat_result_t reply;

    /* an output value with a key lxml refuses (a list hides it from the ':' rewrite) */
    memset(&stub, 0, sizeof(stub));
    stub.script = heat_json_own(heat_test_pool, json_loads(
        "[{\"stack_identity\": {\"tenant\": \"t\", \"stack_name\": \"s\", \"stack_id\": \"i\", \"path\": \"\"},"
        " \"stack_name\": \"s\", \"stack_action\": \"CREATE\", \"stack_status\": \"COMPLETE\", \"parameters\": {},"
        " \"updated_time\": null, \"outputs\": [{\"output_key\": \"o\", \"output_value\": [{\"a:b\": 1}]}]}]",
        0, NULL));
    run(&rq, &stub, &reply);
    expect(&reply, "500 InternalFailure", "application/xml; charset=UTF-8", "cannot be written as XML");
    /* the same answer is fine as JSON */
    rq.query = "Action=DescribeStacks&ContentType=JSON";
    run(&rq, &stub, &reply);
    expect(&reply, "200 OK", "application/json", "\"OutputValue\": [{\"a:b\": 1}]");
    /* a stack without status fields: InternalFailure, not a crash */
    stub.script = heat_json_own(heat_test_pool, json_loads("[{\"stack_name\": \"s\"}]", 0, NULL));
    rq.query = "Action=ListStacks";
    run(&rq, &stub, &reply);
    expect(&reply, "500 InternalFailure", "application/xml; charset=UTF-8", "stack_action");
    /* not a list at all */
    stub.script = heat_json_own(heat_test_pool, json_loads("{\"x\": 1}", 0, NULL));
    run(&rq, &stub, &reply);
    expect(&reply, "500 InternalFailure", "application/xml; charset=UTF-8", "not a list");
}
END_TEST

START_TEST(signal_route_mistakes)
{
    request_t rq = {"PUT", "/waitcondition/not-an-arn", "", "", "{\"Status\": \"SUCCESS\"}", "application/json",
                    "member", 0};
    const char *arn = "/waitcondition/arn:openstack:heat::t:stacks/s/i/resources/WaitHandle";
    stub_t stub;
    heat_result_t reply;

    memset(&stub, 0, sizeof(stub));
    /* heat: ValueError escapes (a bare 500) */
    run(&rq, &stub, &reply);
    expect(&reply, "400 InvalidParameterValue", "application/xml; charset=UTF-8",
           "supplied:\"not-an-arn\" is not a valid ARN");
    ck_assert_uint_eq(stub.next, 0);
    /* heat: TypeError for the missing body (a bare 500) */
    rq.path = arn;
    rq.body = NULL;
    run(&rq, &stub, &reply);
    expect(&reply, "400 MissingParameter", "application/xml; charset=UTF-8", "needs a JSON body");
    /* malformed JSON */
    rq.body = "{\"Status\": ";
    run(&rq, &stub, &reply);
    expect(&reply, "400 InvalidParameterValue", "application/xml; charset=UTF-8", "<Code>InvalidParameterValue");
    ck_assert_uint_eq(stub.next, 0);
}
END_TEST

START_TEST(request_mistakes_get_4xx)
{
    request_t rq = {"POST", "/", "Action=CreateStack&StackName=s", "", NULL, NULL, "member", 0};
    stub_t stub;
    heat_result_t reply;
    char *big;

    memset(&stub, 0, sizeof(stub));
    /* a template over max_template_size: heat lets RequestLimitExceeded escape (a bare 500) */
    big = apr_palloc(heat_test_pool, 524300 + 64);
    strcpy(big, "Action=CreateStack&StackName=s&TemplateBody=");
    memset(big + strlen(big), 'a', 524300);
    big[44 + 524300] = '\0';
    rq.query = big;
    run(&rq, &stub, &reply);
    expect(&reply, "400 RequestLimitExceeded", "application/xml; charset=UTF-8",
           "Template size (524300 bytes) exceeds maximum allowed size (524288 bytes).");
    ck_assert_uint_eq(stub.next, 0);

    /* TemplateURL (AWS's spelling) is read too: a refused scheme proves it was */
    rq.query = "Action=ValidateTemplate&TemplateURL=ftp%3A%2F%2Fexample.com%2Ft";
    run(&rq, &stub, &reply);
    expect(&reply, "400 InvalidParameterValue", "application/xml; charset=UTF-8",
           "supplied:Failed to fetch template: ");

    /* a policy denial is raised: XML even with ContentType=JSON */
    rq.query = "Action=ListStacks&ContentType=JSON";
    rq.persona = "stack_user";
    run(&rq, &stub, &reply);
    expect(&reply, "403 AccessDenied", "application/xml; charset=UTF-8", "Action ListStacks not allowed for user");

    /* bytes that are not UTF-8: webob raises UnicodeDecodeError (a bare 500) */
    rq.query = "Action=DescribeStacks&StackName=%FF";
    rq.persona = "member";
    run(&rq, &stub, &reply);
    expect(&reply, "400 InvalidParameterValue", "application/xml; charset=UTF-8", "not UTF-8");
    rq.query = "Action=ListStacks";
    rq.form = "ContentType=JSON&x%FE=1";
    run(&rq, &stub, &reply);
    expect(&reply, "400 InvalidParameterValue", "application/xml; charset=UTF-8", "not UTF-8");
    ck_assert_uint_eq(stub.next, 0);
}
END_TEST

Suite *heat_test_cfn_actions_suite(void)
{
    Suite *s = suite_create("cfn_actions");
    TCase *tc = tcase_create("cfn_actions");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_action_as_heat_api_cfn);
    tcase_add_test(tc, engine_trouble_answers);
    tcase_add_test(tc, engine_trouble_native_same_table);
    tcase_add_test(tc, engine_data_xml_cannot_carry);
    tcase_add_test(tc, signal_route_mistakes);
    tcase_add_test(tc, request_mistakes_get_4xx);
    suite_add_tcase(s, tc);
    return s;
}
