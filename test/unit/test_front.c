/* test_front.c: version negotiation and healthcheck replayed against heat's and oslo's own
 * answers (test/golden/front/{negotiation,healthcheck}.json, made by capture.py), plus the
 * versions document, application URL, proxy headers and request ids. */
#include "heat_test.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "heat_front.h"
#include "heat_json.h"

static const char *opt_string(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The golden file keeps a path's bytes as latin-1 code points (WSGI's convention): back to bytes. */
static const char *latin1_bytes(const char *utf8)
{
    char *out = apr_palloc(heat_test_pool, strlen(utf8) + 1), *o = out;
    const unsigned char *c = (const unsigned char *)utf8;
    while (*c) {
        if (*c >= 0xc0 && *c <= 0xc3 && (c[1] & 0xc0) == 0x80) {
            *o++ = (char)(((c[0] & 0x03) << 6) | (c[1] & 0x3f));
            c += 2;
        }
        else
            *o++ = (char)*c++;
    }
    *o = '\0';
    return out;
}

START_TEST(negotiation_golden)
{
    json_error_t jerr;
    json_t *cases = heat_json_own(heat_test_pool, json_load_file(heat_test_golden("front/negotiation.json"), 0, &jerr));
    size_t i, checked = 0;
    json_t *c;

    ck_assert_msg(cases != NULL, "negotiation.json: %s", jerr.text);
    json_array_foreach(cases, i, c) {
        const char *path = latin1_bytes(opt_string(c, "path")), *accept = opt_string(c, "accept");
        const char *expected = opt_string(c, "result");
        heat_negotiation_t neg;
        const char *got;

        if (strcmp(expected, "crash") == 0)
            continue; /* heat crashes on an empty PATH_INFO; mod_heat never sees one */
        heat_front_negotiate(heat_test_pool, path, accept, &neg);
        got = neg.result == HEAT_NEG_ROUTE ? "route" : neg.result == HEAT_NEG_VERSIONS ? "versions"
            : neg.result == HEAT_NEG_NOT_FOUND ? "404" : "400";
        ck_assert_msg(strcmp(got, expected) == 0, "path '%s' Accept '%s': %s, expected %s", path,
                      accept ? accept : "(none)", got, expected);
        if (neg.result == HEAT_NEG_ROUTE) {
            ck_assert_str_eq(neg.script_name_suffix, opt_string(c, "script_name"));
            ck_assert_str_eq(neg.path_info, latin1_bytes(opt_string(c, "path_info")));
        }
        checked++;
    }
    ck_assert_int_gt(checked, 150);
}
END_TEST

START_TEST(negotiation_rejects_non_utf8)
{
    heat_negotiation_t neg;
    heat_front_negotiate(heat_test_pool, "/v1/t/stacks/\xff", NULL, &neg);
    ck_assert_int_eq(neg.result, HEAT_NEG_BAD_REQUEST);
    heat_front_negotiate(heat_test_pool, "/v1/t/\xc0\xaf", NULL, &neg); /* overlong "/" */
    ck_assert_int_eq(neg.result, HEAT_NEG_BAD_REQUEST);
    heat_front_negotiate(heat_test_pool, "/v1/t/\xe2\x82\xac", NULL, &neg);
    ck_assert_int_eq(neg.result, HEAT_NEG_ROUTE);
}
END_TEST

static apr_array_header_t *string_array(json_t *list)
{
    apr_array_header_t *arr = apr_array_make(heat_test_pool, 2, sizeof(const char *));
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        APR_ARRAY_PUSH(arr, const char *) = apr_pstrdup(heat_test_pool, json_string_value(v));
    }
    return arr;
}

static const char *subst_tmp(const char *s, const char *tmp)
{
    const char *at;
    if (!s || !(at = strstr(s, "@TMP@")))
        return s;
    return apr_pstrcat(heat_test_pool, apr_pstrmemdup(heat_test_pool, s, (apr_size_t)(at - s)), tmp,
                       at + 5, NULL);
}

START_TEST(healthcheck_golden)
{
    json_error_t jerr;
    json_t *cases = heat_json_own(heat_test_pool, json_load_file(heat_test_golden("front/healthcheck.json"), 0, &jerr));
    char tmpl[] = "/tmp/heat-test-hc-XXXXXX";
    char *tmp = mkdtemp(tmpl);
    apr_file_t *f;
    size_t i;
    json_t *c;

    ck_assert_msg(cases != NULL, "healthcheck.json: %s", jerr.text);
    ck_assert_ptr_nonnull(tmp);
    ck_assert(apr_file_open(&f, apr_pstrcat(heat_test_pool, tmp, "/disabled", NULL),
                            APR_FOPEN_CREATE | APR_FOPEN_WRITE, APR_FPROT_OS_DEFAULT, heat_test_pool) == APR_SUCCESS);
    apr_file_close(f);

    json_array_foreach(cases, i, c) {
        json_t *conf = json_object_get(c, "config");
        json_t *paths = json_object_get(conf, "disable_by_file_paths");
        heat_healthcheck_conf_t hc = {0};
        heat_result_t out;
        const char *accept = opt_string(c, "accept"), *ctype = opt_string(c, "content_type");
        apr_array_header_t *ports;

        hc.backends = string_array(json_object_get(conf, "backends"));
        hc.disable_by_file_path = subst_tmp(opt_string(conf, "disable_by_file_path"), tmp);
        ports = apr_array_make(heat_test_pool, 1, sizeof(const char *));
        for (size_t k = 0; paths && k < json_array_size(paths); k++)
            APR_ARRAY_PUSH(ports, const char *) = subst_tmp(json_string_value(json_array_get(paths, k)), tmp);
        hc.disable_by_file_paths = ports;
        heat_front_healthcheck(heat_test_pool, &hc, opt_string(c, "method"), accept, 8004, &out);
        ck_assert_msg(out.status == json_integer_value(json_object_get(c, "status")),
                      "case %zu: status %d", i, out.status);
        ck_assert_msg((ctype == NULL && out.content_type == NULL) ||
                          (ctype && out.content_type && strcmp(ctype, out.content_type) == 0),
                      "case %zu (%s, Accept %s): content type %s, expected %s", i, opt_string(c, "method"),
                      accept ? accept : "(none)", out.content_type ? out.content_type : "(none)",
                      ctype ? ctype : "(none)");
        ck_assert_msg(strcmp(out.body, opt_string(c, "body")) == 0, "case %zu (Accept %s): body\n%s\nexpected\n%s",
                      i, accept ? accept : "(none)", out.body, opt_string(c, "body"));
    }
    remove(apr_pstrcat(heat_test_pool, tmp, "/disabled", NULL));
    rmdir(tmp);
}
END_TEST

START_TEST(healthcheck_backend_names)
{
    heat_healthcheck_conf_t hc = {0};
    apr_array_header_t *names = apr_array_make(heat_test_pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(names, const char *) = "disable_by_file";
    hc.backends = names;
    ck_assert_ptr_null(heat_front_healthcheck_unknown_backend(&hc));
    APR_ARRAY_PUSH(names, const char *) = "disable_by_magic";
    ck_assert_str_eq(heat_front_healthcheck_unknown_backend(&hc), "disable_by_magic");
}
END_TEST

START_TEST(versions_document)
{
    ck_assert_str_eq(heat_front_versions_body(heat_test_pool, "http://127.0.0.1:18004"),
                     "{\"versions\": [{\"id\": \"v1.0\", \"status\": \"CURRENT\", \"links\": [{\"rel\": "
                     "\"self\", \"href\": \"http://127.0.0.1:18004/v1/\"}]}]}");
}
END_TEST

START_TEST(host_url_rules)
{
    apr_pool_t *p = heat_test_pool;
    ck_assert_str_eq(heat_front_host_url(p, "http", "h:80", "s", 1), "http://h");
    ck_assert_str_eq(heat_front_host_url(p, "http", "h:443", "s", 1), "http://h:443");
    ck_assert_str_eq(heat_front_host_url(p, "https", "h:443", "s", 1), "https://h");
    ck_assert_str_eq(heat_front_host_url(p, "http", "h:8004", "s", 1), "http://h:8004");
    ck_assert_str_eq(heat_front_host_url(p, "http", "[::1]", "s", 1), "http://[::1]");
    ck_assert_str_eq(heat_front_host_url(p, "http", "[::1]:8004", "s", 1), "http://[::1]:8004");
    ck_assert_str_eq(heat_front_host_url(p, "http", "h:", "s", 1), "http://h");
    ck_assert_str_eq(heat_front_host_url(p, "http", NULL, "srv", 8000), "http://srv:8000");
    ck_assert_str_eq(heat_front_host_url(p, "http", NULL, "srv", 80), "http://srv");
    ck_assert_str_eq(heat_front_quote_path(p, "/heat api/v1"), "/heat%20api/v1");
    ck_assert_str_eq(heat_front_quote_path(p, "/a~!$&'()*+,;=:@b"), "/a~!$&'()*+,;=:@b");
    ck_assert_str_eq(heat_front_quote_path(p, "/\xc3\xa9?#%"), "/%C3%A9%3F%23%25");
}
END_TEST

START_TEST(proxy_headers_rules)
{
    heat_proxy_view_t v = {"http", "orig", "1.2.3.4", ""};
    heat_front_proxy_headers(heat_test_pool, "for=192.0.2.60;proto=https;host=api.example.com, for=x;host=y",
                             "ftp", "ignored", NULL, "/pre", &v);
    ck_assert_str_eq(v.scheme, "https");
    ck_assert_str_eq(v.host, "api.example.com");
    ck_assert_str_eq(v.remote_addr, "192.0.2.60");
    ck_assert_str_eq(v.script_prefix, "/pre");

    heat_proxy_view_t w = {"http", "orig", "1.2.3.4", ""};
    heat_front_proxy_headers(heat_test_pool, NULL, "https", "h2:99", "5.6.7.8", NULL, &w);
    ck_assert_str_eq(w.scheme, "https");
    ck_assert_str_eq(w.host, "h2:99");
    ck_assert_str_eq(w.remote_addr, "5.6.7.8");
    ck_assert_str_eq(w.script_prefix, "");

    /* oslo keeps quotes and lowercases keys only */
    heat_proxy_view_t q = {"http", "orig", "1.2.3.4", ""};
    heat_front_proxy_headers(heat_test_pool, " Host=\"quoted\" ; PROTO=https", NULL, NULL, NULL, NULL, &q);
    ck_assert_str_eq(q.host, "\"quoted\"");
    ck_assert_str_eq(q.scheme, "https");
}
END_TEST

START_TEST(request_ids)
{
    const char *a = heat_front_request_id(heat_test_pool), *b = heat_front_request_id(heat_test_pool);
    ck_assert(heat_front_valid_request_id(a));
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(strlen(a), 40);
    ck_assert_int_eq(a[18], '4');                /* version 4 */
    ck_assert_ptr_nonnull(strchr("89ab", a[23])); /* RFC 4122 variant */
    ck_assert(heat_front_valid_request_id("req-0123abcd-0000-4000-8000-0123456789ab"));
    ck_assert(!heat_front_valid_request_id("req-0123ABCD-0000-4000-8000-0123456789ab"));
    ck_assert(!heat_front_valid_request_id("req-0123abcd-0000-4000-8000-0123456789ab0"));
    ck_assert(!heat_front_valid_request_id("0123abcd-0000-4000-8000-0123456789ab"));
    ck_assert(!heat_front_valid_request_id("req-0123abcd-0000-4000-8000"));
    ck_assert(!heat_front_valid_request_id(NULL));
}
END_TEST

Suite *heat_test_front_suite(void)
{
    Suite *s = suite_create("front");
    TCase *tc = tcase_create("front");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, negotiation_golden);
    tcase_add_test(tc, negotiation_rejects_non_utf8);
    tcase_add_test(tc, healthcheck_golden);
    tcase_add_test(tc, healthcheck_backend_names);
    tcase_add_test(tc, versions_document);
    tcase_add_test(tc, host_url_rules);
    tcase_add_test(tc, proxy_headers_rules);
    tcase_add_test(tc, request_ids);
    suite_add_tcase(s, tc);
    return s;
}
