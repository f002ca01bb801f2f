/* test_template.c: request bodies, templates, environments and InstantiationData
 * (heat_body.c, heat_template.c). Replays test/golden/template/cases.json against
 * expected.json, which capture.py recorded from heat 19.0.0's own code: JSONRequestDeserializer,
 * template_format.parse, environment_format.parse, and the create / preview / update / PATCH /
 * validate sequences of StackController with the faults FaultWrapper answers. Then Python's
 * json error texts and a few API details. */
#include "heat_test.h"

#include <apr_strings.h>
#include <stdio.h>
#include <string.h>

#include "heat_body.h"
#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_template.h"
#include "heat_util.h"


static char *unhex(apr_pool_t *p, const char *hex, apr_size_t *len)
{
    size_t n = strlen(hex) / 2, i;
    char *out = apr_palloc(p, n + 1);
    for (i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (char)v;
    }
    out[n] = '\0';
    *len = n;
    return out;
}

static const char *str_member(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Read with Python's json rules (heat_pyjson_loads): keys may hold NUL characters, which
 * jansson's own loader refuses. */
static json_t *load_golden(const char *name)
{
    apr_size_t len;
    char *text = heat_test_read_file(heat_test_golden(name), &len);
    heat_pyjson_status_t st;
    const char *msg;
    json_t *v = heat_pyjson_loads(heat_test_pool, text, len, &st, &msg);
    ck_assert_msg(v != NULL, "%s: %s", name, msg);
    return v;
}

/* The template_url fetcher of the tests: the case's "fetch" member. */
static int fetch_from_case(void *baton, apr_pool_t *p, const char *url, const char **data, apr_size_t *len,
                           const char **reason)
{
    const json_t *fetch = json_object_get((const json_t *)baton, "fetch");
    (void)url;
    if (!fetch) {
        *reason = "the test case has no fetch";
        return 0;
    }
    if (json_object_get(fetch, "error")) {
        *reason = str_member(fetch, "error");
        return 0;
    }
    *data = unhex(p, str_member(fetch, "hex"), len);
    return 1;
}

static const char *compare_fault(apr_pool_t *p, const heat_error_t *err, const json_t *want)
{
    const char *msg = str_member(want, "message");
    if (err->status != json_integer_value(json_object_get(want, "code")) || strcmp(err->type, str_member(want, "type")) ||
        (msg ? !err->message || strcmp(msg, err->message) : err->message != NULL))
        return apr_psprintf(p, "fault differs\n--- want %s\n--- got %d %s %s", heat_json_dump(p, want, 0), err->status,
                            err->type, err->message ? err->message : "(no message)");
    return NULL;
}

static const char *run_inst(apr_pool_t *p, json_t *c, const json_t *want)
{
    const char *action = str_member(c, "action");
    heat_pyjson_status_t st;
    const char *msg;
    json_t *body = heat_pyjson_loads(p, str_member(c, "body"), strlen(str_member(c, "body")), &st, &msg), *rpc;
    heat_inst_conf_t conf;
    heat_inst_t inst;
    heat_error_t err;
    heat_inst_action_t a;
    int ok;

    if (!body)
        return apr_psprintf(p, "the body does not parse: %s", msg);
    body = json_deep_copy(body);
    heat_json_own(p, body);
    memset(&conf, 0, sizeof conf);
    conf.max_template_size = json_object_get(c, "max") ? (apr_size_t)json_integer_value(json_object_get(c, "max"))
                                                        : 524288;
    conf.fetch = fetch_from_case;
    conf.fetch_baton = c;
    a = !strcmp(action, "create")                 ? HEAT_INST_CREATE
        : !strcmp(action, "preview")              ? HEAT_INST_PREVIEW
        : !strcmp(action, "update")               ? HEAT_INST_UPDATE
        : !strcmp(action, "update_patch")         ? HEAT_INST_UPDATE_PATCH
        : !strcmp(action, "preview_update")       ? HEAT_INST_PREVIEW_UPDATE
        : !strcmp(action, "preview_update_patch") ? HEAT_INST_PREVIEW_UPDATE_PATCH
                                                  : HEAT_INST_VALIDATE;
    ok = heat_inst_build(p, body, a, &conf, &inst, &err);
    if (json_object_get(want, "unsupported"))
        return ok ? apr_psprintf(p, "expected a refusal, got success") : err.status == 400 ? NULL : "not a 400";
    if (json_object_get(want, "fault"))
        return ok ? apr_psprintf(p, "expected a fault, got success") : compare_fault(p, &err, json_object_get(want, "fault"));
    if (!ok)
        return apr_psprintf(p, "unexpected fault %d %s %s", err.status, err.type, err.message ? err.message : "");
    switch (a) {
    case HEAT_INST_CREATE:
        rpc = heat_inst_create_stack_args(p, &inst);
        break;
    case HEAT_INST_PREVIEW:
        rpc = heat_inst_preview_stack_args(p, &inst);
        break;
    case HEAT_INST_UPDATE:
    case HEAT_INST_UPDATE_PATCH:
        rpc = heat_inst_update_stack_args(p, &inst, NULL, 0);
        break;
    case HEAT_INST_PREVIEW_UPDATE:
    case HEAT_INST_PREVIEW_UPDATE_PATCH:
        rpc = heat_inst_update_stack_args(p, &inst, NULL, 1);
        break;
    default:
        rpc = heat_inst_validate_template_args(p, &inst, 0, NULL);
        break;
    }
    if (!heat_test_json_same(rpc, json_object_get(want, "rpc")))
        return apr_psprintf(p, "rpc args differ\n--- want %s\n--- got  %s",
                            heat_json_dump(p, json_object_get(want, "rpc"), 0), heat_json_dump(p, rpc, 0));
    if (json_object_get(want, "no_change") && json_is_true(json_object_get(want, "no_change")) != inst.no_change)
        return "no_change differs";
    return NULL;
}

static const char *run_body(apr_pool_t *p, const json_t *c, const json_t *want)
{
    heat_body_request_t req;
    heat_error_t err;
    json_t *body, *cl = json_object_get(c, "content_length");
    heat_body_status_t st;
    apr_size_t len;

    memset(&req, 0, sizeof req);
    req.method = json_object_get(c, "method") ? str_member(c, "method") : "POST";
    req.content_type = str_member(c, "content_type");
    req.aws_content_type = str_member(c, "aws_content_type");
    if (json_object_get(c, "body_hex"))
        req.body = unhex(p, str_member(c, "body_hex"), &len);
    else {
        req.body = str_member(c, "body");
        len = strlen(req.body);
    }
    req.len = len;
    req.content_length = !cl ? (apr_off_t)len : json_is_null(cl) ? -1 : (apr_off_t)json_integer_value(cl);
    st = heat_body_decode(p, &req,
                          json_object_get(c, "max") ? (apr_size_t)json_integer_value(json_object_get(c, "max")) : 1048576,
                          &body, &err);
    if (json_object_get(want, "none"))
        return st == HEAT_BODY_NONE ? NULL : "expected no body";
    if (json_object_get(want, "unsupported"))
        return st == HEAT_BODY_ERROR && err.status == 400 ? NULL : "expected a 400 refusal";
    if (json_object_get(want, "fault"))
        return st == HEAT_BODY_ERROR ? compare_fault(p, &err, json_object_get(want, "fault")) : "expected a fault";
    if (st != HEAT_BODY_OK)
        return apr_psprintf(p, "unexpected %d %s", st, st == HEAT_BODY_ERROR ? err.message : "");
    return heat_test_json_same(body, json_object_get(want, "body")) ? NULL
                                                          : apr_psprintf(p, "body differs: %s", heat_json_dump(p, body, 0));
}

static const char *compare_exc(apr_pool_t *p, const heat_pyexc_t *exc, const json_t *want)
{
    const json_t *e = json_object_get(want, "exc");
    if (strcmp(exc->type, json_string_value(json_array_get(e, 0))) ||
        strcmp(exc->message, json_string_value(json_array_get(e, 1))))
        return apr_psprintf(p, "exception differs\n--- want %s\n--- got %s %s", heat_json_dump(p, e, 0), exc->type,
                            exc->message);
    return NULL;
}

static const char *run_parse(apr_pool_t *p, const json_t *c, const json_t *want)
{
    heat_pyexc_t exc;
    apr_size_t max = json_object_get(c, "max") ? (apr_size_t)json_integer_value(json_object_get(c, "max")) : 524288;
    json_t *t;
    if (json_object_get(c, "hex")) {
        apr_size_t len;
        char *data = unhex(p, str_member(c, "hex"), &len);
        t = heat_template_parse_bytes(p, data, len, max, &exc);
    }
    else
        t = heat_template_parse(p, str_member(c, "text"), strlen(str_member(c, "text")), max, &exc);
    if (json_object_get(want, "exc"))
        return t ? "expected an exception" : compare_exc(p, &exc, want);
    if (!t)
        return apr_psprintf(p, "unexpected %s %s", exc.type, exc.message);
    return heat_test_json_same(t, json_object_get(want, "template")) ? NULL : "template differs";
}

static const char *run_env(apr_pool_t *p, const json_t *c, const json_t *want)
{
    heat_pyexc_t exc;
    json_t *env = heat_environment_parse(p, str_member(c, "text"), strlen(str_member(c, "text")), &exc);
    if (json_object_get(want, "exc"))
        return env ? "expected an exception" : compare_exc(p, &exc, want);
    if (!env)
        return apr_psprintf(p, "unexpected %s %s", exc.type, exc.message);
    return heat_test_json_same(env, json_object_get(want, "env")) ? NULL : "environment differs";
}

START_TEST(template_golden_cases)
{
    json_t *cases = load_golden("template/cases.json"), *expected = load_golden("template/expected.json");
    size_t i;
    int failed = 0;

    ck_assert_uint_ge(json_array_size(cases), 200);
    for (i = 0; i < json_array_size(cases); i++) {
        json_t *c = json_array_get(cases, i), *want;
        const char *name = str_member(c, "name"), *kind = str_member(c, "kind"), *why;
        apr_pool_t *p;
        want = json_object_get(expected, name);
        ck_assert_msg(want != NULL, "no expected result for %s (run capture.py)", name);
        apr_pool_create(&p, heat_test_pool);
        if (!strcmp(kind, "inst"))
            why = run_inst(p, c, want);
        else if (!strcmp(kind, "body"))
            why = run_body(p, c, want);
        else if (!strcmp(kind, "parse"))
            why = run_parse(p, c, want);
        else
            why = run_env(p, c, want);
        if (why) {
            fprintf(stderr, "template case %s: %s\n", name, why);
            failed++;
        }
        apr_pool_destroy(p);
    }
    ck_assert_msg(failed == 0, "%d of %lu template golden cases differ (see stderr)", failed,
                  (unsigned long)json_array_size(cases));
}
END_TEST

START_TEST(pyjson_error_texts)
{
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},
        {"{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 (char 5)"},
        {"{\"a\": 1 \"b\": 2}", "Expecting ',' delimiter: line 1 column 9 (char 8)"},
        {"{\"a\": [1, 2}", "Expecting ',' delimiter: line 1 column 12 (char 11)"},
        {"[1,]", "Expecting value: line 1 column 4 (char 3)"},
        {"\n\n  {\"a\" 1}", "Expecting ':' delimiter: line 3 column 8 (char 9)"},
        {"\"\xc3\xa9\\q\"", "Invalid \\escape: line 1 column 3 (char 2)"},
        {"\"\\u12\"", "Invalid \\uXXXX escape: line 1 column 3 (char 2)"},
        {"\"\\ud800\\uzzzz\"", "Invalid \\uXXXX escape: line 1 column 9 (char 8)"},
        {"\"a\x01\"", "Invalid control character at: line 1 column 3 (char 2)"},
        {"\"abc", "Unterminated string starting at: line 1 column 1 (char 0)"},
        {"1 2", "Extra data: line 1 column 3 (char 2)"},
        {"01", "Extra data: line 1 column 2 (char 1)"},
        {"-", "Expecting value: line 1 column 1 (char 0)"},
        {"", "Expecting value: line 1 column 1 (char 0)"},
        {"\xef\xbb\xbf{}", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"},
    };
    size_t k;
    for (k = 0; k < sizeof cases / sizeof *cases; k++) {
        heat_pyjson_status_t st;
        const char *msg;
        ck_assert_ptr_null(heat_pyjson_loads(heat_test_pool, cases[k].text, strlen(cases[k].text), &st, &msg));
        ck_assert_int_eq(st, HEAT_PYJSON_ERROR);
        ck_assert_str_eq(msg, cases[k].message);
    }
}
END_TEST

START_TEST(pyjson_values)
{
    heat_pyjson_status_t st;
    const char *msg;
    const char *text = "{\"a\": 1, \"b\": [true, null, -0.5e1, \"\\u00e9\\ud83d\\ude00\"], \"a\": 3}";
    json_t *v = heat_pyjson_loads(heat_test_pool, text, strlen(text), &st, &msg);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(heat_json_dump(heat_test_pool, v, 0), "{\"a\": 3, \"b\": [true, null, -5.0, \"\\u00e9\\ud83d\\ude00\"]}");
    ck_assert_ptr_null(heat_pyjson_loads(heat_test_pool, "[Infinity]", 10, &st, &msg));
    ck_assert_int_eq(st, HEAT_PYJSON_UNSUPPORTED);
    /* a later syntax error is what Python reports */
    ck_assert_ptr_null(heat_pyjson_loads(heat_test_pool, "[NaN, }", 7, &st, &msg));
    ck_assert_int_eq(st, HEAT_PYJSON_ERROR);
    ck_assert_str_eq(msg, "Expecting value: line 1 column 7 (char 6)");
}
END_TEST

START_TEST(body_rules)
{
    heat_body_request_t req = {"POST", "application/json", NULL, 2, "{}", 2};
    heat_error_t err;
    json_t *body;
    ck_assert_int_eq(heat_body_decode(heat_test_pool, &req, 1048576, &body, &err), HEAT_BODY_OK);
    ck_assert(json_is_object(body));
    req.content_length = -1; /* chunked, no Content-Length */
    ck_assert_int_eq(heat_body_decode(heat_test_pool, &req, 1048576, &body, &err), HEAT_BODY_NONE);
    req.content_length = 2;
    req.content_type = "application/json;charset=utf-8";
    ck_assert(heat_body_is_json(&req));
    req.content_type = "APPLICATION/JSON";
    ck_assert(!heat_body_is_json(&req));
    req.content_type = "";
    ck_assert(heat_body_is_json(&req));
    req.method = "GET";
    req.content_type = "application/json";
    req.aws_content_type = "XML";
    ck_assert(!heat_body_is_json(&req));
    req.method = "PUT";
    ck_assert(heat_body_is_json(&req));
}
END_TEST

START_TEST(repr_size_like_python)
{
    heat_pyjson_status_t st;
    const char *msg;
    /* str({'a': [1, 2.5, True, None], 'b': "it's", 'c': {}}) */
    const char *text = "{\"a\": [1, 2.5, true, null], \"b\": \"it's\", \"c\": {}}";
    json_t *v = heat_pyjson_loads(heat_test_pool, text, strlen(text), &st, &msg);
    ck_assert_uint_eq(heat_py_repr_size(v), strlen("{'a': [1, 2.5, True, None], 'b': \"it's\", 'c': {}}"));
}
END_TEST

START_TEST(environment_defaults_and_rpc_shape)
{
    heat_pyexc_t exc;
    heat_inst_t inst;
    heat_error_t err;
    heat_inst_conf_t conf = {.max_template_size = 0};
    heat_pyjson_status_t st;
    const char *msg;
    const char *text = "{\"stack_name\": \"s1\", \"template\": {\"heat_template_version\": \"2018-08-31\"}, "
                       "\"parameters\": {\"k\": \"v\"}, \"timeout_mins\": 60, \"tags\": \"a,b\"}";
    json_t *env = heat_environment_parse(heat_test_pool, "", 0, &exc), *body;
    ck_assert_ptr_nonnull(env);
    heat_environment_default_for_missing(env);
    ck_assert_str_eq(heat_json_dump(heat_test_pool, env, 0),
                     "{\"parameters\": {}, \"resource_registry\": {}, \"parameter_defaults\": {}, "
                     "\"encrypted_param_names\": [], \"event_sinks\": []}");
    body = heat_pyjson_loads(heat_test_pool, text, strlen(text), &st, &msg);
    ck_assert(heat_inst_build(heat_test_pool, body, HEAT_INST_CREATE, &conf, &inst, &err));
    /* the create_stack args heat/api/openstack/v1/stacks.py sends for this body */
    ck_assert_str_eq(heat_json_dump(heat_test_pool, heat_inst_create_stack_args(heat_test_pool, &inst), 0),
                     "{\"stack_name\": \"s1\", \"template\": {\"heat_template_version\": \"2018-08-31\"}, "
                     "\"params\": {\"parameters\": {\"k\": \"v\"}, \"resource_registry\": {}, \"parameter_defaults\": "
                     "{}, \"encrypted_param_names\": [], \"event_sinks\": []}, \"files\": {}, \"environment_files\": "
                     "null, \"files_container\": null, \"args\": {\"timeout_mins\": 60, \"tags\": [\"a\", \"b\"]}, "
                     "\"owner_id\": null, \"nested_depth\": 0, \"user_creds_id\": null, \"stack_user_project_id\": "
                     "null, \"parent_resource_name\": null, \"template_id\": null}");
}
END_TEST

static int deny(void *baton, int no_change, heat_error_t *err)
{
    *(int *)baton = no_change ? 1 : 2;
    heat_error_set(err, 403, "Forbidden", "denied");
    return 0;
}

START_TEST(patch_authorize_comes_before_args)
{
    heat_inst_t inst;
    heat_error_t err;
    int seen = 0;
    heat_inst_conf_t conf = {.authorize = deny, .authorize_baton = &seen};
    heat_pyjson_status_t st;
    const char *msg;
    json_t *body = heat_pyjson_loads(heat_test_pool, "{\"tags\": 5}", 11, &st, &msg);
    ck_assert(!heat_inst_build(heat_test_pool, body, HEAT_INST_UPDATE_PATCH, &conf, &inst, &err));
    ck_assert_int_eq(err.status, 403);
    ck_assert_int_eq(seen, 2); /* tags is an arg: a change */
}
END_TEST

static int add_show_nested(void *baton, json_t *args, heat_error_t *err)
{
    (void)baton;
    (void)err;
    json_object_set_new(args, "show_nested", json_true());
    return 1;
}

START_TEST(after_args_hook_adds_to_args)
{
    heat_inst_t inst;
    heat_error_t err;
    heat_inst_conf_t conf = {.after_args = add_show_nested};
    heat_pyjson_status_t st;
    const char *msg;
    json_t *body = heat_pyjson_loads(heat_test_pool, "{\"template\": {\"heat_template_version\": 1}}", 42, &st, &msg);
    ck_assert_ptr_nonnull(body);
    ck_assert(heat_inst_build(heat_test_pool, body, HEAT_INST_PREVIEW_UPDATE, &conf, &inst, &err));
    ck_assert_str_eq(heat_json_dump(heat_test_pool, heat_inst_update_stack_args(heat_test_pool, &inst, NULL, 1), 0),
                     "{\"stack_identity\": null, \"template\": {\"heat_template_version\": 1}, \"params\": "
                     "{\"parameters\": {}, \"resource_registry\": {}, \"parameter_defaults\": {}, "
                     "\"encrypted_param_names\": [], \"event_sinks\": []}, \"files\": {}, \"environment_files\": null, "
                     "\"files_container\": null, \"args\": {\"show_nested\": true}}");
}
END_TEST

/* A template whose aliases expand it 2,000-fold is refused with heat's size error, bounded at
 * HEAT_YAML_EXPANSION_FACTOR x max_template_size, before any of it is built. */
START_TEST(alias_expansion_is_request_limit_exceeded)
{
    heat_pyexc_t exc = {NULL, NULL};
    heat_error_t err;
    size_t scalar = 100 * 1024, i;
    char *doc = apr_palloc(heat_test_pool, scalar + 2000 * 4 + 128), *o = doc;

    o += sprintf(o, "heat_template_version: 2018-08-31\ndescription: &s ");
    memset(o, 'x', scalar);
    o += scalar;
    o += sprintf(o, "\noutputs: {o: {value: [");
    for (i = 0; i < 2000; i++)
        o += sprintf(o, i ? ",*s" : "*s");
    o += sprintf(o, "]}}\n");
    ck_assert_ptr_null(heat_template_parse(heat_test_pool, doc, (apr_size_t)(o - doc), 524288, &exc));
    ck_assert_str_eq(exc.type, "RequestLimitExceeded");
    ck_assert_msg(strstr(exc.message, "Request limit exceeded: Template size with YAML aliases expanded (") == exc.message &&
                      strstr(exc.message, "bytes) exceeds maximum allowed size (4194304 bytes)."),
                  "%s", exc.message);
    heat_pyexc_fault(&exc, &err);
    ck_assert_int_eq(err.status, 400);
    /* the bound follows max_template_size */
    ck_assert_ptr_null(heat_template_parse_bytes(heat_test_pool, doc, (apr_size_t)(o - doc), 1024 * 1024, &exc));
    ck_assert_ptr_nonnull(strstr(exc.message, "(8388608 bytes)"));
    /* environments too */
    ck_assert_ptr_null(heat_environment_parse(heat_test_pool, doc + 34, (apr_size_t)(o - doc) - 34, &exc));
    ck_assert_str_eq(exc.type, "RequestLimitExceeded");
}
END_TEST

/* A list of n empty flow mappings, "{},{},...", the densest YAML and JSON there is. */
static char *empty_maps(apr_pool_t *p, const char *head, size_t n, const char *tail, size_t *len)
{
    size_t hl = strlen(head), tl = strlen(tail), i;
    char *doc = apr_palloc(p, hl + 3 * n + tl + 1), *o = doc;
    memcpy(o, head, hl);
    o += hl;
    for (i = 0; i < n; i++) {
        memcpy(o, i ? ",{}" : "{}", i ? 3 : 2);
        o += i ? 3 : 2;
    }
    memcpy(o, tail, tl + 1);
    *len = (size_t)(o - doc) + tl;
    return doc;
}

static heat_body_status_t decode_default(apr_pool_t *p, const char *text, size_t len, json_t **body,
                                         heat_error_t *err)
{
    heat_body_request_t req = {"POST", "application/json", NULL, (apr_off_t)len, text, len};
    memset(err, 0, sizeof *err);
    return heat_body_decode(p, &req, 1048576, body, err);
}

/* The node budget (README "Limits"): 1 MiB / 16 = 65536 values and nodes per request, refused
 * as they are parsed with RequestLimitExceeded; heat-api would build them all. */
START_TEST(node_budget_is_request_limit_exceeded)
{
    heat_pyexc_t exc = {NULL, NULL};
    heat_error_t err;
    heat_inst_conf_t conf;
    heat_inst_t inst;
    json_t *body;
    size_t len;
    char *text;

    ck_assert_uint_eq(heat_nodes_limit(1048576), 65536);
    ck_assert_uint_eq(heat_nodes_limit(0), 65536);
    ck_assert_uint_eq(heat_nodes_limit(46), HEAT_NODES_MIN);

    /* a JSON body: 65536 values pass (the object, "p", the list and 65533 maps), one more not */
    text = empty_maps(heat_test_pool, "{\"p\": {\"q\": [", 65533, "]}}", &len);
    ck_assert_int_eq(decode_default(heat_test_pool, text, len, &body, &err), HEAT_BODY_OK);
    text = empty_maps(heat_test_pool, "{\"p\": {\"q\": [", 65534, "]}}", &len);
    ck_assert_int_eq(decode_default(heat_test_pool, text, len, &body, &err), HEAT_BODY_ERROR);
    ck_assert_int_eq(err.status, 400);
    ck_assert_str_eq(err.type, "RequestLimitExceeded");
    ck_assert_str_eq(err.message, "Request limit exceeded: the JSON body has more than 65536 values.");

    /* a YAML template (a JSON template string is counted the same way) */
    text = empty_maps(heat_test_pool, "heat_template_version: 2018-08-31\nx: [", 70000, "]\n", &len);
    ck_assert_ptr_null(heat_template_parse(heat_test_pool, text, len, 524288, &exc));
    ck_assert_str_eq(exc.type, "RequestLimitExceeded");
    ck_assert_str_eq(exc.message, "Request limit exceeded: Template has too many nodes (at most 65536 JSON values "
                                  "and YAML nodes per request).");
    heat_pyexc_fault(&exc, &err);
    ck_assert_int_eq(err.status, 400);
    text = empty_maps(heat_test_pool, "{\"heat_template_version\": \"2018-08-31\", \"x\": [", 70000, "]}", &len);
    ck_assert_ptr_null(heat_template_parse(heat_test_pool, text, len, 524288, &exc));
    ck_assert_str_eq(exc.message, "Request limit exceeded: Template has more than 65536 values.");

    /* the body and the environment string inside it share one budget: 40000 + 30000 nodes */
    {
        heat_buf_t b = {heat_test_pool, NULL, 0, 0};
        char *env = empty_maps(heat_test_pool, "parameter_defaults: {p: [", 30000, "]}", &len);
        text = empty_maps(heat_test_pool, "{\"template\": {\"heat_template_version\": \"2018-08-31\"}, \"parameters\": "
                                          "{\"p\": [", 40000, "]}, \"environment\": \"", &len);
        heat_buf_str(&b, text);
        heat_buf_str(&b, env);
        heat_buf_str(&b, "\"}");
        ck_assert_int_eq(decode_default(heat_test_pool, b.data, b.len, &body, &err), HEAT_BODY_OK);
        memset(&conf, 0, sizeof conf);
        ck_assert(!heat_inst_build(heat_test_pool, body, HEAT_INST_VALIDATE, &conf, &inst, &err));
        ck_assert_int_eq(err.status, 400);
        ck_assert_str_eq(err.type, "RequestLimitExceeded");
        ck_assert_str_eq(err.message, "Request limit exceeded: Environment has too many nodes (at most 65536 JSON "
                                      "values and YAML nodes per request).");
    }
}
END_TEST

/* What the budget must not refuse: a HOT template just under max_template_size (512 KiB) made
 * of ordinary resources (networks, ports, servers with user data, volumes, outputs), inline as
 * YAML text and as a JSON object in the body. */
static const char real_resources[] =
    "  net_%d:\n    type: OS::Neutron::Net\n    properties:\n"
    "      name: {list_join: ['-', [{get_param: 'OS::stack_name'}, net, '%d']]}\n"
    "  subnet_%d:\n    type: OS::Neutron::Subnet\n    properties:\n      network: {get_resource: net_%d}\n"
    "      cidr: 10.%d.%d.0/24\n      dns_nameservers: [8.8.8.8, 8.8.4.4]\n      allocation_pools:\n"
    "        - start: 10.%d.%d.10\n          end: 10.%d.%d.200\n"
    "  port_%d:\n    type: OS::Neutron::Port\n    properties:\n      network: {get_resource: net_%d}\n"
    "      fixed_ips:\n        - subnet: {get_resource: subnet_%d}\n      security_groups: [{get_resource: sg}]\n"
    "  server_%d:\n    type: OS::Nova::Server\n    depends_on: [subnet_%d]\n    properties:\n"
    "      name: app-server-%d\n      image: {get_param: image}\n      flavor: {get_param: flavor}\n"
    "      key_name: {get_param: key_name}\n      networks:\n        - port: {get_resource: port_%d}\n"
    "      metadata:\n        role: application\n        index: \"%d\"\n      user_data_format: RAW\n"
    "      user_data:\n        str_replace:\n          template: |\n            #!/bin/sh\n"
    "            echo \"configuring $NAME\" > /var/log/boot.log\n            systemctl enable --now app.service\n"
    "          params:\n            $NAME: app-server-%d\n"
    "  volume_%d:\n    type: OS::Cinder::Volume\n    properties:\n      size: {get_param: volume_size}\n"
    "      description: Data volume for server %d\n"
    "  attach_%d:\n    type: OS::Cinder::VolumeAttachment\n    properties:\n      instance_uuid: {get_resource: server_%d}\n"
    "      volume_id: {get_resource: volume_%d}\n      mountpoint: /dev/vdb\n";

static size_t count_values(const json_t *v)
{
    size_t n = 1, i;
    const char *key;
    json_t *item;
    if (json_is_object(v))
        json_object_foreach((json_t *)v, key, item) n += count_values(item);
    else if (json_is_array(v))
        json_array_foreach(v, i, item) n += count_values(item);
    return n;
}

START_TEST(large_realistic_template_is_accepted)
{
    heat_buf_t t = {heat_test_pool, NULL, 0, 0}, outs = {heat_test_pool, NULL, 0, 0};
    heat_pyexc_t exc = {NULL, NULL};
    heat_error_t err;
    heat_inst_conf_t conf;
    heat_inst_t inst;
    json_t *tpl, *body, *wrapped;
    char *text;
    int i;

    heat_buf_str(&t, "heat_template_version: 2018-08-31\ndescription: Many servers, networks and volumes.\n"
                     "parameters:\n  image: {type: string, default: cirros}\n"
                     "  flavor: {type: string, default: m1.small}\n  key_name: {type: string, default: default}\n"
                     "  volume_size: {type: number, default: 1, constraints: [{range: {min: 1, max: 100}}]}\n"
                     "resources:\n  sg:\n    type: OS::Neutron::SecurityGroup\n    properties:\n      rules:\n"
                     "        - {protocol: tcp, port_range_min: 22, port_range_max: 22}\n");
    heat_buf_str(&outs, "outputs:\n");
    for (i = 0;; i++) {
        char *r = apr_psprintf(heat_test_pool, real_resources, i, i, i, i, i % 250, i / 250, i % 250, i / 250,
                               i % 250, i / 250, i, i, i, i, i, i, i, i, i, i, i, i, i, i);
        char *o = apr_psprintf(heat_test_pool, "  server_%d_ip:\n    value: {get_attr: [server_%d, first_address]}\n",
                               i, i);
        if (t.len + strlen(r) + outs.len + strlen(o) > 520000)
            break;
        heat_buf_str(&t, r);
        heat_buf_str(&outs, o);
    }
    heat_buf_str(&t, outs.data);
    ck_assert_uint_le(t.len, 524288);

    /* as YAML text in the body: one node per 11 bytes or so */
    wrapped = json_pack("{s:s%}", "template", t.data, t.len);
    text = heat_json_dump(heat_test_pool, heat_json_own(heat_test_pool, wrapped), 0);
    ck_assert_int_eq(decode_default(heat_test_pool, text, strlen(text), &body, &err), HEAT_BODY_OK);
    memset(&conf, 0, sizeof conf);
    ck_assert_msg(heat_inst_build(heat_test_pool, body, HEAT_INST_VALIDATE, &conf, &inst, &err), "%s: %s", err.type,
                  err.message);
    ck_assert_uint_gt(heat_nodes_of(heat_test_pool)->used, 45000);
    ck_assert_uint_gt(count_values(inst.template), 26000);

    /* as a JSON object in the body (another request: a budget of its own) */
    heat_nodes_start(heat_test_pool, 1048576);
    tpl = heat_template_parse(heat_test_pool, t.data, t.len, 524288, &exc);
    ck_assert_ptr_nonnull(tpl);
    wrapped = json_pack("{s:O}", "template", tpl);
    text = heat_json_dump(heat_test_pool, heat_json_own(heat_test_pool, wrapped), 0);
    ck_assert_int_eq(decode_default(heat_test_pool, text, strlen(text), &body, &err), HEAT_BODY_OK);
    ck_assert(heat_inst_build(heat_test_pool, body, HEAT_INST_VALIDATE, &conf, &inst, &err));
}
END_TEST

Suite *heat_test_template_suite(void)
{
    Suite *s = suite_create("template");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, template_golden_cases);
    tcase_add_test(tc, pyjson_error_texts);
    tcase_add_test(tc, pyjson_values);
    tcase_add_test(tc, body_rules);
    tcase_add_test(tc, repr_size_like_python);
    tcase_add_test(tc, environment_defaults_and_rpc_shape);
    tcase_add_test(tc, patch_authorize_comes_before_args);
    tcase_add_test(tc, after_args_hook_adds_to_args);
    tcase_add_test(tc, alias_expansion_is_request_limit_exceeded);
    tcase_add_test(tc, node_budget_is_request_limit_exceeded);
    tcase_add_test(tc, large_realistic_template_is_accepted);
    suite_add_tcase(s, tc);
    return s;
}
