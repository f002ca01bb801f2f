/* test_webob.c: WebOb status bodies and Accept negotiation, replayed against what WebOb 1.8
 * itself produced (test/golden/front/webob.json, made by capture.py). */
#include "heat_test.h"

#include <jansson.h>
#include <string.h>

#include "heat_json.h"
#include "heat_webob.h"

static const char *opt_string(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

START_TEST(webob_golden_bodies)
{
    json_error_t jerr;
    json_t *cases = heat_json_own(heat_test_pool, json_load_file(heat_test_golden("front/webob.json"), 0, &jerr));
    size_t i;
    json_t *c;

    ck_assert_msg(cases != NULL, "webob.json: %s", jerr.text);
    ck_assert_int_gt(json_array_size(cases), 50);
    json_array_foreach(cases, i, c) {
        int status = (int)json_integer_value(json_object_get(c, "status"));
        const char *accept = opt_string(c, "accept");
        heat_webob_body_t b = opt_string(c, "location")
            ? heat_webob_redirect_body(heat_test_pool, status, accept, opt_string(c, "location"))
            : heat_webob_body(heat_test_pool, status, accept, NULL, opt_string(c, "detail"),
                              opt_string(c, "comment"));
        ck_assert_msg(strcmp(b.content_type, opt_string(c, "content_type")) == 0,
                      "case %zu (%d, Accept %s): content type %s, expected %s", i, status,
                      accept ? accept : "(none)", b.content_type, opt_string(c, "content_type"));
        ck_assert_msg(strcmp(b.body, opt_string(c, "body")) == 0,
                      "case %zu (%d, Accept %s): body\n%s\nexpected\n%s", i, status,
                      accept ? accept : "(none)", b.body, opt_string(c, "body"));
    }
}
END_TEST

START_TEST(webob_best_offer_rules)
{
    static const char *const offers[] = {"text/html", "application/json"};
    apr_pool_t *p = heat_test_pool;

    ck_assert_ptr_null(heat_webob_best_offer(p, NULL, offers, 2));
    ck_assert_ptr_null(heat_webob_best_offer(p, "", offers, 2));
    ck_assert_str_eq(heat_webob_best_offer(p, "*/*", offers, 2), "text/html");
    ck_assert_str_eq(heat_webob_best_offer(p, "application/json", offers, 2), "application/json");
    /* equal q: the order of the offers decides */
    ck_assert_str_eq(heat_webob_best_offer(p, "application/json, text/html", offers, 2), "text/html");
    ck_assert_str_eq(heat_webob_best_offer(p, "text/html;q=0.2, application/json", offers, 2),
                     "application/json");
    /* the most specific range wins over a wildcard, even with a lower q */
    ck_assert_str_eq(heat_webob_best_offer(p, "*/*;q=1, text/html;q=0", offers, 2), "application/json");
    ck_assert_ptr_null(heat_webob_best_offer(p, "application/xml", offers, 2));
    /* an unparseable header accepts everything */
    ck_assert_str_eq(heat_webob_best_offer(p, "garbage", offers, 2), "text/html");
    ck_assert_str_eq(heat_webob_best_offer(p, "text/html;q=2", offers, 2), "text/html");
}
END_TEST

START_TEST(webob_titles)
{
    ck_assert_str_eq(heat_webob_title(404), "Not Found");
    ck_assert_str_eq(heat_webob_title(405), "Method Not Allowed");
    ck_assert_str_eq(heat_webob_explanation(405), heat_webob_explanation(400));
    ck_assert_ptr_null(heat_webob_title(299));
}
END_TEST

Suite *heat_test_webob_suite(void)
{
    Suite *s = suite_create("webob");
    TCase *tc = tcase_create("webob");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, webob_golden_bodies);
    tcase_add_test(tc, webob_best_offer_rules);
    tcase_add_test(tc, webob_titles);
    suite_add_tcase(s, tc);
    return s;
}
