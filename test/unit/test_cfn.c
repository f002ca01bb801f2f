/* test_cfn.c: heat-api-cfn's building blocks against goldens captured from the real Python
 * code by test/golden/cfn/capture.py: the XML/JSON serializers, HeatIdentifier's ARNs,
 * webob's parameter lookup and AWS member lists, map_remote_error. */
#include "heat_test.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_api.h"
#include "heat_cfn_arn.h"
#include "heat_cfn_format.h"
#include "heat_cfn_params.h"
#include "heat_cfn_remote.h"
#include "heat_fault.h"
#include "heat_identifier.h"
#include "heat_json.h"
#include "heat_pycompat.h"

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- serializer ------------------------------------------------------------------------------ */

START_TEST(xml_and_json_as_heat_serializers)
{
    json_t *docs = json_object_get(heat_test_golden_json("cfn/serializer.json"), "docs"), *c;
    size_t i, n = 0;

    json_array_foreach(docs, i, c) {
        const char *name = str(c, "name"), *want_xml = str(c, "xml"), *error = NULL;
        const json_t *doc = json_object_get(c, "doc");
        char *xml = heat_cfn_xml(heat_test_pool, doc, &error);

        if (want_xml) {
            ck_assert_msg(xml != NULL, "%s: refused (%s)", name, error);
            ck_assert_msg(strcmp(xml, want_xml) == 0, "%s:\n got  %s\n want %s", name, xml, want_xml);
        }
        else {
            ck_assert_msg(xml == NULL, "%s: lxml refuses it, mod_heat wrote %s", name, xml);
            ck_assert_ptr_nonnull(error);
        }
        {
            const char *json = heat_json_dump(heat_test_pool, doc, 0);
            ck_assert_msg(strcmp(json, str(c, "json")) == 0, "%s JSON:\n got  %s\n want %s", name, json,
                          str(c, "json"));
        }
        n++;
    }
    ck_assert_uint_ge(n, 25);
}
END_TEST

START_TEST(python_float_repr)
{
    json_t *floats = json_object_get(heat_test_golden_json("cfn/serializer.json"), "floats"), *f;
    size_t i;

    json_array_foreach(floats, i, f) {
        double d = json_number_value(json_array_get(f, 0));
        const char *want = json_string_value(json_array_get(f, 1));
        const char *got = heat_py_float(heat_test_pool, d);
        ck_assert_msg(strcmp(got, want) == 0, "%.17g: got %s, want %s", d, got, want);
    }
    ck_assert_uint_ge(json_array_size(floats), 30);
}
END_TEST

START_TEST(py_str_of_scalars)
{
    json_t *v = heat_json_own(heat_test_pool, json_pack("[n, b, b, i, f, s, []]", 1, 0, 60, 1.5, "x"));
    ck_assert_str_eq(heat_cfn_py_str(heat_test_pool, json_array_get(v, 0)), "None");
    ck_assert_str_eq(heat_cfn_py_str(heat_test_pool, json_array_get(v, 1)), "True");
    ck_assert_str_eq(heat_cfn_py_str(heat_test_pool, json_array_get(v, 2)), "False");
    ck_assert_str_eq(heat_cfn_py_str(heat_test_pool, json_array_get(v, 3)), "60");
    ck_assert_str_eq(heat_cfn_py_str(heat_test_pool, json_array_get(v, 4)), "1.5");
    ck_assert_str_eq(heat_cfn_py_str(heat_test_pool, json_array_get(v, 5)), "x");
    ck_assert_str_eq(heat_cfn_py_str(heat_test_pool, json_array_get(v, 6)), "[]");
}
END_TEST

START_TEST(xml_never_crashes_on_odd_input)
{
    const char *error = NULL;
    json_t *empty = heat_json_own(heat_test_pool, json_object());
    json_t *arr = heat_json_own(heat_test_pool, json_array());

    /* to_xml needs a dict with a first key */
    ck_assert_ptr_null(heat_cfn_xml(heat_test_pool, empty, &error));
    ck_assert_ptr_nonnull(error);
    error = NULL;
    ck_assert_ptr_null(heat_cfn_xml(heat_test_pool, arr, &error));
    ck_assert_ptr_nonnull(error);
    /* invalid UTF-8 in text (cannot come from jansson, but the escaper must not overrun) */
    error = NULL;
    ck_assert_ptr_null(heat_cfn_xml_text(heat_test_pool, "a\xC3", &error));
    ck_assert_ptr_nonnull(error);
    ck_assert_ptr_null(heat_cfn_xml_text(heat_test_pool, "\xED\xA0\x80", &error)); /* a surrogate */
    ck_assert_ptr_null(heat_cfn_xml_text(heat_test_pool, "\xF4\x90\x80\x80", &error)); /* > U+10FFFF */
    ck_assert_str_eq(heat_cfn_xml_text(heat_test_pool, "", &error), "");
    ck_assert_int_eq(heat_cfn_xml_name_ok("{ns}a"), 0);
    ck_assert_int_eq(heat_cfn_xml_name_ok("\xC3"), 0);
}
END_TEST

/* ---- ARNs ---------------------------------------------------------------------------------- */

START_TEST(arn_format_as_heat_identifier)
{
    json_t *g = heat_test_golden_json("cfn/arn.json"), *c;
    size_t i;

    json_array_foreach(json_object_get(g, "format"), i, c) {
        const json_t *id = json_object_get(c, "identity");
        const char *arn = heat_cfn_arn(heat_test_pool, id), *want = str(c, "arn");
        const char *event_id = heat_cfn_event_id(heat_test_pool, id), *want_event = str(c, "event_id");
        const char *dump = heat_json_dump(heat_test_pool, id, 0);
        if (want)
            ck_assert_msg(arn && strcmp(arn, want) == 0, "%s: got %s, want %s", dump, arn, want);
        else
            ck_assert_msg(arn == NULL, "%s: HeatIdentifier refuses it, got %s", dump, arn);
        if (want_event)
            ck_assert_msg(event_id && strcmp(event_id, want_event) == 0, "%s: event id %s, want %s", dump,
                          event_id, want_event);
        else
            ck_assert_ptr_null(event_id);
    }
}
END_TEST

START_TEST(arn_parse_as_heat_identifier)
{
    json_t *g = heat_test_golden_json("cfn/arn.json"), *c;
    size_t i, n = 0;

    json_array_foreach(json_object_get(g, "parse"), i, c) {
        const char *arn = str(c, "arn"), *error = NULL, *rname = NULL;
        json_t *id = heat_identifier_from_arn(heat_test_pool, arn, &error), *want = json_object_get(c, "identity");
        json_t *stack, *want_res = json_object_get(c, "resource");

        if (want) {
            ck_assert_msg(id != NULL, "%s: refused (%s)", arn, error);
            ck_assert_msg(heat_test_json_same(id, want), "%s: got %s", arn, heat_json_dump(heat_test_pool, id, 0));
        }
        else {
            ck_assert_msg(id == NULL, "%s: heat refuses it", arn);
            ck_assert_str_eq(error, str(c, "error"));
        }
        error = NULL;
        stack = heat_cfn_resource_arn_parse(heat_test_pool, arn, &rname, &error);
        if (want_res) {
            ck_assert_msg(stack != NULL, "%s: refused", arn);
            ck_assert_msg(heat_test_json_same(stack, json_object_get(want_res, "stack")), "%s: stack %s", arn,
                          heat_json_dump(heat_test_pool, stack, 0));
            ck_assert_str_eq(rname, str(want_res, "resource_name"));
        }
        else {
            ck_assert_ptr_null(stack);
            ck_assert_str_eq(error, str(c, "resource_error"));
        }
        n++;
    }
    ck_assert_uint_ge(n, 20);
}
END_TEST

/* ---- parameters ---------------------------------------------------------------------------- */

START_TEST(param_lookup_as_webob)
{
    json_t *g = heat_test_golden_json("cfn/params.json"), *c;
    size_t i;

    json_array_foreach(json_object_get(g, "lookups"), i, c) {
        apr_array_header_t *params = heat_query_parse(heat_test_pool, str(c, "query"));
        apr_array_header_t *form = heat_query_parse(heat_test_pool, str(c, "form"));
        int n_query = params->nelts;
        const char *name;
        json_t *want;

        apr_array_cat(params, form);
        if (json_object_get(c, "error")) {
            /* webob raises on bytes that are not UTF-8; mod_heat refuses the request (see
             * test_cfn_actions.c) and heat_py_utf8_replace replaces them if they get this far */
            int j, bad = 0;
            for (j = 0; j < params->nelts; j++) {
                const char *v = APR_ARRAY_IDX(params, j, heat_param_t).value;
                bad |= strcmp(heat_py_utf8_replace(heat_test_pool, v), v) != 0;
            }
            ck_assert_int_eq(bad, 1);
            continue;
        }
        json_object_foreach(json_object_get(c, "values"), name, want) {
            const char *got = heat_cfn_param(params, n_query, name);
            if (json_is_null(want))
                ck_assert_msg(got == NULL, "%s: got %s", name, got);
            else {
                ck_assert_msg(got != NULL, "%s: missing", name);
                ck_assert_str_eq(heat_py_utf8_replace(heat_test_pool, got), json_string_value(want));
            }
        }
    }
}
END_TEST

START_TEST(param_pairs_as_extract_param_pairs)
{
    json_t *g = heat_test_golden_json("cfn/params.json"), *c;
    size_t i, n = 0;

    json_array_foreach(json_object_get(g, "pairs"), i, c) {
        apr_array_header_t *params = apr_array_make(heat_test_pool, 4, sizeof(heat_param_t));
        json_t *pair, *got, *want = json_object(), *kv;
        size_t j;

        json_array_foreach(json_object_get(c, "pairs"), j, pair) {
            heat_param_t *p = apr_array_push(params);
            p->name = json_string_value(json_array_get(pair, 0));
            p->value = json_string_value(json_array_get(pair, 1));
        }
        json_array_foreach(json_object_get(c, "result"), j, kv)
            json_object_set(want, json_string_value(json_array_get(kv, 0)), json_array_get(kv, 1));
        heat_json_own(heat_test_pool, want);
        got = heat_cfn_param_pairs(heat_test_pool, params, "Parameters", "ParameterKey", "ParameterValue");
        ck_assert_msg(heat_test_json_same(got, want), "case %zu: got %s, want %s", i,
                      heat_json_dump(heat_test_pool, got, 0), heat_json_dump(heat_test_pool, want, 0));
        n++;
    }
    ck_assert_uint_ge(n, 10);
}
END_TEST

START_TEST(utf8_replacement_like_python)
{
    /* bytes.decode('utf-8', 'replace') */
    ck_assert_str_eq(heat_py_utf8_replace(heat_test_pool, "ok \xC3\xA9"), "ok \xC3\xA9");
    ck_assert_str_eq(heat_py_utf8_replace(heat_test_pool, "\xFF" "a"), "\xEF\xBF\xBD" "a");
    ck_assert_str_eq(heat_py_utf8_replace(heat_test_pool, "\xE2\x82"), "\xEF\xBF\xBD");
    ck_assert_str_eq(heat_py_utf8_replace(heat_test_pool, "\xE2\x82" "a"), "\xEF\xBF\xBD" "a");
    ck_assert_str_eq(heat_py_utf8_replace(heat_test_pool, "\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
    ck_assert_str_eq(heat_py_utf8_replace(heat_test_pool, "\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}
END_TEST

/* ---- map_remote_error ---------------------------------------------------------------------- */

START_TEST(remote_errors_as_map_remote_error)
{
    json_t *g = heat_test_golden_json("cfn/remote.json"), *want;
    const char *name;
    size_t n = 0;

    json_object_foreach(g, name, want) {
        const heat_cfn_error_t *err = heat_cfn_error(heat_cfn_remote_code(name));
        const char *code = strcmp(err->code, "ActionInProgress") == 0 ? "InvalidAction" : err->code;
        ck_assert_msg(strcmp(code, str(want, "code")) == 0, "%s: %s, want %s", name, code, str(want, "code"));
        ck_assert_int_eq(err->status, json_integer_value(json_object_get(want, "status")));
        n++;
    }
    ck_assert_uint_ge(n, 80);
}
END_TEST

START_TEST(remote_detail_without_debug_is_the_first_line)
{
    heat_rpc_failure_t f;
    const char *code, *detail;

    memset(&f, 0, sizeof(f));
    f.cls = "EntityNotFound";
    f.module = "heat.common.exception";
    f.message = "The Stack (nope) could not be found.\nsecond line";
    f.args = heat_json_own(heat_test_pool, json_array());
    f.kwargs = heat_json_own(heat_test_pool, json_pack("{s:s, s:s}", "entity", "Stack", "name", "nope"));
    f.tb = heat_json_own(heat_test_pool, json_pack("[s]", "Traceback\n"));
    f.traceback = "Traceback\n";
    heat_cfn_from_remote(heat_test_pool, HEAT_RELEASE_19, &f, 0, &code, &detail);
    ck_assert_str_eq(code, "InvalidParameterValue");
    ck_assert_str_eq(detail, "The Stack (nope) could not be found.");
    heat_cfn_from_remote(heat_test_pool, HEAT_RELEASE_19, &f, 1, &code, &detail);
    ck_assert_str_eq(detail, "The Stack (nope) could not be found.\nsecond line\nTraceback\n");

    /* a builtin is not safe: no detail */
    f.cls = "ValueError";
    f.module = "builtins";
    heat_cfn_from_remote(heat_test_pool, HEAT_RELEASE_19, &f, 1, &code, &detail);
    ck_assert_str_eq(code, "InvalidParameterValue");
    ck_assert_ptr_null(detail);

    /* a heat class whose arguments do not fit: oslo makes it a RemoteError */
    f.cls = "EntityNotFound";
    f.module = "heat.common.exception";
    f.args = heat_json_own(heat_test_pool, json_pack("[i, i, i]", 1, 2, 3));
    heat_cfn_from_remote(heat_test_pool, HEAT_RELEASE_19, &f, 1, &code, &detail);
    ck_assert_str_eq(code, "InternalFailure");
    ck_assert_ptr_null(detail);

    /* another module: RemoteError */
    f.cls = "StackExists";
    f.module = "somewhere.else";
    f.kwargs = heat_json_own(heat_test_pool, json_object());
    heat_cfn_from_remote(heat_test_pool, HEAT_RELEASE_19, &f, 1, &code, &detail);
    ck_assert_str_eq(code, "InternalFailure");
    ck_assert_ptr_null(detail);
}
END_TEST

/* ---- no crash on any input ------------------------------------------------------------------- */

/* xorshift: the same "random" inputs on every run */
static unsigned long next_rand(unsigned long *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

START_TEST(odd_inputs_never_crash)
{
    static const char alphabet[] = "arn:openstack:heat::/stacks/resources%2F%FF%00.member.1ParameterKeyValue\xc3\xa9\x01\n{}";
    unsigned long seed = 0x9E3779B97F4A7C15UL;
    int round, accepted = 0;

    for (round = 0; round < 20000; round++) {
        char buf[64];
        size_t len = next_rand(&seed) % (sizeof(buf) - 1), i;
        const char *error = NULL, *rname = NULL;
        apr_array_header_t *params = apr_array_make(heat_test_pool, 2, sizeof(heat_param_t));
        heat_param_t *pair;
        json_t *doc;

        for (i = 0; i < len; i++)
            buf[i] = next_rand(&seed) % 4 ? alphabet[next_rand(&seed) % (sizeof(alphabet) - 1)]
                                          : (char)(1 + next_rand(&seed) % 255);
        buf[len] = '\0';
        if (round % 2) {
            /* half of them shaped like ARNs, so that the parser's inner paths run too */
            const char *arn = apr_psprintf(heat_test_pool, "arn:openstack:heat::%.8s:stacks/%.12s/%.12s%s", buf,
                                           buf + len / 3, buf + len / 2, buf + 2 * len / 3);
            json_t *id = heat_identifier_from_arn(heat_test_pool, arn, &error), *again;
            if (id) {
                /* HeatIdentifier round trip: from_arn(arn()) gives the same identity */
                const char *back = heat_cfn_arn(heat_test_pool, id);
                ck_assert_msg(back != NULL, "%s: parsed but cannot be written", arn);
                again = heat_identifier_from_arn(heat_test_pool, back, &error);
                ck_assert_msg(again && heat_test_json_same(id, again), "%s -> %s does not read back", arn, back);
                accepted++;
            }
        }
        heat_identifier_from_arn(heat_test_pool, buf, &error);
        heat_cfn_resource_arn_parse(heat_test_pool, buf, &rname, &error);
        heat_cfn_xml_text(heat_test_pool, buf, &error);
        heat_cfn_xml_name_ok(buf);
        pair = apr_array_push(params);
        pair->name = buf;
        pair->value = buf;
        heat_cfn_param_pairs(heat_test_pool, params, "Parameters", "ParameterKey", "ParameterValue");
        /* whatever the bytes, after heat_py_utf8_replace they are a JSON string and serialize */
        doc = heat_json_own(heat_test_pool, json_pack("{s:{s:s}}", "R", "k", heat_py_utf8_replace(heat_test_pool, buf)));
        ck_assert_ptr_nonnull(doc);
        ck_assert_ptr_nonnull(heat_json_dump(heat_test_pool, doc, 0));
        heat_cfn_xml(heat_test_pool, doc, &error);
    }
    ck_assert_int_ge(accepted, 1000);
}
END_TEST

Suite *heat_test_cfn_suite(void)
{
    Suite *s = suite_create("cfn");
    TCase *tc = tcase_create("cfn");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, xml_and_json_as_heat_serializers);
    tcase_add_test(tc, python_float_repr);
    tcase_add_test(tc, py_str_of_scalars);
    tcase_add_test(tc, xml_never_crashes_on_odd_input);
    tcase_add_test(tc, arn_format_as_heat_identifier);
    tcase_add_test(tc, arn_parse_as_heat_identifier);
    tcase_add_test(tc, param_lookup_as_webob);
    tcase_add_test(tc, param_pairs_as_extract_param_pairs);
    tcase_add_test(tc, utf8_replacement_like_python);
    tcase_add_test(tc, remote_errors_as_map_remote_error);
    tcase_add_test(tc, remote_detail_without_debug_is_the_first_line);
    tcase_add_test(tc, odd_inputs_never_crash);
    suite_add_tcase(s, tc);
    return s;
}
