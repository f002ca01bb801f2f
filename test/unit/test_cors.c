/* test_cors.c: heat_cors (oslo.middleware 5.0.0's CORS filter) against what the real filter
 * answers with heat's defaults; the expected headers below were printed by oslo's CORS
 * middleware on webob requests with the same heat.conf texts. */
#include "heat_test.h"

#include <apr_file_io.h>
#include <apr_strings.h>

#include <string.h>

#include "heat_conf.h"
#include "heat_cors.h"
#include "heat_settings.h"

static const char *load_cors(const char *text, heat_settings_t *st)
{
    heat_conf_t *c = heat_conf_create(heat_test_pool);
    char *path = apr_pstrdup(heat_test_pool, "/tmp/heat-cors-XXXXXX");
    apr_file_t *f;
    const char *err;

    ck_assert_int_eq(apr_file_mktemp(&f, path, APR_FOPEN_CREATE | APR_FOPEN_WRITE | APR_FOPEN_EXCL |
                                                   APR_FOPEN_DELONCLOSE, heat_test_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_file_write_full(f, text, strlen(text), NULL), APR_SUCCESS);
    ck_assert_int_eq(apr_file_flush(f), APR_SUCCESS);
    ck_assert_ptr_null(heat_conf_read_file(c, path));
    err = heat_conf_finalize(c);
    ck_assert_msg(err == NULL, "%s", err);
    return heat_settings_load(st, heat_test_pool, c);
}

typedef struct {
    const char *method, *origin, *req_method, *req_headers, *vary_before;
    const char *expect; /* "Name: value" lines of Vary and Access-Control-*, sorted by name */
} cors_case_t;

#define EXPOSE "Access-Control-Expose-Headers: X-Auth-Token,X-Subject-Token,X-Service-Token,X-OpenStack-Request-ID\n"

/* What apply leaves in a fresh header table, as sorted "Name: value\n" lines. */
static const char *run_case(const heat_cors_conf_t *cc, const cors_case_t *k)
{
    static const char *const names[] = {
        "Access-Control-Allow-Credentials", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods",
        "Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Access-Control-Max-Age", "Vary", NULL};
    apr_table_t *h = apr_table_make(heat_test_pool, 4);
    heat_cors_request_t req = {strcmp(k->method, "OPTIONS") == 0, k->origin, k->req_method, k->req_headers};
    const char *out = "";
    int i;

    if (k->vary_before)
        apr_table_set(h, "Vary", k->vary_before);
    heat_cors_apply(heat_test_pool, cc, &req, h);
    for (i = 0; names[i]; i++) {
        const char *v = apr_table_get(h, names[i]);
        if (v && !(k->vary_before && strcmp(names[i], "Vary") == 0 && strcmp(v, k->vary_before) == 0))
            out = apr_pstrcat(heat_test_pool, out, names[i], ": ", v, "\n", NULL);
    }
    return out;
}

static const char *const conf_a =
    "[cors]\nallowed_origin = http://good.example\nmax_age = 100\n"
    "[cors.sub]\nallowed_origin = http://sub.example, http://good.example\n"
    "allow_credentials = false\nallow_methods = GET\n";

static const cors_case_t cases_a[] = {
    {"GET", "http://good.example", NULL, NULL, NULL,
     "Access-Control-Allow-Credentials: true\nAccess-Control-Allow-Origin: http://good.example\n" EXPOSE
     "Vary: Origin\n"},
    {"GET", "http://good.example", NULL, NULL, "Accept",
     "Access-Control-Allow-Credentials: true\nAccess-Control-Allow-Origin: http://good.example\n" EXPOSE
     "Vary: Accept,Origin\n"},
    {"GET", NULL, NULL, NULL, NULL, ""},
    {"GET", "http://bad.example", NULL, NULL, NULL, ""},
    {"OPTIONS", "http://good.example", "PUT", " x-auth-token , Content-Type,,", NULL,
     "Access-Control-Allow-Credentials: true\nAccess-Control-Allow-Headers: x-auth-token,Content-Type\n"
     "Access-Control-Allow-Methods: PUT\nAccess-Control-Allow-Origin: http://good.example\n"
     "Access-Control-Max-Age: 100\nVary: Origin\n"},
    {"OPTIONS", "http://good.example", "TRACE", NULL, NULL, ""},
    {"OPTIONS", "http://good.example", "put", NULL, NULL, ""},
    {"OPTIONS", "http://good.example", NULL, NULL, NULL, ""},
    {"OPTIONS", "http://good.example", "GET", "X-Foo", NULL, ""},
    /* [cors.sub]: its own credentials and methods, [cors]'s max_age and expose_headers; the
     * origin [cors] already names stays [cors]'s */
    {"GET", "http://sub.example", NULL, NULL, NULL,
     "Access-Control-Allow-Origin: http://sub.example\n" EXPOSE "Vary: Origin\n"},
    {"OPTIONS", "http://sub.example", "PUT", NULL, NULL, ""},
    {"OPTIONS", "http://sub.example", "GET", NULL, NULL,
     "Access-Control-Allow-Methods: GET\nAccess-Control-Allow-Origin: http://sub.example\n"
     "Access-Control-Max-Age: 100\nVary: Origin\n"},
};

START_TEST(cors_origins_and_subsections)
{
    heat_settings_t st;
    size_t i;

    ck_assert_ptr_null(load_cors(conf_a, &st));
    for (i = 0; i < sizeof(cases_a) / sizeof(cases_a[0]); i++)
        ck_assert_msg(strcmp(run_case(&st.cors, &cases_a[i]), cases_a[i].expect) == 0,
                      "case %zu (%s %s): got\n%s\nwant\n%s", i, cases_a[i].method,
                      cases_a[i].origin ? cases_a[i].origin : "-", run_case(&st.cors, &cases_a[i]),
                      cases_a[i].expect);
}
END_TEST

START_TEST(cors_wildcard_without_credentials)
{
    static const cors_case_t cases[] = {
        {"GET", "http://any.example", NULL, NULL, NULL, "Access-Control-Allow-Origin: *\nVary: Origin\n"},
        {"OPTIONS", "http://any.example", "PUT", " x-auth-token , Content-Type,,", NULL,
         "Access-Control-Allow-Headers: x-auth-token,Content-Type\nAccess-Control-Allow-Methods: PUT\n"
         "Access-Control-Allow-Origin: *\nVary: Origin\n"},
        {"GET", NULL, NULL, NULL, NULL, ""},
    };
    heat_settings_t st;
    size_t i;

    ck_assert_ptr_null(load_cors("[cors]\nallowed_origin = *\nallow_credentials = false\nmax_age = 0\n"
                                 "expose_headers =\n", &st));
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_str_eq(run_case(&st.cors, &cases[i]), cases[i].expect);
}
END_TEST

START_TEST(cors_off_and_existing_header)
{
    static const cors_case_t get = {"GET", "http://good.example", NULL, NULL, NULL, ""};
    heat_settings_t st;
    apr_table_t *h = apr_table_make(heat_test_pool, 2);
    heat_cors_request_t req = {0, "http://good.example", NULL, NULL};

    /* no allowed_origin: nothing, whatever the request */
    ck_assert_ptr_null(load_cors("[DEFAULT]\n", &st));
    ck_assert_str_eq(run_case(&st.cors, &get), "");
    ck_assert_int_eq(apr_hash_count(st.cors.origins), 0);
    /* an answer that already has Access-Control-Allow-Origin is left alone */
    ck_assert_ptr_null(load_cors(conf_a, &st));
    apr_table_set(h, "Access-Control-Allow-Origin", "x");
    heat_cors_apply(heat_test_pool, &st.cors, &req, h);
    ck_assert_int_eq(apr_table_elts(h)->nelts, 1);
}
END_TEST

START_TEST(cors_bad_subsection_value)
{
    heat_settings_t st;
    const char *err = load_cors("[cors.x]\nallowed_origin = http://x\nmax_age = soon\n", &st);

    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, "[cors.x] max_age") && strstr(err, "invalid integer"), "%s", err);
    err = load_cors("[cors.x]\nallow_credentials = maybe\n", &st);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, "[cors.x] allow_credentials"), "%s", err);
}
END_TEST

/* a [cors.<name>] section made by HeatOption alone, and its list value's spacing */
START_TEST(cors_subsection_from_override)
{
    static const cors_case_t get = {"GET", "http://o.example", NULL, NULL, NULL,
                                    "Access-Control-Allow-Origin: http://o.example\n" EXPOSE "Vary: Origin\n"};
    heat_conf_t *c = heat_conf_create(heat_test_pool);
    heat_settings_t st;

    ck_assert_ptr_null(heat_conf_override(c, "cors.viaoption", "allowed_origin", " http://x.example ,http://o.example",
                                          "HeatOption at test:1"));
    ck_assert_ptr_null(heat_conf_override(c, "cors.viaoption", "allow_credentials", "off", "HeatOption at test:2"));
    ck_assert_ptr_null(heat_conf_finalize(c));
    ck_assert_ptr_null(heat_settings_load(&st, heat_test_pool, c));
    ck_assert_int_eq(apr_hash_count(st.cors.origins), 2);
    ck_assert_str_eq(run_case(&st.cors, &get), get.expect);
}
END_TEST

Suite *heat_test_cors_suite(void)
{
    Suite *s = suite_create("cors");
    TCase *tc = tcase_create("cors");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, cors_origins_and_subsections);
    tcase_add_test(tc, cors_wildcard_without_credentials);
    tcase_add_test(tc, cors_off_and_existing_header);
    tcase_add_test(tc, cors_bad_subsection_value);
    tcase_add_test(tc, cors_subsection_from_override);
    suite_add_tcase(s, tc);
    return s;
}
