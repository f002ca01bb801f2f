/* test_alias_budget.c: what YAML aliases may add to a request's template and environment
 * together (HEAT_YAML_MAX_ALIAS_BYTES, README "Limits"): just under is accepted, just over is
 * 400 RequestLimitExceeded, and the two documents share the bound. */
#include "heat_test.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_template.h"
#include "heat_yaml.h"

/* A valid HOT template (or, env set, an environment) whose parameter defaults are one scalar
 * of scalar bytes, anchored once and aliased refs times: the aliases add refs x (scalar + 4)
 * bytes (a scalar's JSON estimate is its bytes plus quotes and separator). */
static const char *aliased(apr_pool_t *p, int env, size_t scalar, int refs)
{
    char *x = apr_palloc(p, scalar + 1);
    const char *doc;
    int i;

    memset(x, 'x', scalar);
    x[scalar] = '\0';
    if (env) {
        doc = apr_psprintf(p, "parameter_defaults:\n  p0: &b \"%s\"\n", x);
        for (i = 1; i <= refs; i++)
            doc = apr_psprintf(p, "%s  p%d: *b\n", doc, i);
        return doc;
    }
    doc = apr_psprintf(p, "heat_template_version: 2018-08-31\nparameters:\n"
                          "  p0: {type: string, default: &b \"%s\"}\n", x);
    for (i = 1; i <= refs; i++)
        doc = apr_psprintf(p, "%s  p%d: {type: string, default: *b}\n", doc, i);
    return doc;
}

/* The scalar size for refs aliases that add just under the bound (over: a few bytes over). */
static size_t edge_scalar(int refs, int over)
{
    return HEAT_YAML_MAX_ALIAS_BYTES / (size_t)refs - 4 + (over ? 1 : 0);
}

static json_t *tpl(apr_pool_t *p, const char *doc, heat_pyexc_t *exc)
{
    return heat_template_parse(p, doc, strlen(doc), 524288, exc);
}

static json_t *env(apr_pool_t *p, const char *doc, heat_pyexc_t *exc)
{
    return heat_environment_parse(p, doc, strlen(doc), exc);
}

/* A request: its own pool and node budget, as the router starts them. */
static apr_pool_t *request(void)
{
    apr_pool_t *p;
    apr_pool_create(&p, heat_test_pool);
    heat_nodes_start(p, 1048576);
    return p;
}

static void assert_alias_refusal(const heat_pyexc_t *exc, const char *what)
{
    ck_assert_str_eq(exc->type, "RequestLimitExceeded");
    ck_assert_msg(strstr(exc->message, apr_psprintf(heat_test_pool, "Request limit exceeded: YAML aliases expanded "
                                                                    "in the %s add ", what)) == exc->message,
                  "%s", exc->message);
    ck_assert_ptr_nonnull(strstr(exc->message, "more than the 524288 bytes allowed."));
}

START_TEST(template_just_under_and_over)
{
    heat_pyexc_t exc = {NULL, NULL};
    json_t *v;

    v = tpl(request(), aliased(heat_test_pool, 0, edge_scalar(5, 0), 5), &exc);
    ck_assert_msg(v != NULL, "%s", exc.message ? exc.message : "");
    ck_assert_uint_eq(json_string_length(json_object_get(
                          json_object_get(json_object_get(v, "parameters"), "p5"), "default")),
                      edge_scalar(5, 0));
    ck_assert_ptr_null(tpl(request(), aliased(heat_test_pool, 0, edge_scalar(5, 1), 5), &exc));
    assert_alias_refusal(&exc, "Template");
    /* the bound holds for templates fetched as bytes too */
    {
        const char *doc = aliased(heat_test_pool, 0, edge_scalar(5, 1), 5);
        apr_pool_t *p = request();
        ck_assert_ptr_null(heat_template_parse_bytes(p, doc, strlen(doc), 524288, &exc));
        assert_alias_refusal(&exc, "Template");
    }
}
END_TEST

START_TEST(environment_just_under_and_over)
{
    heat_pyexc_t exc = {NULL, NULL};
    json_t *v;

    v = env(request(), aliased(heat_test_pool, 1, edge_scalar(5, 0), 5), &exc);
    ck_assert_msg(v != NULL, "%s", exc.message ? exc.message : "");
    ck_assert_ptr_null(env(request(), aliased(heat_test_pool, 1, edge_scalar(5, 1), 5), &exc));
    assert_alias_refusal(&exc, "Environment");
}
END_TEST

/* Each document under the bound, both together over: the second one is refused. */
START_TEST(template_and_environment_share_the_bound)
{
    heat_pyexc_t exc = {NULL, NULL};
    apr_pool_t *p = request();
    const char *half = aliased(heat_test_pool, 0, edge_scalar(6, 0), 3);

    ck_assert_ptr_nonnull(tpl(p, half, &exc));
    ck_assert_ptr_nonnull(env(p, aliased(heat_test_pool, 1, edge_scalar(6, 0), 3), &exc)); /* just under */
    ck_assert_ptr_null(env(p, aliased(heat_test_pool, 1, 10, 1), &exc));                    /* 14 more */
    assert_alias_refusal(&exc, "Environment");
    /* a refused document spends nothing, and one without aliases still loads */
    ck_assert_ptr_nonnull(env(p, aliased(heat_test_pool, 1, 1000, 0), &exc));
    ck_assert_uint_le(heat_nodes_of(p)->alias_bytes, HEAT_YAML_MAX_ALIAS_BYTES);
    /* in another request, the same documents in the other order */
    p = request();
    ck_assert_ptr_nonnull(env(p, aliased(heat_test_pool, 1, 300 * 1024, 1), &exc));
    ck_assert_ptr_null(tpl(p, aliased(heat_test_pool, 0, 300 * 1024, 1), &exc));
    assert_alias_refusal(&exc, "Template");
}
END_TEST

/* What templates do with aliases (a block of properties shared by a few resources) is far
 * below the bound; a template without aliases spends none of it. */
START_TEST(normal_alias_use_is_accepted)
{
    heat_pyexc_t exc = {NULL, NULL};
    apr_pool_t *p = request();
    const char *doc = "heat_template_version: 2018-08-31\n"
                      "resources:\n"
                      "  a: {type: OS::Nova::Server, properties: &props {image: cirros, flavor: m1.tiny,\n"
                      "      networks: [{network: private}], metadata: {role: web, tier: front}}}\n"
                      "  b: {type: OS::Nova::Server, properties: *props}\n"
                      "  c: {type: OS::Nova::Server, properties: {<<: *props, flavor: m1.small}}\n";
    json_t *v;
    int i;

    for (i = 0; i < 100; i++) { /* within one request: some KiB each */
        v = tpl(p, doc, &exc);
        ck_assert_msg(v != NULL, "%s", exc.message ? exc.message : "");
    }
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(json_object_get(
                         json_object_get(v, "resources"), "c"), "properties"), "metadata"), "role")),
                     "web");
    ck_assert_uint_lt(heat_nodes_of(p)->alias_bytes, 100 * 1024);
}
END_TEST

Suite *heat_test_alias_budget_suite(void)
{
    Suite *s = suite_create("alias_budget");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, template_just_under_and_over);
    tcase_add_test(tc, environment_just_under_and_over);
    tcase_add_test(tc, template_and_environment_share_the_bound);
    tcase_add_test(tc, normal_alias_use_is_accepted);
    suite_add_tcase(s, tc);
    return s;
}
