/* test_pycompat.c: the Python-compatibility helpers (common/heat_pycompat.c) where their
 * callers need different behaviour (flags, lenient and strict UTF-8), and the one
 * HeatIdentifier.from_arn (common/heat_identifier.c) on both APIs' paths. */
#include "heat_test.h"

#include <apr_strings.h>
#include <math.h>
#include <string.h>

#include "heat_api.h"
#include "heat_cfn_arn.h"
#include "heat_handlers.h"
#include "heat_identifier.h"
#include "heat_json.h"
#include "heat_pycompat.h"

START_TEST(float_repr_and_complex_parts)
{
    char buf[HEAT_PY_FLOAT_SIZE];

    /* repr(): what heat_json, heat_conf, heat_yaml, heat_resources and heat_policy print */
    ck_assert_str_eq(heat_py_float(heat_test_pool, 1.0), "1.0");
    ck_assert_str_eq(heat_py_float(heat_test_pool, 0.1), "0.1");
    ck_assert_str_eq(heat_py_float(heat_test_pool, 1e16), "1e+16");
    ck_assert_str_eq(heat_py_float(heat_test_pool, 1.5e-5), "1.5e-05");
    ck_assert_str_eq(heat_py_float(heat_test_pool, 0.0001), "0.0001");
    ck_assert_str_eq(heat_py_float(heat_test_pool, -0.0), "-0.0");
    ck_assert_str_eq(heat_py_float(heat_test_pool, 120.0), "120.0");
    ck_assert_str_eq(heat_py_float(heat_test_pool, NAN), "nan");
    ck_assert_str_eq(heat_py_float(heat_test_pool, -NAN), "nan");
    ck_assert_str_eq(heat_py_float(heat_test_pool, INFINITY), "inf");
    ck_assert_str_eq(heat_py_float(heat_test_pool, -INFINITY), "-inf");
    /* complex.__repr__'s parts (heat_policy): no ".0", and the imaginary part's sign */
    ck_assert_str_eq(heat_py_float_fmt(buf, 1.0, HEAT_PY_FLOAT_NO_DOT0), "1");
    ck_assert_str_eq(heat_py_float_fmt(buf, 0.0, HEAT_PY_FLOAT_NO_DOT0), "0");
    ck_assert_str_eq(heat_py_float_fmt(buf, -0.0, HEAT_PY_FLOAT_NO_DOT0), "-0");
    ck_assert_str_eq(heat_py_float_fmt(buf, 2.5, HEAT_PY_FLOAT_NO_DOT0 | HEAT_PY_FLOAT_PLUS), "+2.5");
    ck_assert_str_eq(heat_py_float_fmt(buf, 1e16, HEAT_PY_FLOAT_NO_DOT0 | HEAT_PY_FLOAT_PLUS), "+1e+16");
    ck_assert_str_eq(heat_py_float_fmt(buf, -3.0, HEAT_PY_FLOAT_NO_DOT0 | HEAT_PY_FLOAT_PLUS), "-3");
    ck_assert_str_eq(heat_py_float_fmt(buf, NAN, HEAT_PY_FLOAT_PLUS), "+nan");
    ck_assert_str_eq(heat_py_float_fmt(buf, INFINITY, HEAT_PY_FLOAT_PLUS), "+inf");
}
END_TEST

START_TEST(utf8_strict_lenient_and_replace)
{
    unsigned long cp;
    int len = 0;

    /* strict (heat_json, heat_cfn_format): a surrogate is not UTF-8 */
    ck_assert_int_eq(heat_utf8_next((const unsigned char *)"\xed\xa0\x80", &len), -1);
    ck_assert_int_eq(heat_utf8_next((const unsigned char *)"\xc3\xa9", &len), 0xe9);
    ck_assert_int_eq(len, 2);
    /* lenient (repr, heat_policy): a stray byte is its own code point */
    ck_assert_uint_eq(heat_utf8_decode("\xff" "a", 2, &cp), 1);
    ck_assert_uint_eq(cp, 0xff);
    ck_assert_uint_eq(heat_utf8_decode("\xe2\x82", 2, &cp), 1);
    ck_assert_uint_eq(cp, 0xe2);
    ck_assert_uint_eq(heat_utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
    ck_assert_uint_eq(cp, 0x1f600);
    /* decode('utf-8', 'replace'): one U+FFFD per maximal invalid subpart */
    ck_assert_str_eq(heat_py_utf8_replace(heat_test_pool, "ok \xc3\xa9"), "ok \xc3\xa9");
    ck_assert_str_eq(heat_py_utf8_replace(heat_test_pool, "\xe2\x82" "a\xff"), "\xef\xbf\xbd" "a\xef\xbf\xbd");
    ck_assert_str_eq(heat_py_utf8_replace(heat_test_pool, "\xf0\x9f\x98"), "\xef\xbf\xbd");
    /* decode('latin-1') (WSGI headers, heat_auth and heat_ec2) */
    ck_assert_str_eq(heat_py_latin1_to_utf8(heat_test_pool, "a\xe9\xff", 3), "a\xc3\xa9\xc3\xbf");
}
END_TEST

START_TEST(repr_replace_truthy)
{
    /* ascii() (heat_policy) escapes what repr() keeps */
    ck_assert_str_eq(heat_py_repr(heat_test_pool, "\xc3\xa9", 2), "'\xc3\xa9'");
    ck_assert_str_eq(heat_py_repr_ascii(heat_test_pool, "\xc3\xa9\xe2\x82\xac", 5, 1), "'\\xe9\\u20ac'");
    /* U+2065 is unassigned: Python escapes it (heat_policy's table had it, heat_yaml's not) */
    ck_assert_int_eq(heat_py_isprintable(0x2065), 0);
    ck_assert_str_eq(heat_py_repr(heat_test_pool, "\xe2\x81\xa5", 3), "'\\u2065'");
    ck_assert_str_eq(heat_py_replace(heat_test_pool, "http://v2.0/v2.0/", "v2.0", "v3"), "http://v3/v3/");
    ck_assert_ptr_null(heat_py_replace(heat_test_pool, NULL, "v2.0", "v3"));
    ck_assert_int_eq(heat_py_truthy(NULL), 0);
    ck_assert_int_eq(heat_py_truthy(heat_json_own(heat_test_pool, json_real(0.0))), 0);
    ck_assert_int_eq(heat_py_truthy(heat_json_own(heat_test_pool, json_string("0"))), 1);
    ck_assert_int_eq(heat_py_truthy(heat_json_own(heat_test_pool, json_array())), 0);
}
END_TEST

#define ARN_NL "arn:openstack:heat::t%20x:stacks/n/i/resources/r\nmore"

START_TEST(from_arn_newline)
{
    const char *error = NULL, *name = NULL;
    json_t *id = heat_identifier_from_arn(heat_test_pool, ARN_NL, &error), *stack;

    /* re.match(r'stacks/([^/]+)/([^/]+)(.*)'): (.*) stops at the newline */
    ck_assert_ptr_nonnull(id);
    ck_assert_str_eq(json_string_value(json_object_get(id, "tenant")), "t x");
    ck_assert_str_eq(json_string_value(json_object_get(id, "path")), "/resources/r");
    /* the CFN API's path: ResourceIdentifier.from_arn */
    stack = heat_cfn_resource_arn_parse(heat_test_pool, ARN_NL, &name, &error);
    ck_assert_ptr_nonnull(stack);
    ck_assert_str_eq(name, "r");
    ck_assert_str_eq(json_string_value(json_object_get(stack, "path")), "");
}
END_TEST

START_TEST(native_lookup_arn_newline)
{
    heat_call_t call;
    heat_result_t reply;

    /* the native API's path: GET /{tenant_id}/stacks/{stack_name} with an ARN as the name
     * redirects to the stack it names, without asking the engine */
    memset(&call, 0, sizeof(call));
    memset(&reply, 0, sizeof(reply));
    call.p = heat_test_pool;
    call.method = "GET";
    call.vars = apr_table_make(heat_test_pool, 2);
    apr_table_set(call.vars, "stack_name", ARN_NL);
    call.params = apr_array_make(heat_test_pool, 1, sizeof(heat_param_t));
    call.url_base = "http://h/v1";
    heat_stacks_lookup(&call, &reply);
    ck_assert_int_eq(reply.status, 302);
    ck_assert_str_eq(reply.location, "http://h/v1/t%20x/stacks/n/i/resources/r");
}
END_TEST

/* base64.urlsafe_b64decode's results (printed by Python 3.11) and str.isspace() of latin-1 bytes */
START_TEST(urlsafe_b64decode_and_latin1_isspace)
{
    static const struct {
        const char *in, *out; /* out NULL: Python raises */
        apr_size_t len;
    } cases[] = {
        {"YQ==", "a", 1},      {"Y Q = =", "a", 1}, {"YQ=x=", "a\x0c", 2}, {"YWI=YWI=", "ab", 2},
        {"YW*Jj", "abc", 3},   {"YWJj=", "abc", 3}, {"-_8=", "\xfb\xff", 2}, {"=YQ==", "a", 1},
        {"YQ", NULL, 0},       {"Y", NULL, 0},      {"YQ=", NULL, 0},      {"YWI", NULL, 0},
        {"", "", 0},           {"YQ\xc3\xa9==", NULL, 0},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char *out = NULL;
        apr_size_t len = 0;
        int rc = heat_py_urlsafe_b64decode(heat_test_pool, cases[i].in, &out, &len);

        if (!cases[i].out) {
            ck_assert_msg(rc != 0, "case %zu: %s should fail", i, cases[i].in);
            continue;
        }
        ck_assert_msg(rc == 0, "case %zu: %s failed", i, cases[i].in);
        ck_assert_uint_eq(len, cases[i].len);
        ck_assert_msg(memcmp(out, cases[i].out, len) == 0, "case %zu: %s", i, cases[i].in);
    }
    for (i = 0; i < 256; i++) {
        /* str.isspace() of chr(i) */
        int want = strchr(" \t\n\v\f\r\x1c\x1d\x1e\x1f", (int)i) != NULL || i == 0x85 || i == 0xa0;
        ck_assert_msg(heat_py_latin1_isspace((unsigned char)i) == (i != 0 && want), "byte %zu", i);
    }
}
END_TEST

Suite *heat_test_pycompat_suite(void)
{
    Suite *s = suite_create("pycompat");
    TCase *tc = tcase_create("pycompat");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, float_repr_and_complex_parts);
    tcase_add_test(tc, utf8_strict_lenient_and_replace);
    tcase_add_test(tc, repr_replace_truthy);
    tcase_add_test(tc, from_arn_newline);
    tcase_add_test(tc, native_lookup_arn_newline);
    tcase_add_test(tc, urlsafe_b64decode_and_latin1_isspace);
    suite_add_tcase(s, tc);
    return s;
}
