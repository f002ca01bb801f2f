/* test_settings.c: heat_settings_load on a parsed heat.conf: every field of heat_settings_t
 * from a file that sets it and from one that does not (the option's default), the empty
 * strings that mean unset, the paste flavors, HeatOption overrides, which rows of the
 * option table fill a field (and that each does), the authentication settings and the values
 * heat_settings_derive computes. */
#include "heat_test.h"

#include <apr_file_io.h>
#include <apr_strings.h>

#include <limits.h>
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
        "revision heat_revision", "clients ca_file", "clients cert_file", "clients key_file",
        "clients insecure", "clients_keystone auth_uri", "clients_keystone ca_file",
        "clients_keystone cert_file", "clients_keystone key_file", "clients_keystone insecure",
        "keystone_authtoken www_authenticate_uri", "keystone_authtoken auth_uri",
        "keystone_authtoken interface", "keystone_authtoken http_connect_timeout",
        "keystone_authtoken http_request_max_retries", "keystone_authtoken certfile",
        "keystone_authtoken keyfile", "keystone_authtoken cafile", "keystone_authtoken insecure",
        "keystone_authtoken region_name", "keystone_authtoken token_cache_time",
        "keystone_authtoken memcache_security_strategy", "keystone_authtoken memcache_secret_key",
        "keystone_authtoken include_service_catalog", "keystone_authtoken enforce_token_bind",
        "keystone_authtoken service_token_roles", "keystone_authtoken service_token_roles_required",
        "keystone_authtoken service_type", "keystone_authtoken auth_url",
        "keystone_authtoken project_id", "keystone_authtoken project_name",
        "keystone_authtoken project_domain_id", "keystone_authtoken project_domain_name",
        "keystone_authtoken default_domain_id", "keystone_authtoken default_domain_name",
        "keystone_authtoken user_id", "keystone_authtoken username",
        "keystone_authtoken user_domain_id", "keystone_authtoken user_domain_name",
        "keystone_authtoken password", "ec2authtoken auth_uri", "ec2authtoken multi_cloud",
        "ec2authtoken allowed_auth_uris", "ec2authtoken cert_file", "ec2authtoken key_file",
        "ec2authtoken ca_file", "ec2authtoken insecure", "auth_password multi_cloud",
        "auth_password allowed_auth_uris", "oslo_middleware enable_proxy_headers_parsing",
        "cors allowed_origin", "cors allow_credentials", "cors expose_headers", "cors max_age",
        "cors allow_methods", "cors allow_headers",
        "healthcheck path", "healthcheck detailed", "healthcheck backends",
        "healthcheck disable_by_file_path", "healthcheck disable_by_file_paths",
        "profiler enabled", "profiler hmac_keys", NULL};
    apr_size_t i, offset, size, seen[96];
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
        ck_assert_int_lt(n, 96);
        seen[n++] = offset;
    }
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(heat_conf_option_field(i, &offset, &size, &empty_is_null), 0);
}
END_TEST

/* A value other than the option's default, for test_every_row_reaches_its_field. */
static const char *other_value(const char *section, const char *name, heat_opt_type_t type,
                               int bool_default)
{
    if (strcmp(section, "keystone_authtoken") == 0 && strcmp(name, "memcache_security_strategy") == 0)
        return "MAC"; /* one of its choices */
    switch (type) {
    case HEAT_OPT_BOOL:
        return bool_default ? "false" : "true";
    case HEAT_OPT_INT:
    case HEAT_OPT_PORT:
        return "7";
    case HEAT_OPT_FLOAT:
        return "0.5";
    case HEAT_OPT_IP:
        return "127.0.0.2";
    case HEAT_OPT_LIST:
    case HEAT_OPT_MULTI:
        return "x,y";
    case HEAT_OPT_STR:
        break;
    }
    return "some-value";
}

/* Every row that names a field fills it: set to a value other than its default (one option at
 * a time), the field's bytes differ from the defaulted load. A row whose SETTING is lost, or
 * a loader that skips a row, leaves the field as it was. */
START_TEST(test_every_row_reaches_its_field)
{
    heat_settings_t base = load("[DEFAULT]\n", NULL);
    apr_size_t i, offset, size;
    const char *section, *name;
    heat_opt_type_t type;
    int empty_is_null, rows = 0;

    for (i = 0; heat_conf_option(i, &section, &name, &type); i++) {
        const char *over[4];
        int bool_default = 0;
        heat_settings_t st;

        if (!heat_conf_option_field(i, &offset, &size, &empty_is_null))
            continue;
        if (type == HEAT_OPT_BOOL)
            memcpy(&bool_default, (const char *)&base + offset, sizeof(int));
        over[0] = section;
        over[1] = name;
        over[2] = other_value(section, name, type, bool_default);
        over[3] = NULL;
        st = load("[DEFAULT]\n", over);
        ck_assert_msg(memcmp((const char *)&st + offset, (const char *)&base + offset, size) != 0,
                      "[%s] %s = %s did not reach its heat_settings_t field", section, name, over[2]);
        rows++;
    }
    ck_assert_int_ge(rows, 50);
}
END_TEST

/* A few authentication rows end to end: the value set is the value in the struct, with the
 * option's type (and int fields clamped, not wrapped). */
START_TEST(test_auth_rows)
{
    heat_settings_t st = load("[keystone_authtoken]\n"
                              "auth_url = http://ks.example:5000/v3\n"
                              "username = heat\n"
                              "password = secret\n"
                              "interface = =\n"
                              "token_cache_time = 99999999999\n"
                              "service_token_roles = service,admin\n"
                              "include_service_catalog = false\n"
                              "region_name =\n"
                              "[ec2authtoken]\n"
                              "auth_uri = http://ks.example:5000/v2.0\n"
                              "multi_cloud = true\n"
                              "allowed_auth_uris = http://a,http://b\n"
                              "[auth_password]\n"
                              "multi_cloud = true\n",
                              NULL);

    ck_assert_str_eq(st.keystone.auth_url, "http://ks.example:5000/v3");
    ck_assert_str_eq(st.keystone.username, "heat");
    ck_assert_str_eq(st.keystone.password, "secret");
    ck_assert_str_eq(st.keystone.interface, "=");
    ck_assert_ptr_null(st.keystone.region_name); /* "" is unset */
    ck_assert_int_eq(st.keystone.token_cache_time, INT_MAX);
    ck_assert_int_eq(st.keystone.service_token_roles->nelts, 2);
    ck_assert_str_eq(item(st.keystone.service_token_roles, 1), "admin");
    ck_assert_int_eq(st.keystone.include_service_catalog, 0);
    ck_assert_str_eq(st.ec2.auth_uri, "http://ks.example:5000/v2.0");
    ck_assert_int_eq(st.ec2.multi_cloud, 1);
    ck_assert_str_eq(item(st.ec2.allowed_auth_uris, 1), "http://b");
    ck_assert_int_eq(st.password.multi_cloud, 1);
    ck_assert_int_eq(st.password.allowed_auth_uris->nelts, 0);

    /* keystonemiddleware's defaults, as heat_keystone_settings_init gives them */
    st = load("[DEFAULT]\n", NULL);
    ck_assert_ptr_null(st.keystone.auth_url);
    ck_assert_int_eq(st.keystone.include_service_catalog, 1);
    ck_assert_int_eq(st.keystone.token_cache_time, 300);
    ck_assert_int_eq(st.keystone.http_request_max_retries, 3);
    ck_assert_str_eq(st.keystone.interface, "internal");
    ck_assert_str_eq(st.keystone.enforce_token_bind, "permissive");
    ck_assert_str_eq(item(st.keystone.service_token_roles, 0), "service");
    ck_assert_ptr_null(st.ec2.auth_uri);
    ck_assert_int_eq(st.ec2.multi_cloud, 0);
}
END_TEST

/* heat's get_client_option('keystone', ...): [clients_keystone] when it has a value, else
 * [clients], option by option; "" is a value (and, as a path, unset). */
START_TEST(test_clients_keystone_fallback)
{
    heat_settings_t st = load("[clients]\n"
                              "ca_file = /etc/ca.pem\n"
                              "cert_file = /etc/cert.pem\n"
                              "key_file = /etc/key.pem\n"
                              "insecure = true\n"
                              "[clients_keystone]\n"
                              "cert_file = /etc/ks-cert.pem\n"
                              "key_file =\n",
                              NULL);

    ck_assert_str_eq(st.password.ca_file, "/etc/ca.pem");        /* from [clients] */
    ck_assert_str_eq(st.password.cert_file, "/etc/ks-cert.pem"); /* its own */
    ck_assert_ptr_null(st.password.key_file);                    /* "" is not None */
    ck_assert_int_eq(st.password.insecure, 1);                   /* from [clients] */

    st = load("[clients]\ninsecure = true\n[clients_keystone]\ninsecure = false\n", NULL);
    ck_assert_int_eq(st.password.insecure, 0);
    ck_assert_ptr_null(st.password.ca_file);

    st = load("[DEFAULT]\n", NULL);
    ck_assert_int_eq(st.password.insecure, 0);
    ck_assert_ptr_null(st.password.cert_file);
}
END_TEST

/* http_connect_timeout: None (unset or empty) is 0, the Keystone client's own timeouts. */
START_TEST(test_http_connect_timeout)
{
    heat_settings_t st = load("[keystone_authtoken]\nhttp_connect_timeout = 4\n", NULL);
    ck_assert_int_eq(st.keystone.http_connect_timeout, 4);
    st = load("[keystone_authtoken]\nhttp_connect_timeout =\n", NULL);
    ck_assert_int_eq(st.keystone.http_connect_timeout, 0);
    st = load("[DEFAULT]\n", NULL);
    ck_assert_int_eq(st.keystone.http_connect_timeout, 0);
}
END_TEST

/* heat_settings_derive on its own: it computes from what the rows left, and from heat.conf. */
START_TEST(test_derive)
{
    heat_conf_t *c = parse("[paste_deploy]\nflavor = standalone\n"
                           "[keystone_authtoken]\nhttp_connect_timeout =\n", NULL);
    heat_settings_t st;

    memset(&st, 0, sizeof(st));
    st.paste_flavor = "standalone";
    st.clients.ca_file = "/ca";
    st.clients.insecure = 1;
    st.keystone.http_connect_timeout = 9;
    heat_settings_derive(&st, c);
    ck_assert_int_eq(st.standalone, 1);
    ck_assert_int_eq(st.keystone.standalone, 1);
    ck_assert_int_eq(st.noauth, 0);
    ck_assert_str_eq(st.password.ca_file, "/ca");
    ck_assert_int_eq(st.password.insecure, 1);
    ck_assert_int_eq(st.keystone.http_connect_timeout, 0);
}
END_TEST

/* The flavors heat-api has a pipeline for and mod_heat implements pass; others stop the start
 * with heat's words. */
START_TEST(test_flavor_error)
{
    heat_conf_t *c = parse("[paste_deploy]\nflavor = standalone\n", NULL);
    heat_settings_t st;
    const char *err;

    ck_assert_ptr_null(heat_settings_load(&st, heat_test_pool, c));
    ck_assert_ptr_null(heat_settings_flavor_error(heat_test_pool, &st, c, 1));
    c = parse("[paste_deploy]\nflavor = noauth\n", NULL);
    heat_settings_load(&st, heat_test_pool, c);
    ck_assert_ptr_null(heat_settings_flavor_error(heat_test_pool, &st, c, 0));
    c = parse("[paste_deploy]\nflavor =\n", NULL);
    heat_settings_load(&st, heat_test_pool, c);
    ck_assert_ptr_null(heat_settings_flavor_error(heat_test_pool, &st, c, 1));

    c = parse("[paste_deploy]\nflavor = keystone\napi_paste_config = /etc/heat/api-paste.ini\n", NULL);
    heat_settings_load(&st, heat_test_pool, c);
    err = heat_settings_flavor_error(heat_test_pool, &st, c, 1);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err, "[paste_deploy] flavor = keystone: Unable to load heat-api-keystone from "
                          "configuration file /etc/heat/api-paste.ini.");
    c = parse("[paste_deploy]\nflavor = custombackend\n", NULL);
    heat_settings_load(&st, heat_test_pool, c);
    err = heat_settings_flavor_error(heat_test_pool, &st, c, 1);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "heat-api-custombackend pipeline"));

    /* heat-api-cfn has no heat-api-cfn-noauth pipeline: noauth only where CFN is not served */
    c = parse("[paste_deploy]\nflavor = noauth\napi_paste_config = /etc/heat/api-paste.ini\n", NULL);
    heat_settings_load(&st, heat_test_pool, c);
    ck_assert_ptr_null(heat_settings_flavor_error(heat_test_pool, &st, c, 0));
    err = heat_settings_flavor_error(heat_test_pool, &st, c, 1);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err, "[paste_deploy] flavor = noauth: Unable to load heat-api-cfn-noauth from "
                          "configuration file /etc/heat/api-paste.ini.");
    c = parse("[paste_deploy]\nflavor = standalone\n", NULL);
    heat_settings_load(&st, heat_test_pool, c);
    ck_assert_ptr_null(heat_settings_flavor_error(heat_test_pool, &st, c, 1));
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
    tcase_add_test(tc, test_every_row_reaches_its_field);
    tcase_add_test(tc, test_auth_rows);
    tcase_add_test(tc, test_clients_keystone_fallback);
    tcase_add_test(tc, test_http_connect_timeout);
    tcase_add_test(tc, test_derive);
    tcase_add_test(tc, test_flavor_error);
    suite_add_tcase(s, tc);
    return s;
}
