/* test_settings.c: heat_settings_load on a parsed heat.conf: every field of heat_settings_t
 * from a file that sets it and from one that does not (the option's default), the empty
 * strings that mean unset, the paste flavors, HeatOption overrides, and which rows of the
 * option table fill a field. */
#include "heat_test.h"

#include <apr_file_io.h>
#include <apr_strings.h>

#include <string.h>

#include "heat_conf.h"
#include "heat_settings.h"

/* A heat.conf with text, read and finalized; overrides: NULL or {section, name, value}... NULL. */
static heat_conf_t *parse(const char *text, const char *const *overrides)
{
    heat_conf_t *c = heat_conf_create(heat_test_pool);
    char *path = apr_pstrdup(heat_test_pool, "/tmp/heat-settings-XXXXXX");
    apr_file_t *f;
    apr_size_t len = strlen(text);
    const char *err;

    ck_assert_int_eq(apr_file_mktemp(&f, path, APR_FOPEN_CREATE | APR_FOPEN_WRITE | APR_FOPEN_EXCL |
                                                   APR_FOPEN_DELONCLOSE, heat_test_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_file_write_full(f, text, len, NULL), APR_SUCCESS);
    ck_assert_int_eq(apr_file_flush(f), APR_SUCCESS);
    err = heat_conf_read_file(c, path);
    ck_assert_msg(err == NULL, "%s", err);
    for (; overrides && overrides[0]; overrides += 3) {
        err = heat_conf_override(c, overrides[0], overrides[1], overrides[2], "HeatOption at test:1");
        ck_assert_msg(err == NULL, "%s", err);
    }
    err = heat_conf_finalize(c);
    ck_assert_msg(err == NULL, "%s", err);
    return c;
}

static heat_settings_t load(const char *text, const char *const *overrides)
{
    heat_settings_t st;
    const char *err = heat_settings_load(&st, heat_test_pool, parse(text, overrides));

    ck_assert_msg(err == NULL, "%s", err);
    return st;
}

static const char *item(const apr_array_header_t *a, int i)
{
    ck_assert_ptr_nonnull(a);
    ck_assert_int_gt(a->nelts, i);
    return APR_ARRAY_IDX(a, i, const char *);
}

START_TEST(test_defaults)
{
    heat_settings_t st = load("[DEFAULT]\n", NULL);

    ck_assert_int_eq(st.debug, 0);
    ck_assert_int_eq(st.proxy_headers, 0);
    ck_assert_ptr_null(st.api_root);
    ck_assert_str_eq(st.healthcheck_path, "/healthcheck");
    ck_assert_int_eq(st.healthcheck.detailed, 0);
    ck_assert_ptr_nonnull(st.healthcheck.backends);
    ck_assert_int_eq(st.healthcheck.backends->nelts, 0);
    ck_assert_ptr_null(st.healthcheck.disable_by_file_path);
    ck_assert_ptr_nonnull(st.healthcheck.disable_by_file_paths);
    ck_assert_int_eq(st.healthcheck.disable_by_file_paths->nelts, 0);
    ck_assert_int_eq(st.max_template_size, 524288);
    ck_assert_int_eq(st.max_json_body_size, 1048576);
    ck_assert_int_eq(st.rpc_response_timeout, 60);
    ck_assert_str_eq(st.revision, "unknown");
    ck_assert_ptr_null(st.clients_keystone_uri); /* default "" */
    ck_assert_ptr_null(st.paste_flavor);
    ck_assert_int_eq(st.noauth, 0);
    ck_assert_int_eq(st.standalone, 0);
}
END_TEST

START_TEST(test_every_field_set)
{
    heat_settings_t st = load("[DEFAULT]\n"
                              "debug = True\n"
                              "max_template_size = 1000\n"
                              "max_json_body_size = 2000\n"
                              "rpc_response_timeout = 7\n"
                              "[heat_api]\n"
                              "heat_api_root = http://heat.example/v1\n"
                              "[oslo_middleware]\n"
                              "enable_proxy_headers_parsing = yes\n"
                              "[healthcheck]\n"
                              "path = /hc\n"
                              "detailed = true\n"
                              "backends = disable_by_file,disable_by_files_ports\n"
                              "disable_by_file_path = /tmp/off\n"
                              "disable_by_file_paths = 8004:/tmp/a,8000:/tmp/b\n"
                              "[revision]\n"
                              "heat_revision = 19.0.0-mod\n"
                              "[clients_keystone]\n"
                              "auth_uri = http://keystone.example:5000\n"
                              "[paste_deploy]\n"
                              "flavor = noauth\n",
                              NULL);

    ck_assert_int_eq(st.debug, 1);
    ck_assert_int_eq(st.proxy_headers, 1);
    ck_assert_str_eq(st.api_root, "http://heat.example/v1");
    ck_assert_str_eq(st.healthcheck_path, "/hc");
    ck_assert_int_eq(st.healthcheck.detailed, 1);
    ck_assert_int_eq(st.healthcheck.backends->nelts, 2);
    ck_assert_str_eq(item(st.healthcheck.backends, 0), "disable_by_file");
    ck_assert_str_eq(item(st.healthcheck.backends, 1), "disable_by_files_ports");
    ck_assert_str_eq(st.healthcheck.disable_by_file_path, "/tmp/off");
    ck_assert_int_eq(st.healthcheck.disable_by_file_paths->nelts, 2);
    ck_assert_str_eq(item(st.healthcheck.disable_by_file_paths, 1), "8000:/tmp/b");
    ck_assert_int_eq(st.max_template_size, 1000);
    ck_assert_int_eq(st.max_json_body_size, 2000);
    ck_assert_int_eq(st.rpc_response_timeout, 7);
    ck_assert_str_eq(st.revision, "19.0.0-mod");
    ck_assert_str_eq(st.clients_keystone_uri, "http://keystone.example:5000");
    ck_assert_str_eq(st.paste_flavor, "noauth");
    ck_assert_int_eq(st.noauth, 1);
    ck_assert_int_eq(st.standalone, 0);
}
END_TEST

/* The URLs and the flavor read "" as unset; other strings keep "". */
START_TEST(test_empty_strings)
{
    heat_settings_t st = load("[heat_api]\nheat_api_root =\n"
                              "[clients_keystone]\nauth_uri =\n"
                              "[paste_deploy]\nflavor =\n"
                              "[healthcheck]\ndisable_by_file_path =\n"
                              "[revision]\nheat_revision =\n",
                              NULL);

    ck_assert_ptr_null(st.api_root);
    ck_assert_ptr_null(st.clients_keystone_uri);
    ck_assert_ptr_null(st.paste_flavor);
    ck_assert_int_eq(st.noauth, 0);
    ck_assert_int_eq(st.standalone, 0);
    ck_assert_str_eq(st.healthcheck.disable_by_file_path, "");
    ck_assert_str_eq(st.revision, "");
}
END_TEST

START_TEST(test_flavors)
{
    heat_settings_t st = load("[paste_deploy]\nflavor = standalone\n", NULL);
    ck_assert_int_eq(st.noauth, 0);
    ck_assert_int_eq(st.standalone, 1);

    st = load("[paste_deploy]\nflavor = keystone\n", NULL);
    ck_assert_str_eq(st.paste_flavor, "keystone");
    ck_assert_int_eq(st.noauth, 0);
    ck_assert_int_eq(st.standalone, 0);

    /* heat-api compares the flavor as written */
    st = load("[paste_deploy]\nflavor = NoAuth\n", NULL);
    ck_assert_int_eq(st.noauth, 0);
}
END_TEST

/* A HeatOption wins over the file, and the settings see the winner (and $interpolation). */
START_TEST(test_overrides_and_interpolation)
{
    static const char *const over[] = {"DEFAULT", "max_template_size", "4096",
                                       "oslo_middleware", "enable_proxy_headers_parsing", "true", NULL};
    heat_settings_t st = load("[DEFAULT]\nmax_template_size = 1\nmy_root = http://h:8004\n"
                              "[heat_api]\nheat_api_root = $my_root/v1\n",
                              over);

    ck_assert_int_eq(st.max_template_size, 4096);
    ck_assert_int_eq(st.proxy_headers, 1);
    ck_assert_str_eq(st.api_root, "http://h:8004/v1");
}
END_TEST

/* The rows that fill a field: a guard that the table and heat_settings_t stay in step (a row
 * losing its SETTING would leave the field zero; two rows on one field would fight). */
START_TEST(test_table_rows)
{
    static const char *const expected[] = {
        "DEFAULT debug", "DEFAULT rpc_response_timeout", "DEFAULT max_template_size",
        "DEFAULT max_json_body_size", "heat_api heat_api_root", "paste_deploy flavor",
        "revision heat_revision", "clients_keystone auth_uri", "oslo_middleware enable_proxy_headers_parsing",
        "cors allowed_origin", "cors allow_credentials", "cors expose_headers", "cors max_age",
        "cors allow_methods", "cors allow_headers",
        "healthcheck path", "healthcheck detailed", "healthcheck backends",
        "healthcheck disable_by_file_path", "healthcheck disable_by_file_paths",
        "profiler enabled", "profiler hmac_keys", NULL};
    apr_size_t i, offset, size, seen[32];
    int n = 0, k, empty_is_null;
    const char *section, *name;
    heat_opt_type_t type;
    const char *got = "";
    const char *want = "";

    for (k = 0; expected[k]; k++)
        want = apr_pstrcat(heat_test_pool, want, expected[k], ";", NULL);
    for (i = 0; heat_conf_option(i, &section, &name, &type); i++) {
        if (!heat_conf_option_field(i, &offset, &size, &empty_is_null))
            continue;
        got = apr_pstrcat(heat_test_pool, got, section, " ", name, ";", NULL);
        ck_assert_uint_le(offset + size, sizeof(heat_settings_t));
        for (k = 0; k < n; k++)
            ck_assert_msg(seen[k] != offset, "[%s] %s fills a field another row fills", section, name);
        ck_assert_int_lt(n, 32);
        seen[n++] = offset;
    }
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(heat_conf_option_field(i, &offset, &size, &empty_is_null), 0);
}
END_TEST

Suite *heat_test_settings_suite(void)
{
    Suite *s = suite_create("settings");
    TCase *tc = tcase_create("load");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_every_field_set);
    tcase_add_test(tc, test_empty_strings);
    tcase_add_test(tc, test_flavors);
    tcase_add_test(tc, test_overrides_and_interpolation);
    tcase_add_test(tc, test_table_rows);
    suite_add_tcase(s, tc);
    return s;
}
