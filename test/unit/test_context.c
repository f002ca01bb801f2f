/* test_context.c: the request context against heat 19.0.0's own code. For every case of
 * test/golden/context/cases.json (a Keystone v3 token body plus request facts),
 * expected.json holds what heat-api's real chain produced (capture_context.py:
 * keystonemiddleware headers -> oslo.context from_environ -> heat ContextMiddleware ->
 * RequestContext with is_admin from heat's default policy): to_dict() and the policy
 * values. Client-supplied identity headers in a case are ignored by design, as
 * keystonemiddleware strips them. */
#include "heat_test.h"

#include <apr_strings.h>
#include <stdio.h>
#include <string.h>

#include "heat_context.h"
#include "heat_json.h"
#include "heat_policy.h"

static heat_policy_t *default_policy(void)
{
    heat_policy_options_t o;
    heat_policy_t *pol;
    memset(&o, 0, sizeof(o));
    o.search_dirs = apr_array_make(heat_test_pool, 1, sizeof(const char *));
    o.policy_dirs = apr_array_make(heat_test_pool, 1, sizeof(const char *));
    ck_assert_ptr_null(heat_policy_load(&pol, heat_test_pool, &o));
    return pol;
}

static const char *hdr(json_t *c, const char *name)
{
    return json_string_value(json_object_get(json_object_get(c, "client_headers"), name));
}

static heat_context_t *build(const heat_policy_t *pol, json_t *c)
{
    heat_context_request_t req;
    heat_context_t *ctx;
    const char *err;

    memset(&req, 0, sizeof(req));
    req.auth_token = json_string_value(json_object_get(c, "auth_token"));
    req.token = json_object_get(c, "token");
    req.service_token = json_string_value(json_object_get(c, "service_token"));
    req.service_token_body = json_object_get(c, "service_token_body");
    req.request_id = json_string_value(json_object_get(c, "request_id"));
    req.global_request_id = json_string_value(json_object_get(c, "global_request_id"));
    req.region_name = hdr(c, "X-Region-Name");
    req.auth_url = hdr(c, "X-Auth-Url");
    req.auth_user = hdr(c, "X-Auth-User");
    req.auth_key = hdr(c, "X-Auth-Key");
    req.ec2_creds = hdr(c, "X-Auth-EC2-Creds");
    err = heat_context_from_token(&ctx, heat_test_pool, &req, pol, NULL);
    ck_assert_msg(err == NULL, "%s", err);
    return ctx;
}

/* Key by key, so a failure names the key. */
static int compare(const char *what, const char *cname, json_t *got, json_t *exp)
{
    const char *k;
    json_t *v;
    int bad = 0;

    json_object_foreach(exp, k, v) {
        json_t *g = json_object_get(got, k);
        if (!g || !json_equal(g, v)) {
            char *gs = g ? json_dumps(g, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
            char *es = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            fprintf(stderr, "%s %s[%s]: got %.200s, heat %.200s\n", cname, what, k, gs ? gs : "(missing)", es);
            free(gs);
            free(es);
            bad++;
        }
    }
    json_object_foreach(got, k, v)
        if (!json_object_get(exp, k)) {
            fprintf(stderr, "%s %s: extra key %s\n", cname, what, k);
            bad++;
        }
    return bad;
}

START_TEST(contexts_match_heat)
{
    json_t *cases = heat_test_golden_json("context/cases.json"), *exp = heat_test_golden_json("context/expected.json"), *c;
    heat_policy_t *pol = default_policy();
    const char *cname;
    int bad = 0, n = 0;

    json_object_foreach(cases, cname, c) {
        heat_context_t *ctx = build(pol, c);
        json_t *e = json_object_get(exp, cname);
        ck_assert_ptr_nonnull(e);
        bad += compare("to_dict", cname, heat_context_to_dict(ctx, heat_test_pool), json_object_get(e, "to_dict"));
        bad += compare("policy_values", cname, heat_context_policy_creds(ctx, heat_test_pool),
                       json_object_get(e, "policy_values"));
        n++;
    }
    ck_assert_msg(bad == 0, "%d differences from heat", bad);
    ck_assert_int_ge(n, 20);
}
END_TEST

START_TEST(to_dict_key_order_is_heat_19)
{
    static const char *const keys[] = {
        "auth_token", "username", "user_id", "password", "aws_creds", "tenant", "tenant_id", "project_name",
        "project_id", "trust_id", "trustor_user_id", "auth_token_info", "auth_url", "roles", "is_admin", "user",
        "request_id", "global_request_id", "show_deleted", "region_name", "user_identity", "user_domain_id",
        "project_domain_id", NULL};
    json_t *d = heat_context_to_dict(heat_context_admin(heat_test_pool), heat_test_pool);
    const char *k;
    json_t *v;
    int i = 0;

    json_object_foreach(d, k, v)
        ck_assert_str_eq(k, keys[i++]);
    ck_assert_ptr_null(keys[i]);
    ck_assert_int_eq(i, 23);
}
END_TEST

START_TEST(admin_context_matches_heat)
{
    json_t *exp = json_object_get(json_object_get(heat_test_golden_json("context/expected.json"), "admin_context"), "to_dict");
    heat_context_t *ctx = heat_context_admin(heat_test_pool);
    json_t *d = heat_context_to_dict(ctx, heat_test_pool);
    const char *rid = json_string_value(json_object_get(d, "request_id"));

    ck_assert_int_eq(strlen(rid), 40);
    ck_assert(!strncmp(rid, "req-", 4));
    ck_assert_int_eq(rid[18], '4'); /* uuid4 */
    ck_assert_ptr_nonnull(strchr("89ab", rid[23]));
    json_object_set_new(d, "request_id", json_string("<generated>"));
    ck_assert_int_eq(compare("to_dict", "admin", d, exp), 0);
    ck_assert_str_ne(heat_context_new_request_id(heat_test_pool), heat_context_new_request_id(heat_test_pool));
}
END_TEST

START_TEST(no_request_id_generates_one)
{
    json_t *cases = heat_test_golden_json("context/cases.json");
    json_t *c = json_deep_copy(json_object_get(cases, "member"));
    heat_context_t *ctx;

    heat_json_own(heat_test_pool, c);
    json_object_del(c, "request_id");
    ctx = build(NULL, c);
    ck_assert(!strncmp(ctx->request_id, "req-", 4));
    ck_assert_int_eq(ctx->is_admin, 0); /* no policy: not admin */
    ck_assert_str_eq(heat_context_user_identity(ctx, heat_test_pool), "u1 P1");
}
END_TEST

START_TEST(token_info_gets_version_and_stripped_token)
{
    json_t *cases = heat_test_golden_json("context/cases.json");
    json_t *c = json_deep_copy(json_object_get(cases, "member"));
    heat_context_t *ctx;
    json_t *t;

    heat_json_own(heat_test_pool, c);
    json_object_set_new(c, "auth_token", json_string("  gAAAA-x \t"));
    ctx = build(NULL, c);
    ck_assert_str_eq(ctx->auth_token, "  gAAAA-x \t"); /* the header as sent */
    t = json_object_get(ctx->auth_token_info, "token");
    ck_assert_str_eq(json_string_value(json_object_get(t, "version")), "v3");
    ck_assert_str_eq(json_string_value(json_object_get(t, "auth_token")), "gAAAA-x");
    ck_assert_ptr_nonnull(json_object_get(t, "catalog"));
    /* the caller's token body is not modified */
    ck_assert_ptr_null(json_object_get(json_object_get(json_object_get(c, "token"), "token"), "version"));
}
END_TEST

START_TEST(bad_token_bodies)
{
    heat_context_request_t req;
    heat_context_t *ctx;
    json_t *body = heat_json_own(heat_test_pool, json_pack("{s:{s:{}}}", "token", "project"));

    memset(&req, 0, sizeof(req));
    req.token = body;
    ck_assert_ptr_nonnull(heat_context_from_token(&ctx, heat_test_pool, &req, NULL, NULL));
    req.token = heat_json_own(heat_test_pool, json_pack("{s:s}", "access", "v2"));
    ck_assert_ptr_nonnull(heat_context_from_token(&ctx, heat_test_pool, &req, NULL, NULL));
}
END_TEST

Suite *heat_test_context_suite(void)
{
    Suite *s = suite_create("context");
    TCase *tc = tcase_create("context");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, contexts_match_heat);
    tcase_add_test(tc, to_dict_key_order_is_heat_19);
    tcase_add_test(tc, admin_context_matches_heat);
    tcase_add_test(tc, no_request_id_generates_one);
    tcase_add_test(tc, token_info_gets_version_and_stripped_token);
    tcase_add_test(tc, bad_token_bodies);
    suite_add_tcase(s, tc);
    return s;
}
