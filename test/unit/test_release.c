/* test_release.c: HeatRelease, one module for heat-api 19.0.0 and 24.0.0. Each case runs the
 * same request or check under both releases and asserts what each release's heat-api does
 * (doc/releases.md lists the differences; heat's code of the two tags is the reference). */
#include "heat_test.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_api.h"
#include "heat_authorize.h"
#include "heat_cfn_remote.h"
#include "heat_context.h"
#include "heat_fault.h"
#include "heat_front.h"
#include "heat_handlers.h"
#include "heat_json.h"
#include "heat_policy.h"
#include "heat_query.h"
#include "heat_release.h"
#include "heat_result.h"

/* Defaults only (no file is found), [oslo_policy] left unset: the release's own defaults. */
static heat_policy_t *policy_of(heat_release_t release)
{
    heat_policy_options_t o;
    heat_policy_t *pol;
    const char *err;

    memset(&o, 0, sizeof(o));
    o.search_dirs = apr_array_make(heat_test_pool, 1, sizeof(const char *));
    o.policy_dirs = apr_array_make(heat_test_pool, 1, sizeof(const char *));
    o.enforce_scope_unset = 1;
    o.enforce_new_defaults_unset = 1;
    o.release = release;
    err = heat_policy_load(&pol, heat_test_pool, &o);
    ck_assert_msg(err == NULL, "load: %s", err);
    return pol;
}

static heat_context_t *persona(const heat_policy_t *pol, const char *name)
{
    json_t *cases = heat_test_golden_json("context/cases.json"), *c = json_object_get(cases, name);
    heat_context_request_t req;
    heat_context_t *ctx;
    const char *err;

    ck_assert_msg(c != NULL, "no persona %s", name);
    memset(&req, 0, sizeof(req));
    req.auth_token = json_string_value(json_object_get(c, "auth_token"));
    req.token = json_object_get(c, "token");
    req.request_id = json_string_value(json_object_get(c, "request_id"));
    err = heat_context_from_token(&ctx, heat_test_pool, &req, pol, NULL);
    ck_assert_msg(err == NULL, "%s", err);
    return ctx;
}

START_TEST(release_names_parse)
{
    static const struct {
        const char *text;
        int ok;
        heat_release_t release;
    } cases[] = {
        {"19", 1, HEAT_RELEASE_19},     {"19.0.0", 1, HEAT_RELEASE_19}, {"19.0.2", 1, HEAT_RELEASE_19},
        {"zed", 1, HEAT_RELEASE_19},    {"24", 1, HEAT_RELEASE_24},     {"24.0.0", 1, HEAT_RELEASE_24},
        {"24.1.1", 1, HEAT_RELEASE_24}, {"2025.1", 1, HEAT_RELEASE_24}, {"epoxy", 1, HEAT_RELEASE_24},
        {"", 0, 0},                     {"2", 0, 0},                    {"190", 0, 0},
        {"24x", 0, 0},                  {"2025.10", 0, 0},              {"25", 0, 0},
        {"20.0.0", 0, 0},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        heat_release_t r = (heat_release_t)99;
        const char *err = heat_release_parse(cases[i].text, &r);
        if (cases[i].ok) {
            ck_assert_msg(err == NULL, "'%s': %s", cases[i].text, err);
            ck_assert_int_eq(r, cases[i].release);
        }
        else {
            ck_assert_msg(err != NULL, "'%s' accepted", cases[i].text);
            ck_assert_int_eq(r, 99);
        }
    }
    ck_assert_ptr_nonnull(heat_release_parse(NULL, &(heat_release_t){0}));
    ck_assert_str_eq(heat_release_name(HEAT_RELEASE_19), "19.0.0");
    ck_assert_str_eq(heat_release_name(HEAT_RELEASE_24), "24.0.0");
}
END_TEST

/* heat_policy_defaults_24.c is test/golden/policy/defaults-24.json (heat 24.0.0's
 * heat.policies.list_rules()), row by row. */
START_TEST(defaults_table_is_heat_24)
{
    json_t *d = heat_test_golden_json("policy/defaults-24.json");
    apr_size_t n;
    const heat_policy_default_t *t = heat_policy_defaults_of(HEAT_RELEASE_24, &n);
    size_t i;

    ck_assert_ptr_eq(t, heat_policy_defaults_24);
    ck_assert_uint_eq(json_array_size(d), n);
    for (i = 0; i < n; i++) {
        json_t *r = json_array_get(d, i), *dep = json_object_get(r, "deprecated");
        json_t *st = json_object_get(r, "scope_types");
        unsigned flags = 0;
        size_t k;
        ck_assert_str_eq(t[i].name, json_string_value(json_object_get(r, "name")));
        ck_assert_str_eq(t[i].check_str, json_string_value(json_object_get(r, "check_str")));
        for (k = 0; json_is_array(st) && k < json_array_size(st); k++) {
            const char *s = json_string_value(json_array_get(st, k));
            flags |= !strcmp(s, "system") ? HEAT_POLICY_SCOPE_SYSTEM : !strcmp(s, "project") ? HEAT_POLICY_SCOPE_PROJECT
                                                                                              : HEAT_POLICY_SCOPE_DOMAIN;
        }
        ck_assert_uint_eq(t[i].scope_types, flags);
        if (json_is_null(dep))
            ck_assert_ptr_null(t[i].deprecated_name);
        else {
            ck_assert_str_eq(t[i].deprecated_name, json_string_value(json_object_get(dep, "name")));
            ck_assert_str_eq(t[i].deprecated_check_str, json_string_value(json_object_get(dep, "check_str")));
        }
    }
    ck_assert_ptr_eq(heat_policy_defaults_of(HEAT_RELEASE_19, &n), heat_policy_defaults);
    ck_assert_uint_eq(n, heat_policy_defaults_count);
}
END_TEST

/* oslo.policy >= 4.4 (heat 24's) turns enforce_scope and enforce_new_defaults on by default;
 * a value heat.conf sets wins under either release. */
START_TEST(oslo_policy_defaults_per_release)
{
    heat_policy_options_t o;
    heat_policy_t *pol;

    pol = policy_of(HEAT_RELEASE_19);
    ck_assert_int_eq(heat_policy_release(pol), HEAT_RELEASE_19);
    ck_assert_int_eq(heat_policy_enforce_scope(pol), 0);
    ck_assert_int_eq(heat_policy_enforce_new_defaults(pol), 0);
    pol = policy_of(HEAT_RELEASE_24);
    ck_assert_int_eq(heat_policy_release(pol), HEAT_RELEASE_24);
    ck_assert_int_eq(heat_policy_enforce_scope(pol), 1);
    ck_assert_int_eq(heat_policy_enforce_new_defaults(pol), 1);

    memset(&o, 0, sizeof(o));
    o.search_dirs = apr_array_make(heat_test_pool, 1, sizeof(const char *));
    o.release = HEAT_RELEASE_24;
    o.enforce_scope = 0;        /* set to false in heat.conf */
    o.enforce_new_defaults = 1; /* set to true */
    ck_assert_ptr_null(heat_policy_load(&pol, heat_test_pool, &o));
    ck_assert_int_eq(heat_policy_enforce_scope(pol), 0);
    ck_assert_int_eq(heat_policy_enforce_new_defaults(pol), 1);
    o.release = HEAT_RELEASE_19;
    o.enforce_scope = 1;
    ck_assert_ptr_null(heat_policy_load(&pol, heat_test_pool, &o));
    ck_assert_int_eq(heat_policy_enforce_scope(pol), 1);
}
END_TEST

/* The defaults each release's users meet: 24.0.0 drops the system-scope halves and the
 * deprecated deny_stack_user fallback (new defaults on). */
START_TEST(default_rules_per_release)
{
    heat_policy_t *p19 = policy_of(HEAT_RELEASE_19), *p24 = policy_of(HEAT_RELEASE_24);
    heat_result_t d;

    /* a user with no role in its project: 19.0.0's deprecated "not heat_stack_user" lets it
     * list; 24.0.0 wants the reader role */
    memset(&d, 0, sizeof(d));
    ck_assert_int_eq(heat_policy_native_authorize(p19, heat_test_pool, persona(p19, "norole"), "stacks", "index",
                                                  persona(p19, "norole")->project_id, &d), 1);
    ck_assert_int_eq(heat_policy_native_authorize(p24, heat_test_pool, persona(p24, "norole"), "stacks", "index",
                                                  persona(p24, "norole")->project_id, &d), 0);
    ck_assert_int_eq(d.status, 403);
    ck_assert_str_eq(d.type, "Forbidden");
    ck_assert_str_eq(d.message, "You are not authorized to use stacks:index.");
    /* a member creates under both */
    ck_assert_int_eq(heat_policy_native_authorize(p19, heat_test_pool, persona(p19, "member"), "stacks", "create",
                                                  "P1", &d), 1);
    ck_assert_int_eq(heat_policy_native_authorize(p24, heat_test_pool, persona(p24, "member"), "stacks", "create",
                                                  "P1", &d), 1);
    /* a reader may not create under 24 (member needed); 19's deprecated rule allows it */
    ck_assert_int_eq(heat_policy_native_authorize(p19, heat_test_pool, persona(p19, "reader"), "stacks", "create",
                                                  persona(p19, "reader")->project_id, &d), 1);
    ck_assert_int_eq(heat_policy_native_authorize(p24, heat_test_pool, persona(p24, "reader"), "stacks", "create",
                                                  persona(p24, "reader")->project_id, &d), 0);
    ck_assert_str_eq(d.message, "You are not authorized to use stacks:create.");
}
END_TEST

/* heat 24.0.0's Enforcer turns oslo's InvalidScope into its Forbidden: a 403 denial on both
 * APIs; 19.0.0 lets it reach faultwrap (500 InvalidScope) or the CFN catch-all (500). */
START_TEST(scope_mismatch_per_release)
{
    heat_policy_t *p19 = policy_of(HEAT_RELEASE_19), *p24 = policy_of(HEAT_RELEASE_24);
    heat_policy_options_t o;
    heat_result_t d;

    /* 19.0.0 with enforce_scope set in heat.conf */
    memset(&o, 0, sizeof(o));
    o.search_dirs = apr_array_make(heat_test_pool, 1, sizeof(const char *));
    o.enforce_scope = 1;
    ck_assert_ptr_null(heat_policy_load(&p19, heat_test_pool, &o));

    memset(&d, 0, sizeof(d));
    ck_assert_int_eq(heat_policy_native_enforce(p19, heat_test_pool, persona(p19, "domain_admin"), "stacks:index",
                                                "P1", &d), 0);
    ck_assert_int_eq(d.status, 500);
    ck_assert_str_eq(d.type, "InvalidScope");
    ck_assert_int_eq(heat_policy_native_enforce(p24, heat_test_pool, persona(p24, "domain_admin"), "stacks:index",
                                                "P1", &d), 0);
    ck_assert_int_eq(d.status, 403);
    ck_assert_str_eq(d.type, "Forbidden");
    ck_assert_str_eq(d.message, "You are not authorized to use stacks:index.");

    ck_assert_int_eq(heat_policy_cfn_authorize(p19, heat_test_pool, persona(p19, "domain_admin"), "ListStacks", &d), 0);
    ck_assert_int_eq(d.status, 500);
    ck_assert_str_eq(d.type, "InternalFailure");
    ck_assert_int_eq(heat_policy_cfn_authorize(p24, heat_test_pool, persona(p24, "domain_admin"), "ListStacks", &d), 0);
    ck_assert_int_eq(d.status, 403);
    ck_assert_str_eq(d.type, "AccessDenied");
    ck_assert_str_eq(d.message, "Action ListStacks not allowed for user");
}
END_TEST

/* util.registered_policy_enforce: 19.0.0 lets any admin past the tenant check and targets the
 * URL's project; 24.0.0 targets an admin's own project and refuses a context without the
 * URL's project (a system-scoped admin included). */
START_TEST(tenant_check_per_release)
{
    heat_policy_t *p19 = policy_of(HEAT_RELEASE_19), *p24 = policy_of(HEAT_RELEASE_24);
    heat_context_t *sys19 = persona(p19, "system_admin"), *sys24 = persona(p24, "system_admin");
    heat_context_t *adm24 = persona(p24, "admin_project_true");
    heat_result_t d;

    ck_assert_int_eq(sys19->is_admin, 1);
    ck_assert_ptr_null(sys24->project_id);
    memset(&d, 0, sizeof(d));
    /* a system admin on a project URL: 19 passes the tenant check (and its system rule half) */
    ck_assert_int_eq(heat_policy_native_authorize(p19, heat_test_pool, sys19, "stacks", "index", "P2", &d), 1);
    ck_assert_int_eq(heat_policy_native_authorize(p24, heat_test_pool, sys24, "stacks", "index", "P2", &d), 0);
    ck_assert_int_eq(d.status, 403);
    ck_assert_str_eq(d.type, "HTTPForbidden");
    ck_assert_str_eq(d.message, "Access was denied to this resource.");
    /* a project admin on another project's URL: 24 checks the rule against the admin's own
     * project, so "role:admin and project_id:%(project_id)s" holds */
    ck_assert_int_eq(adm24->is_admin, 1);
    ck_assert_ptr_nonnull(adm24->project_id);
    ck_assert_str_ne(adm24->project_id, "P-other");
    ck_assert_int_eq(heat_policy_native_authorize(p24, heat_test_pool, adm24, "service", "index", "P-other", &d), 1);
    /* the same rule with the URL's project as the target (what 19.0.0 passes) is denied */
    ck_assert_int_eq(heat_policy_native_enforce(p24, heat_test_pool, adm24, "service:index", "P-other", &d), 0);
    /* a member on another project's URL: 403 under both */
    ck_assert_int_eq(heat_policy_native_authorize(p24, heat_test_pool, persona(p24, "member"), "stacks", "create",
                                                  "P2", &d), 0);
    ck_assert_str_eq(d.type, "HTTPForbidden");
    ck_assert_int_eq(heat_policy_native_authorize(p19, heat_test_pool, persona(p19, "member"), "stacks", "create",
                                                  "P2", &d), 0);
    ck_assert_str_eq(d.type, "HTTPForbidden");
}
END_TEST

/* global_index(req, req.context.project_id): a context without a project passes the tenant
 * check under both releases (None == None); the rule then decides. */
START_TEST(global_index_without_project)
{
    heat_policy_t *p19 = policy_of(HEAT_RELEASE_19), *p24 = policy_of(HEAT_RELEASE_24);
    heat_context_t *r19 = persona(p19, "system_reader"), *r24 = persona(p24, "system_reader");
    heat_result_t d;

    ck_assert_ptr_null(r19->project_id);
    memset(&d, 0, sizeof(d));
    /* 19.0.0's default for global_index is "role:reader and system_scope:all" */
    ck_assert_int_eq(heat_policy_native_authorize(p19, heat_test_pool, r19, "stacks", "global_index", r19->project_id,
                                                  &d), 1);
    /* 24.0.0 denies everybody */
    ck_assert_int_eq(heat_policy_native_authorize(p24, heat_test_pool, r24, "stacks", "global_index", r24->project_id,
                                                  &d), 0);
    ck_assert_int_eq(d.status, 403);
    ck_assert_str_eq(d.type, "Forbidden");
    ck_assert_str_eq(d.message, "You are not authorized to use stacks:global_index.");
}
END_TEST

/* FaultWrapper's map: 24.0.0 added CircularDependencyException (400); 19.0.0 has no such
 * class, so oslo rebuilds it as RemoteError (a 24 engine behind a 19 API). */
START_TEST(faults_per_release)
{
    heat_result_t f;
    json_t *kw = heat_json_own(heat_test_pool, json_pack("{s:s}", "cycle", "a -> b -> a"));
    heat_rpc_failure_t fail;
    const char *code, *detail;

    ck_assert_int_eq(heat_fault_status_in("CircularDependencyException", HEAT_RELEASE_24), 400);
    ck_assert_int_eq(heat_fault_status_in("CircularDependencyException", HEAT_RELEASE_19), 500);
    ck_assert_int_eq(heat_fault_status_in("StackExists", HEAT_RELEASE_24), 409);
    ck_assert_int_eq(heat_fault_status_in("StackExists", HEAT_RELEASE_19), 409);

    heat_result_from_remote_in(heat_test_pool, HEAT_RELEASE_24, "CircularDependencyException",
                               "heat.common.exception", "Circular Dependency Found: a -> b -> a", NULL, kw, NULL, 0,
                               &f);
    ck_assert_int_eq(f.status, 400);
    ck_assert_str_eq(f.type, "CircularDependencyException");
    ck_assert_str_eq(f.message, "Circular Dependency Found: a -> b -> a");
    heat_result_from_remote_in(heat_test_pool, HEAT_RELEASE_19, "CircularDependencyException",
                               "heat.common.exception", "Circular Dependency Found: a -> b -> a", NULL, kw, NULL, 0,
                               &f);
    ck_assert_int_eq(f.status, 500);
    ck_assert_str_eq(f.type, "RemoteError");
    ck_assert_ptr_null(f.message);
    /* everything else is the same */
    heat_result_from_remote_in(heat_test_pool, HEAT_RELEASE_24, "StackExists", "heat.common.exception", "m", NULL,
                               heat_json_own(heat_test_pool, json_pack("{s:s}", "stack_name", "s")), NULL, 0, &f);
    ck_assert_int_eq(f.status, 409);
    ck_assert_str_eq(f.type, "StackExists");

    /* heat-api-cfn: the 19 API cannot rebuild it either */
    memset(&fail, 0, sizeof(fail));
    fail.cls = "CircularDependencyException";
    fail.module = "heat.common.exception";
    fail.message = "Circular Dependency Found: a -> b -> a";
    fail.kwargs = kw;
    heat_cfn_from_remote(heat_test_pool, HEAT_RELEASE_19, &fail, 0, &code, &detail);
    ck_assert_str_eq(code, heat_cfn_remote_code("RemoteError"));
    heat_cfn_from_remote(heat_test_pool, HEAT_RELEASE_24, &fail, 0, &code, &detail);
    ck_assert_str_eq(code, heat_cfn_remote_code("CircularDependencyException"));
}
END_TEST

/* 19.0.0: the healthcheck filter's path, exactly; 24.0.0: api-paste.ini's urlmap entry
 * /healthcheck below the mount point, and what is under it. */
START_TEST(healthcheck_path_per_release)
{
    /* uri, path_info, [healthcheck] path, 19, 24 */
    static const struct {
        const char *uri, *path_info, *path;
        int r19, r24;
    } cases[] = {
        {"/healthcheck", "/healthcheck", "/healthcheck", 1, 1},
        {"/healthcheck/", "/healthcheck/", "/healthcheck", 0, 1},
        {"/healthcheck/x", "/healthcheck/x", "/healthcheck", 0, 1},
        {"/healthcheckx", "/healthcheckx", "/healthcheck", 0, 0},
        {"/v1/healthcheck", "/v1/healthcheck", "/healthcheck", 0, 0},
        {"/hc", "/hc", "/hc", 1, 0},
        {"/healthcheck", "/healthcheck", "/hc", 0, 1},
        {"/heat-api/healthcheck", "/healthcheck", "/healthcheck", 0, 1},
        {"/heat-api/healthcheck", "/healthcheck", "/heat-api/healthcheck", 1, 1},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(heat_front_healthcheck_route(cases[i].uri, cases[i].path_info, cases[i].path,
                                                   HEAT_RELEASE_19) == cases[i].r19, "19: %s", cases[i].uri);
        ck_assert_msg(heat_front_healthcheck_route(cases[i].uri, cases[i].path_info, cases[i].path,
                                                   HEAT_RELEASE_24) == cases[i].r24, "24: %s", cases[i].uri);
    }
}
END_TEST

/* ---- stacks.index with_count ------------------------------------------------------------ */

typedef struct {
    int calls;
    int count_fails; /* count_stacks raises builtins.AttributeError */
} engine_t;

static void engine(void *baton, apr_pool_t *p, const char *method, json_t *args, const char *version,
                   heat_rpc_reply_t *reply)
{
    engine_t *e = baton;
    (void)p;
    (void)version;
    json_decref(args);
    memset(reply, 0, sizeof(*reply));
    e->calls++;
    if (!strcmp(method, "count_stacks") && e->count_fails) {
        reply->outcome = HEAT_RPC_REMOTE_FAILURE;
        reply->failure.cls = "AttributeError";
        reply->failure.module = "builtins";
        reply->failure.message = "'X' object has no attribute 'count'";
        return;
    }
    reply->outcome = HEAT_RPC_OK;
    reply->result = heat_json_own(heat_test_pool, !strcmp(method, "count_stacks") ? json_integer(7) : json_array());
}

static void index_with_count(heat_release_t release, int count_fails, heat_result_t *reply, engine_t *e)
{
    heat_call_t call;
    heat_settings_t settings;
    const heat_policy_t *pol = policy_of(release);

    memset(&call, 0, sizeof(call));
    memset(&settings, 0, sizeof(settings));
    memset(e, 0, sizeof(*e));
    e->count_fails = count_fails;
    settings.rpc_response_timeout = 60;
    settings.release = release;
    call.p = heat_test_pool;
    call.method = "GET";
    call.params = heat_query_parse(heat_test_pool, "with_count=true");
    call.n_query_params = call.params->nelts;
    call.vars = apr_table_make(heat_test_pool, 1);
    apr_table_set(call.vars, "tenant_id", "P1");
    call.policy = pol;
    call.ctx = persona(pol, "member");
    call.settings = &settings;
    call.url_base = "http://h/v1";
    call.path_url = "http://h/v1/P1/stacks";
    call.engine = engine;
    call.engine_baton = e;
    memset(reply, 0, sizeof(*reply));
    heat_stacks_index(&call, reply);
}

START_TEST(with_count_per_release)
{
    heat_result_t reply;
    engine_t e;

    /* both releases count when the engine answers */
    index_with_count(HEAT_RELEASE_19, 0, &reply, &e);
    ck_assert_int_eq(reply.status, 200);
    ck_assert_str_eq(reply.body, "{\"stacks\": [], \"count\": 7}");
    index_with_count(HEAT_RELEASE_24, 0, &reply, &e);
    ck_assert_int_eq(reply.status, 200);
    ck_assert_str_eq(reply.body, "{\"stacks\": [], \"count\": 7}");
    /* 19.0.0 swallows AttributeError (an "old engine") and lists without the count */
    index_with_count(HEAT_RELEASE_19, 1, &reply, &e);
    ck_assert_int_eq(e.calls, 2);
    ck_assert_int_eq(reply.status, 200);
    ck_assert_str_eq(reply.content_type, "application/json");
    ck_assert_str_eq(reply.body, "{\"stacks\": []}");
    /* 24.0.0 lets it through faultwrap: AttributeError is a 400 without a message */
    index_with_count(HEAT_RELEASE_24, 1, &reply, &e);
    ck_assert_int_eq(e.calls, 2);
    ck_assert_int_eq(reply.status, 400);
    ck_assert_str_eq(reply.body, heat_fault_json(heat_test_pool, 400, "AttributeError", NULL, NULL));
}
END_TEST

Suite *heat_test_release_suite(void)
{
    Suite *s = suite_create("release");
    TCase *tc = tcase_create("release");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, release_names_parse);
    tcase_add_test(tc, defaults_table_is_heat_24);
    tcase_add_test(tc, oslo_policy_defaults_per_release);
    tcase_add_test(tc, default_rules_per_release);
    tcase_add_test(tc, scope_mismatch_per_release);
    tcase_add_test(tc, tenant_check_per_release);
    tcase_add_test(tc, global_index_without_project);
    tcase_add_test(tc, faults_per_release);
    tcase_add_test(tc, healthcheck_path_per_release);
    tcase_add_test(tc, with_count_per_release);
    suite_add_tcase(s, tc);
    return s;
}
