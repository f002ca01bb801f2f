/* test_policy.c: the oslo.policy evaluator against the real oslo.policy 4.0.0 Enforcer with
 * heat 19.0.0's defaults. Golden data in test/golden/policy/ (capture_policy.py):
 *   matrix.json          every registered rule x personas x targets x the four
 *                        enforce_new_defaults / enforce_scope combinations, and is_admin;
 *   edge_policy.json +   rule-language edge cases (precedence, not, parentheses, literals,
 *   edge_expected.json   %-substitution, missing keys, malformed rules, list form, cycles);
 *   files/ +             policy file / policy_dirs loading, overrides, ordering, errors.
 *   files_expected.json
 * Personas are the contexts of test/golden/context/expected.json (their policy_values). */
#include "heat_test.h"
#include "heat_authorize.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heat_context.h"
#include "heat_json.h"
#include "heat_policy.h"

static apr_array_header_t *empty_array(void)
{
    return apr_array_make(heat_test_pool, 1, sizeof(const char *));
}

/* Defaults only: no file can be found, no policy_dirs. */
static heat_policy_t *load_defaults(int nd, int sc)
{
    heat_policy_options_t o;
    heat_policy_t *pol;
    const char *err;

    memset(&o, 0, sizeof(o));
    o.search_dirs = empty_array();
    o.policy_dirs = empty_array();
    o.enforce_new_defaults = nd;
    o.enforce_scope = sc;
    err = heat_policy_load(&pol, heat_test_pool, &o);
    ck_assert_msg(err == NULL, "load: %s", err);
    return pol;
}

static const char *letter(heat_policy_result_t r, const heat_policy_outcome_t *o)
{
    if (r == HEAT_POLICY_ALLOW)
        return "A";
    if (r == HEAT_POLICY_DENY)
        return "D";
    if (!strcmp(o->error_type, HEAT_POLICY_EXC_INVALID_SCOPE))
        return "S";
    return apr_pstrcat(heat_test_pool, "E:", o->error_type, NULL);
}

START_TEST(defaults_table_is_heat_19)
{
    json_t *d = heat_test_golden_json("policy/defaults.json");
    size_t i;

    ck_assert_uint_eq(json_array_size(d), heat_policy_defaults_count);
    for (i = 0; i < json_array_size(d); i++) {
        json_t *r = json_array_get(d, i), *dep = json_object_get(r, "deprecated");
        const heat_policy_default_t *c = &heat_policy_defaults[i];
        json_t *st = json_object_get(r, "scope_types");
        unsigned flags = 0;
        size_t k;
        ck_assert_str_eq(c->name, json_string_value(json_object_get(r, "name")));
        ck_assert_str_eq(c->check_str, json_string_value(json_object_get(r, "check_str")));
        for (k = 0; json_is_array(st) && k < json_array_size(st); k++) {
            const char *s = json_string_value(json_array_get(st, k));
            flags |= !strcmp(s, "system") ? HEAT_POLICY_SCOPE_SYSTEM : !strcmp(s, "project") ? HEAT_POLICY_SCOPE_PROJECT
                                                                                              : HEAT_POLICY_SCOPE_DOMAIN;
        }
        ck_assert_uint_eq(c->scope_types, flags);
        if (json_is_null(dep))
            ck_assert_ptr_null(c->deprecated_name);
        else {
            ck_assert_str_eq(c->deprecated_name, json_string_value(json_object_get(dep, "name")));
            ck_assert_str_eq(c->deprecated_check_str, json_string_value(json_object_get(dep, "check_str")));
        }
    }
}
END_TEST

START_TEST(matrix_of_default_rules)
{
    json_t *m = heat_test_golden_json("policy/matrix.json");
    json_t *ctxs = heat_test_golden_json("context/expected.json");
    json_t *configs = json_object_get(m, "configs"), *targets = json_object_get(m, "targets");
    json_t *order = json_object_get(m, "target_order"), *cfg;
    const char *cname;
    int cases = 0, failures = 0;

    ck_assert_int_eq(json_object_size(configs), 4);
    json_object_foreach(configs, cname, cfg) {
        heat_policy_t *pol = load_defaults(json_is_true(json_object_get(cfg, "enforce_new_defaults")),
                                           json_is_true(json_object_get(cfg, "enforce_scope")));
        json_t *results = json_object_get(cfg, "results"), *per_rule, *exp;
        const char *rule, *persona;

        json_object_foreach(results, rule, per_rule) {
            json_object_foreach(per_rule, persona, exp) {
                json_t *creds = json_object_get(json_object_get(ctxs, persona), "policy_values");
                size_t t;
                char got[64] = "";
                ck_assert_ptr_nonnull(creds);
                for (t = 0; t < json_array_size(order); t++) {
                    heat_policy_outcome_t o;
                    heat_policy_result_t r = heat_policy_enforce(
                        pol, heat_test_pool, rule, json_object_get(targets, json_string_value(json_array_get(order, t))),
                        creds, HEAT_POLICY_AUTHORIZE | HEAT_POLICY_RAISE, &o);
                    if (t)
                        strcat(got, " ");
                    strcat(got, letter(r, &o));
                    cases++;
                }
                if (strcmp(got, json_string_value(exp))) {
                    failures++;
                    fprintf(stderr, "%s %s %s: got %s, oslo %s\n", cname, rule, persona, got, json_string_value(exp));
                }
            }
        }
        json_object_foreach(json_object_get(cfg, "is_admin"), persona, exp) {
            json_t *creds = json_deep_copy(json_object_get(json_object_get(ctxs, persona), "policy_values"));
            heat_policy_outcome_t o;
            heat_json_own(heat_test_pool, creds);
            json_object_set_new(creds, "is_admin", json_null());
            if (strcmp(letter(heat_policy_check_is_admin(pol, heat_test_pool, creds, &o), &o), json_string_value(exp))) {
                failures++;
                fprintf(stderr, "%s is_admin %s: oslo %s\n", cname, persona, json_string_value(exp));
            }
            cases++;
        }
    }
    ck_assert_msg(failures == 0, "%d of %d cases differ from oslo.policy", failures, cases);
    ck_assert_int_ge(cases, 25000);
}
END_TEST

static heat_policy_t *load_with_file(const char *abs_policy_file)
{
    heat_policy_options_t o;
    heat_policy_t *pol;
    const char *err;

    memset(&o, 0, sizeof(o));
    o.search_dirs = empty_array();
    o.policy_dirs = empty_array();
    o.policy_file = abs_policy_file;
    o.policy_file_set = 1;
    APR_ARRAY_PUSH((apr_array_header_t *)o.search_dirs, const char *) = "/";
    err = heat_policy_load(&pol, heat_test_pool, &o);
    ck_assert_msg(err == NULL, "load: %s", err);
    return pol;
}

static const char *abs_golden(const char *rel)
{
    char cwd[4096];
    const char *g = heat_test_golden(rel);
    if (g[0] == '/')
        return g;
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    return apr_pstrcat(heat_test_pool, cwd, "/", g, NULL);
}

START_TEST(edge_cases_like_oslo)
{
    json_t *exp = heat_test_golden_json("policy/edge_expected.json");
    heat_policy_t *pol = load_with_file(abs_golden("policy/edge_policy.json"));
    json_t *creds_sets = json_object_get(exp, "creds"), *targets = json_object_get(exp, "targets"), *e;
    const char *name;
    int cases = 0, failures = 0;
    heat_policy_outcome_t o;

    json_object_foreach(json_object_get(exp, "rules"), name, e) {
        const char *str = heat_policy_rule_str(pol, heat_test_pool, name), *key;
        json_t *res;
        ck_assert_ptr_nonnull(str);
        cases++;
        if (strcmp(str, json_string_value(json_object_get(e, "str")))) {
            failures++;
            fprintf(stderr, "%s: str %s, oslo %s\n", name, str, json_string_value(json_object_get(e, "str")));
        }
        json_object_foreach(json_object_get(e, "results"), key, res) {
            char *ck = apr_pstrdup(heat_test_pool, key), *slash = strchr(ck, '/');
            const char *got;
            *slash = '\0';
            got = letter(heat_policy_enforce(pol, heat_test_pool, name, json_object_get(targets, slash + 1),
                                             json_object_get(creds_sets, ck), 0, &o), &o);
            cases++;
            if (strcmp(got, json_string_value(res))) {
                failures++;
                fprintf(stderr, "%s %s (%s): got %s, oslo %s\n", name, key,
                        json_string_value(json_object_get(e, "rule")) ? json_string_value(json_object_get(e, "rule")) : "(list)",
                        got, json_string_value(res));
            }
        }
    }
    ck_assert_str_eq(letter(heat_policy_enforce(pol, heat_test_pool, "no:such:rule", NULL,
                                                json_object_get(creds_sets, "member"), 0, &o), &o),
                     json_string_value(json_object_get(exp, "undefined_enforce")));
    ck_assert_str_eq(letter(heat_policy_enforce(pol, heat_test_pool, "no:such:rule", NULL,
                                                json_object_get(creds_sets, "member"), HEAT_POLICY_AUTHORIZE, &o), &o),
                     json_string_value(json_object_get(exp, "undefined_authorize")));
    ck_assert_msg(failures == 0, "%d of %d edge cases differ from oslo.policy", failures, cases);
    ck_assert_int_ge(cases, 800);
}
END_TEST

START_TEST(generated_rules_like_oslo)
{
    json_t *exp = heat_test_golden_json("policy/fuzz_expected.json"), *e;
    heat_policy_t *pol = load_with_file(abs_golden("policy/fuzz_policy.json"));
    json_t *creds = json_object_get(exp, "creds"), *targets = json_object_get(exp, "targets");
    const char *name;
    int cases = 0, failures = 0;

    json_object_foreach(json_object_get(exp, "rules"), name, e) {
        const char *str = heat_policy_rule_str(pol, heat_test_pool, name);
        char got[128] = "";
        size_t i;
        for (i = 0; i < json_array_size(creds); i++) {
            heat_policy_outcome_t o;
            heat_policy_result_t r = heat_policy_enforce(pol, heat_test_pool, name, json_array_get(targets, i),
                                                         json_array_get(creds, i), 0, &o);
            if (i)
                strcat(got, " ");
            strcat(got, letter(r, &o));
        }
        cases++;
        if (!str || strcmp(str, json_string_value(json_object_get(e, "str"))) ||
            strcmp(got, json_string_value(json_object_get(e, "r")))) {
            failures++;
            fprintf(stderr, "%s: %s / %s, oslo %s / %s\n", name, str ? str : "(missing)", got,
                    json_string_value(json_object_get(e, "str")), json_string_value(json_object_get(e, "r")));
        }
    }
    ck_assert_msg(failures == 0, "%d of %d generated rules differ from oslo.policy", failures, cases);
    ck_assert_int_ge(cases, 4500);
}
END_TEST

START_TEST(policy_files_and_dirs_like_oslo)
{
    json_t *exp = heat_test_golden_json("policy/files_expected.json"), *e;
    const char *cname;
    int cases = 0, failures = 0;

    json_object_foreach(exp, cname, e) {
        const char *cdir = abs_golden(apr_pstrcat(heat_test_pool, "policy/files/", cname, NULL));
        char *text = heat_test_read_file(apr_pstrcat(heat_test_pool, cdir, "/options.json", NULL), NULL), *at;
        json_t *opts, *dirs, *rules, *v;
        heat_policy_options_t o;
        heat_policy_t *pol;
        const char *err, *name;
        apr_array_header_t *sd = empty_array(), *pd = empty_array(), *names;
        size_t k;
        int i;

        while ((at = strstr(text, "@ABS@")))
            text = apr_pstrcat(heat_test_pool, apr_pstrmemdup(heat_test_pool, text, (apr_size_t)(at - text)), cdir, at + 5, NULL);
        opts = heat_json_own(heat_test_pool, json_loads(text, 0, NULL));
        ck_assert_ptr_nonnull(opts);
        memset(&o, 0, sizeof(o));
        APR_ARRAY_PUSH(sd, const char *) = cdir;
        o.search_dirs = sd;
        if (json_object_get(opts, "policy_file")) {
            o.policy_file = json_string_value(json_object_get(opts, "policy_file"));
            o.policy_file_set = 1;
        }
        dirs = json_object_get(opts, "policy_dirs");
        for (k = 0; k < json_array_size(dirs); k++)
            APR_ARRAY_PUSH(pd, const char *) = json_string_value(json_array_get(dirs, k));
        o.policy_dirs = pd;
        v = json_object_get(opts, "enforce_new_defaults");
        o.enforce_new_defaults = v && !strcmp(json_string_value(v), "true");
        err = heat_policy_load(&pol, heat_test_pool, &o);
        cases++;
        if (json_object_get(e, "error")) {
            if (!err) {
                failures++;
                fprintf(stderr, "%s: loaded, oslo raised %s\n", cname, json_string_value(json_object_get(e, "error")));
            }
            continue;
        }
        if (err) {
            failures++;
            fprintf(stderr, "%s: %s\n", cname, err);
            continue;
        }
        rules = json_object_get(e, "rules");
        names = heat_policy_rule_names(pol, heat_test_pool);
        if ((size_t)names->nelts != json_object_size(rules)) {
            failures++;
            fprintf(stderr, "%s: %d rules, oslo %zu\n", cname, names->nelts, json_object_size(rules));
        }
        for (i = 0; i < names->nelts; i++)
            if (!json_object_get(rules, APR_ARRAY_IDX(names, i, const char *))) {
                failures++;
                fprintf(stderr, "%s: extra rule %s\n", cname, APR_ARRAY_IDX(names, i, const char *));
            }
        json_object_foreach(rules, name, v) {
            const char *s = heat_policy_rule_str(pol, heat_test_pool, name);
            cases++;
            if (!s || strcmp(s, json_string_value(v))) {
                failures++;
                fprintf(stderr, "%s: %s = %s, oslo %s\n", cname, name, s ? s : "(missing)", json_string_value(v));
            }
        }
    }
    ck_assert_msg(failures == 0, "%d of %d file cases differ from oslo.policy", failures, cases);
    ck_assert_int_ge(cases, 19);
}
END_TEST

START_TEST(parser_precedence_and_str)
{
    apr_pool_t *p = heat_test_pool;
    ck_assert_str_eq(heat_policy_parse_str(p, "a:1 or b:2 and c:3"), "(a:1 or (b:2 and c:3))");
    ck_assert_str_eq(heat_policy_parse_str(p, "a:1 and b:2 or c:3 and d:4"), "((a:1 and b:2) or (c:3 and d:4))");
    ck_assert_str_eq(heat_policy_parse_str(p, "not a:1 and b:2"), "(not a:1 and b:2)");
    ck_assert_str_eq(heat_policy_parse_str(p, "not (a:1 or b:2)"), "not (a:1 or b:2)");
    ck_assert_str_eq(heat_policy_parse_str(p, "((a:1))"), "a:1");
    ck_assert_str_eq(heat_policy_parse_str(p, ""), "@");
    ck_assert_str_eq(heat_policy_parse_str(p, "a:1 b:2"), "!");
    ck_assert_str_eq(heat_policy_parse_str(p, "and"), "and");
    ck_assert_str_eq(heat_policy_parse_str(p, "A:1 OR B:2"), "(A:1 or B:2)");
}
END_TEST

static json_t *creds_of(const char *persona)
{
    json_t *ctxs = heat_test_golden_json("context/expected.json");
    return json_object_get(json_object_get(ctxs, persona), "policy_values");
}

START_TEST(scope_raise_vs_deny)
{
    heat_policy_t *pol = load_defaults(0, 1);
    json_t *creds = creds_of("domain_admin");
    heat_policy_outcome_t o;

    /* authorize(do_raise=True): InvalidScope; without raising: a plain denial */
    ck_assert_int_eq(heat_policy_enforce(pol, heat_test_pool, "stacks:index", NULL, creds,
                                         HEAT_POLICY_AUTHORIZE | HEAT_POLICY_RAISE, &o), HEAT_POLICY_ERROR);
    ck_assert_str_eq(o.error_type, "InvalidScope");
    ck_assert_int_eq(heat_policy_enforce(pol, heat_test_pool, "stacks:index", NULL, creds, HEAT_POLICY_AUTHORIZE, &o),
                     HEAT_POLICY_DENY);
    /* rules without scope_types are not checked */
    ck_assert_int_eq(heat_policy_enforce(pol, heat_test_pool, "service:index", NULL, creds,
                                         HEAT_POLICY_AUTHORIZE | HEAT_POLICY_RAISE, &o), HEAT_POLICY_ALLOW);
    /* enforce_scope off: only logged */
    pol = load_defaults(0, 0);
    ck_assert_int_eq(heat_policy_enforce(pol, heat_test_pool, "stacks:index", NULL, creds,
                                         HEAT_POLICY_AUTHORIZE | HEAT_POLICY_RAISE, &o), HEAT_POLICY_ALLOW);
}
END_TEST

START_TEST(check_text_and_python_values)
{
    heat_policy_t *pol = load_defaults(0, 0);
    json_t *creds = heat_json_own(heat_test_pool, json_pack("{s:[s], s:f, s:b, s:n, s:{s:[i,s]}}", "roles", "Réader",
                                                            "f", 1e16, "b", 1, "none", "d", "k", 1, "x"));
    json_t *target = heat_json_own(heat_test_pool, json_pack("{s:f, s:s}", "small", 1e-5, "r", "RÉADER"));

    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "f:1e+16", NULL, creds, NULL), HEAT_POLICY_ALLOW);
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "b:True and none:None", NULL, creds, NULL),
                     HEAT_POLICY_ALLOW);
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "d:{'k': [1, 'x']}", NULL, creds, NULL),
                     HEAT_POLICY_DENY); /* the space splits the check: "!" */
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "'1e-05':%(small)s", target, creds, NULL),
                     HEAT_POLICY_ALLOW);
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "role:%(r)s", target, creds, NULL), HEAT_POLICY_ALLOW);
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "0.1:0.1", NULL, creds, NULL), HEAT_POLICY_ALLOW);
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "0x10:16", NULL, creds, NULL), HEAT_POLICY_ALLOW);
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "0b1_1:3", NULL, creds, NULL), HEAT_POLICY_ALLOW);
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "99999999999999999999999:99999999999999999999999",
                                            NULL, creds, NULL), HEAT_POLICY_ALLOW);
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "0xffffffffffffffffff:4722366482869645213695", NULL,
                                            creds, NULL), HEAT_POLICY_ALLOW);
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "2j:2j", NULL, creds, NULL), HEAT_POLICY_ALLOW);
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "1e16:1e+16", NULL, creds, NULL), HEAT_POLICY_ALLOW);
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "[1,'a']:[1, 'a']", NULL, creds, NULL),
                     HEAT_POLICY_DENY); /* the space again */
    ck_assert_int_eq(heat_policy_check_text(pol, heat_test_pool, "[1,'a']:%(lst)s", NULL, creds, NULL),
                     HEAT_POLICY_DENY); /* no such target key */
}
END_TEST

/* A context built from a golden persona's token (see test_context.c for the full check). */
static heat_context_t *persona_ctx(const heat_policy_t *pol, const char *persona)
{
    json_t *cases = heat_test_golden_json("context/cases.json"), *c = json_object_get(cases, persona);
    heat_context_request_t req;
    heat_context_t *ctx;
    const char *err;

    memset(&req, 0, sizeof(req));
    req.auth_token = json_string_value(json_object_get(c, "auth_token"));
    req.token = json_object_get(c, "token");
    req.request_id = json_string_value(json_object_get(c, "request_id"));
    err = heat_context_from_token(&ctx, heat_test_pool, &req, pol, NULL);
    ck_assert_msg(err == NULL, "%s", err);
    return ctx;
}

START_TEST(native_checks_as_heat_api)
{
    heat_policy_t *pol = load_defaults(0, 0);
    heat_result_t d;

    memset(&d, 0, sizeof(d));
    ck_assert_int_eq(heat_policy_native_authorize(pol, heat_test_pool, persona_ctx(pol, "member"), "stacks", "create",
                                                  "P1", &d), 1);
    /* another project's URL */
    ck_assert_int_eq(heat_policy_native_authorize(pol, heat_test_pool, persona_ctx(pol, "member"), "stacks", "create",
                                                  "P2", &d), 0);
    ck_assert_int_eq(d.status, 403);
    ck_assert_str_eq(d.type, "HTTPForbidden");
    ck_assert_str_eq(d.message, "Access was denied to this resource.");
    /* admins pass the tenant check */
    ck_assert_int_eq(heat_policy_native_authorize(pol, heat_test_pool, persona_ctx(pol, "admin_region_authurl"),
                                                  "stacks", "index", "P2", &d), 1);
    /* system-scoped reader: no project, not admin; the "all" exemption is dead in 19.0.0 */
    ck_assert_int_eq(heat_policy_native_authorize(pol, heat_test_pool, persona_ctx(pol, "system_reader"), "stacks",
                                                  "global_index", "P1", &d), 0);
    ck_assert_str_eq(d.type, "HTTPForbidden");
    /* a policy denial */
    ck_assert_int_eq(heat_policy_native_authorize(pol, heat_test_pool, persona_ctx(pol, "stack_user"), "stacks",
                                                  "create", "P1", &d), 0);
    ck_assert_int_eq(d.status, 403);
    ck_assert_str_eq(d.type, "Forbidden");
    ck_assert_str_eq(d.message, "You are not authorized to use stacks:create.");
    /* an unregistered rule: 500 without a message */
    ck_assert_int_eq(heat_policy_native_authorize(pol, heat_test_pool, persona_ctx(pol, "member"), "stacks", "nope",
                                                  "P1", &d), 0);
    ck_assert_int_eq(d.status, 500);
    ck_assert_str_eq(d.type, "PolicyNotRegistered");
    ck_assert_ptr_null(d.message);
    /* global_index with the ctx's project */
    ck_assert_int_eq(heat_policy_native_enforce(pol, heat_test_pool, persona_ctx(pol, "member"), "stacks:global_index",
                                                "P1", &d), 0);
    ck_assert_str_eq(d.message, "You are not authorized to use stacks:global_index.");
    ck_assert_int_eq(heat_policy_native_enforce(pol, heat_test_pool, persona_ctx(pol, "system_admin"),
                                                "stacks:global_index", NULL, &d), 1);
}
END_TEST

START_TEST(cfn_checks_as_heat_api_cfn)
{
    heat_policy_t *pol = load_defaults(0, 0);
    heat_result_t d;

    ck_assert_int_eq(heat_policy_cfn_authorize(pol, heat_test_pool, persona_ctx(pol, "member"), "ListStacks", &d), 1);
    ck_assert_int_eq(heat_policy_cfn_authorize(pol, heat_test_pool, persona_ctx(pol, "stack_user"), "ListStacks", &d), 0);
    ck_assert_int_eq(d.status, 403);
    ck_assert_str_eq(d.type, "AccessDenied");
    ck_assert_str_eq(d.message, "Action ListStacks not allowed for user");
    ck_assert_int_eq(heat_policy_cfn_authorize(pol, heat_test_pool, persona_ctx(pol, "stack_user"),
                                               "DescribeStackResource", &d), 1);
    ck_assert_int_eq(heat_policy_cfn_authorize(pol, heat_test_pool, persona_ctx(pol, "member"), "Bogus", &d), 0);
    ck_assert_int_eq(d.status, 500);
    ck_assert_str_eq(d.type, "InternalFailure");
    ck_assert_str_eq(d.message, "Error authorizing action Bogus");
    /* with the new defaults the empty target denies every project-scoped user */
    pol = load_defaults(1, 0);
    ck_assert_int_eq(heat_policy_cfn_authorize(pol, heat_test_pool, persona_ctx(pol, "member"), "ListStacks", &d), 0);
    ck_assert_int_eq(heat_policy_cfn_authorize(pol, heat_test_pool, persona_ctx(pol, "system_reader"), "ListStacks", &d),
                     1);
}
END_TEST

/* A context like RequestContext(roles=..., project_id=..., user_id='u', system_scope=...). */
static heat_context_t *simple_ctx(const heat_policy_t *pol, const char *roles_csv, const char *project, int system)
{
    json_t *token = heat_json_own(heat_test_pool, json_pack("{s:{s:{s:s}, s:[]}}", "token", "user", "id", "u", "roles"));
    json_t *t = json_object_get(token, "token");
    heat_context_request_t req;
    heat_context_t *ctx;
    char *list = apr_pstrdup(heat_test_pool, roles_csv), *last, *r;

    for (r = apr_strtok(list, ",", &last); r; r = apr_strtok(NULL, ",", &last))
        json_array_append_new(json_object_get(t, "roles"), json_pack("{s:s}", "name", r));
    if (project)
        json_object_set_new(t, "project", json_pack("{s:s}", "id", project));
    if (system)
        json_object_set_new(t, "system", json_pack("{s:b}", "all", 1));
    memset(&req, 0, sizeof(req));
    req.token = token;
    ck_assert_ptr_null(heat_context_from_token(&ctx, heat_test_pool, &req, pol, NULL));
    return ctx;
}

START_TEST(api_faults_as_heat_api)
{
    json_t *exp = heat_test_golden_json("policy/api/expected.json"), *e;
    heat_policy_t *pol = load_with_file(abs_golden("policy/api/policy.yaml"));
    const char *name;
    int n = 0;

    json_object_foreach(exp, name, e) {
        heat_result_t d;
        int ok;
        memset(&d, 0, sizeof(d));
        if (!strcmp(name, "member_create"))
            ok = heat_policy_native_authorize(pol, heat_test_pool, simple_ctx(pol, "member", "P1", 0), "stacks", "create", "P1", &d);
        else if (!strcmp(name, "stack_user_create"))
            ok = heat_policy_native_authorize(pol, heat_test_pool, simple_ctx(pol, "heat_stack_user", "P1", 0), "stacks", "create", "P1", &d);
        else if (!strcmp(name, "member_other_tenant"))
            ok = heat_policy_native_authorize(pol, heat_test_pool, simple_ctx(pol, "member", "P1", 0), "stacks", "create", "P2", &d);
        else if (!strcmp(name, "admin_other_tenant"))
            ok = heat_policy_native_authorize(pol, heat_test_pool, simple_ctx(pol, "admin", "P1", 0), "stacks", "create", "P2", &d);
        else if (!strcmp(name, "system_reader_global_index"))
            ok = heat_policy_native_authorize(pol, heat_test_pool, simple_ctx(pol, "reader", NULL, 1), "stacks", "global_index", "P1", &d);
        else if (!strcmp(name, "system_admin_global_index"))
            ok = heat_policy_native_authorize(pol, heat_test_pool, simple_ctx(pol, "admin", NULL, 1), "stacks", "global_index", "P1", &d);
        else if (!strcmp(name, "type_error"))
            ok = heat_policy_native_authorize(pol, heat_test_pool, simple_ctx(pol, "member", "P1", 0), "stacks", "index", "P1", &d);
        else if (!strcmp(name, "attribute_error"))
            ok = heat_policy_native_authorize(pol, heat_test_pool, simple_ctx(pol, "member", "P1", 0), "stacks", "show", "P1", &d);
        else if (!strcmp(name, "syntax_error"))
            ok = heat_policy_native_authorize(pol, heat_test_pool, simple_ctx(pol, "member", "P1", 0), "stacks", "detail", "P1", &d);
        else if (!strcmp(name, "value_error"))
            ok = heat_policy_native_authorize(pol, heat_test_pool, simple_ctx(pol, "member", "P1", 0), "stacks", "template", "P1", &d);
        else if (!strcmp(name, "not_registered"))
            ok = heat_policy_native_authorize(pol, heat_test_pool, simple_ctx(pol, "member", "P1", 0), "stacks", "nope", "P1", &d);
        else if (!strcmp(name, "cfn_member_create"))
            ok = heat_policy_cfn_authorize(pol, heat_test_pool, simple_ctx(pol, "member", "P1", 0), "CreateStack", &d);
        else if (!strcmp(name, "cfn_stack_user_create"))
            ok = heat_policy_cfn_authorize(pol, heat_test_pool, simple_ctx(pol, "heat_stack_user", "P1", 0), "CreateStack", &d);
        else if (!strcmp(name, "cfn_error"))
            ok = heat_policy_cfn_authorize(pol, heat_test_pool, simple_ctx(pol, "member", "P1", 0), "ListStacks", &d);
        else if (!strcmp(name, "cfn_not_registered"))
            ok = heat_policy_cfn_authorize(pol, heat_test_pool, simple_ctx(pol, "member", "P1", 0), "Bogus", &d);
        else
            ck_abort_msg("unknown case %s", name);
        n++;
        if (json_integer_value(json_object_get(e, "status")) == 200) {
            ck_assert_msg(ok == 1, "%s: refused (%d %s)", name, d.status, d.type);
            continue;
        }
        ck_assert_msg(ok == 0, "%s: allowed", name);
        ck_assert_int_eq(d.status, json_integer_value(json_object_get(e, "status")));
        ck_assert_str_eq(d.type, json_string_value(json_object_get(e, "type")));
        if (json_is_null(json_object_get(e, "message")))
            ck_assert_ptr_null(d.message);
        else
            ck_assert_str_eq(d.message, json_string_value(json_object_get(e, "message")));
    }
    ck_assert_int_eq(n, 15);
}
END_TEST

START_TEST(context_errors_map_like_heat)
{
    heat_policy_outcome_t o;
    heat_result_t d;

    memset(&o, 0, sizeof(o));
    o.result = HEAT_POLICY_ERROR;
    o.error_type = "AttributeError";
    heat_policy_context_error(&o, 0, &d);
    ck_assert_int_eq(d.status, 400);
    ck_assert_str_eq(d.type, "AttributeError");
    ck_assert_ptr_null(d.message);
    o.error_type = "TypeError";
    heat_policy_context_error(&o, 0, &d);
    ck_assert_int_eq(d.status, 500);
    heat_policy_context_error(&o, 1, &d);
    ck_assert_int_eq(d.status, 500);
    ck_assert_ptr_null(d.type);
}
END_TEST

START_TEST(a_broken_context_is_admin_fails_the_context)
{
    /* context_is_admin overridden by a file with a rule that raises (a bare string) */
    heat_policy_t *pol;
    heat_policy_options_t o;
    json_t *cases = heat_test_golden_json("context/cases.json");
    heat_context_request_t req;
    heat_context_t *ctx;
    heat_policy_outcome_t err;
    const char *dir = apr_pstrcat(heat_test_pool, "/tmp/heat-policy-test-", apr_itoa(heat_test_pool, getpid()), NULL);
    FILE *f;

    ck_assert(apr_dir_make_recursive(dir, APR_OS_DEFAULT, heat_test_pool) == APR_SUCCESS);
    f = fopen(apr_pstrcat(heat_test_pool, dir, "/policy.yaml", NULL), "w");
    ck_assert_ptr_nonnull(f);
    fputs("context_is_admin: \"'oops'\"\n", f);
    fclose(f);
    memset(&o, 0, sizeof(o));
    o.search_dirs = empty_array();
    APR_ARRAY_PUSH((apr_array_header_t *)o.search_dirs, const char *) = dir;
    o.policy_dirs = empty_array();
    ck_assert_ptr_null(heat_policy_load(&pol, heat_test_pool, &o));
    memset(&req, 0, sizeof(req));
    req.auth_token = "t";
    req.token = json_object_get(json_object_get(cases, "member"), "token");
    ck_assert_ptr_nonnull(heat_context_from_token(&ctx, heat_test_pool, &req, pol, &err));
    ck_assert_str_eq(err.error_type, "AttributeError");
    remove(apr_pstrcat(heat_test_pool, dir, "/policy.yaml", NULL));
    remove(dir);
}
END_TEST

START_TEST(yaml_files_read_as_safe_load)
{
    /* What oslo.policy 4.0.0 (parse_file_contents, then parse_rule) makes of these files; "E:" an
     * exception, else stacks:create's rule ("-" when no rule names it; names: the rules set). The
     * first four differ from mod_heat's earlier own YAML loop (duplicate keys, !!set, !!omap,
     * !!binary), the others did not change. */
    static const struct {
        const char *text, *expect, *absent;
    } cases[] = {
        {"stacks:create: 5\nstacks:create: \"@\"\n", "@", NULL},
        {"stacks:create: !!set {role:a}\n", "role:a", NULL},
        {"stacks:create: !!omap [{role:a: x}]\n", "(role:a and !)", NULL},
        {"stacks:create: !!binary \"\"\n", "@", NULL},
        {"stacks:create: !!binary cm9sZTph\n", "E:TypeError: 'int' object is not iterable", NULL},
        {"2001-12-14: \"@\"\nstacks:create: role:a\n", "role:a", "2001-12-14"},
        {"2001-12-14\n", "E:AttributeError: 'datetime.date' object has no attribute 'items'", NULL},
        {".inf: \"@\"\n", "-", "inf"},
        {"123456789012345678901234567890: \"@\"\n", "-", "123456789012345678901234567890"},
        {"stacks:create: !!timestamp 2001-13-14\n", "E:ValueError: month must be in 1..12", NULL},
        {"stacks:create: [[2001-12-14, role:a]]\n", "(! and role:a)", NULL},
        {"stacks:create: !!bool 1\n", "E:KeyError: '1'", NULL},
        {"stacks:create: [\n", "E:ValueError: while parsing a flow node\nexpected the node content, but found "
                               "'<stream end>'\n  in \"<unicode string>\", line 2, column 1:\n    \n    ^", NULL},
    };
    const char *dir = apr_pstrcat(heat_test_pool, "/tmp/heat-policy-yaml-", apr_itoa(heat_test_pool, getpid()), NULL);
    const char *file = apr_pstrcat(heat_test_pool, dir, "/policy.yaml", NULL);
    size_t i;

    ck_assert(apr_dir_make_recursive(dir, APR_OS_DEFAULT, heat_test_pool) == APR_SUCCESS);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        heat_policy_options_t o;
        heat_policy_t *pol;
        const char *err, *got;
        FILE *f = fopen(file, "w");
        ck_assert_ptr_nonnull(f);
        fputs(cases[i].text, f);
        fclose(f);
        memset(&o, 0, sizeof(o));
        o.search_dirs = empty_array();
        APR_ARRAY_PUSH((apr_array_header_t *)o.search_dirs, const char *) = dir;
        o.policy_dirs = empty_array();
        o.policy_file = "policy.yaml";
        o.policy_file_set = 1;
        err = heat_policy_load(&pol, heat_test_pool, &o);
        if (err) {
            /* the exception ends the message (after the file's path, and the rule's name) */
            size_t n;
            ck_assert_msg(!strncmp(cases[i].expect, "E:", 2), "case %zu: %s", i, err);
            n = strlen(cases[i].expect + 2);
            ck_assert_msg(strlen(err) > n + 2 && !strcmp(err + strlen(err) - n - 2, apr_pstrcat(heat_test_pool, ": ", cases[i].expect + 2, NULL)),
                          "case %zu: %s, oslo %s", i, err, cases[i].expect + 2);
            continue;
        }
        ck_assert_msg(strncmp(cases[i].expect, "E:", 2), "case %zu loaded, oslo raised %s", i, cases[i].expect);
        ck_assert_int_eq(heat_policy_files(pol)->nelts, 1);
        if (strcmp(cases[i].expect, "-")) {
            got = heat_policy_rule_str(pol, heat_test_pool, "stacks:create");
            ck_assert_msg(got && !strcmp(got, cases[i].expect), "case %zu: %s, oslo %s", i, got ? got : "(none)",
                          cases[i].expect);
        }
        if (cases[i].absent)
            ck_assert_ptr_null(heat_policy_rule_str(pol, heat_test_pool, cases[i].absent));
    }
    remove(file);
    remove(dir);
}
END_TEST

START_TEST(search_dirs_order)
{
    apr_array_header_t *cd = empty_array(), *cf = empty_array(), *d;
    APR_ARRAY_PUSH(cd, const char *) = "/etc/heat/heat.conf.d";
    APR_ARRAY_PUSH(cf, const char *) = "/etc/heat/heat.conf";
    APR_ARRAY_PUSH(cf, const char *) = "/srv/x/extra.conf";
    d = heat_policy_search_dirs(heat_test_pool, cd, cf);
    ck_assert_int_eq(d->nelts, 7);
    ck_assert_str_eq(APR_ARRAY_IDX(d, 0, const char *), "/etc/heat/heat.conf.d");
    ck_assert_str_eq(APR_ARRAY_IDX(d, 1, const char *), "/srv/x");
    ck_assert_str_eq(APR_ARRAY_IDX(d, 2, const char *), "/etc/heat");
    ck_assert_str_eq(APR_ARRAY_IDX(d, 5, const char *), "/etc/heat");
    ck_assert_str_eq(APR_ARRAY_IDX(d, 6, const char *), "/etc");
}
END_TEST

Suite *heat_test_policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("policy");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, defaults_table_is_heat_19);
    tcase_add_test(tc, matrix_of_default_rules);
    tcase_add_test(tc, edge_cases_like_oslo);
    tcase_add_test(tc, generated_rules_like_oslo);
    tcase_add_test(tc, policy_files_and_dirs_like_oslo);
    tcase_add_test(tc, parser_precedence_and_str);
    tcase_add_test(tc, scope_raise_vs_deny);
    tcase_add_test(tc, check_text_and_python_values);
    tcase_add_test(tc, native_checks_as_heat_api);
    tcase_add_test(tc, cfn_checks_as_heat_api_cfn);
    tcase_add_test(tc, api_faults_as_heat_api);
    tcase_add_test(tc, context_errors_map_like_heat);
    tcase_add_test(tc, a_broken_context_is_admin_fails_the_context);
    tcase_add_test(tc, search_dirs_order);
    tcase_add_test(tc, yaml_files_read_as_safe_load);
    suite_add_tcase(s, tc);
    return s;
}
