/* test_conf.c: heat.conf reader (heat_conf.c) against oslo.config's behaviour. The golden
 * cases under test/golden/conf/ hold expectations computed by the real oslo.config
 * (capture.py); the tests below pin each rule on its own, with the values the golden
 * cases and capture.py showed Python to give. */
#include "heat_test.h"
#include "heat_conf.h"
#include "heat_log.h"

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_network_io.h>
#include <apr_strings.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------- */
/* Helpers                                                                               */

/* Files and folders a test created, removed (newest first) when its pool goes. */
static apr_status_t remove_paths(void *data)
{
    apr_array_header_t *paths = data;
    int i;

    for (i = paths->nelts - 1; i >= 0; i--) {
        const char *path = APR_ARRAY_IDX(paths, i, const char *);
        if (apr_file_remove(path, NULL) != APR_SUCCESS)
            apr_dir_remove(path, NULL);
    }
    return APR_SUCCESS;
}

static apr_array_header_t *created;

static void track(const char *path)
{
    if (!created || created->pool != heat_test_pool) {
        created = apr_array_make(heat_test_pool, 8, sizeof(const char *));
        apr_pool_cleanup_register(heat_test_pool, created, remove_paths, apr_pool_cleanup_null);
    }
    APR_ARRAY_PUSH(created, const char *) = path;
}

static const char *make_tmpdir(void)
{
    const char *base = NULL;
    char *tmpl;

    ck_assert(apr_temp_dir_get(&base, heat_test_pool) == APR_SUCCESS);
    tmpl = apr_pstrcat(heat_test_pool, base, "/heat_conf_XXXXXX", NULL);
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    track(tmpl);
    return tmpl;
}

static const char *make_subdir(const char *dir, const char *name)
{
    const char *path = apr_pstrcat(heat_test_pool, dir, "/", name, NULL);

    ck_assert(apr_dir_make(path, APR_FPROT_OS_DEFAULT, heat_test_pool) == APR_SUCCESS);
    track(path);
    return path;
}

static const char *write_bytes(const char *dir, const char *name, const char *data,
                               apr_size_t len)
{
    const char *path = apr_pstrcat(heat_test_pool, dir, "/", name, NULL);
    apr_file_t *f;

    ck_assert(apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE,
                            APR_FPROT_OS_DEFAULT, heat_test_pool) == APR_SUCCESS);
    ck_assert(apr_file_write_full(f, data, len, NULL) == APR_SUCCESS);
    apr_file_close(f);
    track(path);
    return path;
}

static const char *write_text(const char *dir, const char *name, const char *text)
{
    return write_bytes(dir, name, text, strlen(text));
}

static const char *last_path;

/* Reads text as heat.conf and finalizes; *err gets the error (NULL on success). */
static heat_conf_t *load(const char *text, const char **err)
{
    heat_conf_t *conf = heat_conf_create(heat_test_pool);

    last_path = write_text(make_tmpdir(), "heat.conf", text);
    *err = heat_conf_read_file(conf, last_path);
    if (!*err)
        *err = heat_conf_finalize(conf);
    return conf;
}

static heat_conf_t *load_ok(const char *text)
{
    const char *err;
    heat_conf_t *conf = load(text, &err);

    ck_assert_msg(err == NULL, "unexpected error: %s", err);
    return conf;
}

/* The error of text, with the file's path replaced by "F". */
static const char *load_err(const char *text)
{
    const char *err;
    char *at;

    load(text, &err);
    ck_assert_msg(err != NULL, "no error for: %s", text);
    at = strstr(err, last_path);
    if (at)
        err = apr_pstrcat(heat_test_pool, apr_pstrmemdup(heat_test_pool, err, (apr_size_t)(at - err)),
                          "F", at + strlen(last_path), NULL);
    return err;
}

static int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *list_str(const apr_array_header_t *l)
{
    const char *s = "";
    int i;

    ck_assert_ptr_nonnull(l);
    for (i = 0; i < l->nelts; i++)
        s = apr_pstrcat(heat_test_pool, s, i ? "|" : "", APR_ARRAY_IDX(l, i, const char *), NULL);
    return s;
}

/* Log capture for the tests that check what is (not) logged. */
static const char *logged;

static void log_capture(void *baton, const char *file, int line, int level, const char *msg)
{
    (void)baton;
    (void)file;
    (void)line;
    logged = apr_psprintf(heat_test_pool, "%s[%d] %s\n", logged ? logged : "", level, msg);
}

static void log_start(void)
{
    logged = NULL;
    heat_log_set_callback(log_capture, NULL);
}

static void log_stop(void)
{
    heat_log_set_callback(NULL, NULL);
}

/* ------------------------------------------------------------------------------------- */
/* INI parsing (oslo_config/iniparser.py)                                                */

START_TEST(test_parse_assignments)
{
    heat_conf_t *c = load_ok("# comment\n; comment\n[DEFAULT]\n"
                             "debug: TRUE\n"
                             "control_exchange   =   spaced out  \t\n"
                             "heat_metadata_server_url = http://a:8000/v1 # kept\n"
                             "heat_waitcondition_server_url: http://x/y=z\n"
                             "region_name_for_services = a:b\n"
                             "max_template_size:7\n"
                             "\n#\n;\n");

    ck_assert_int_eq(heat_conf_bool(c, "DEFAULT", "debug"), 1);
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "control_exchange"), "spaced out");
    /* no inline comments */
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "heat_metadata_server_url"),
                     "http://a:8000/v1 # kept");
    /* split at whichever of ':' and '=' comes first */
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "heat_waitcondition_server_url"), "http://x/y=z");
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "region_name_for_services"), "a:b");
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "max_template_size"), 7);
}
END_TEST

START_TEST(test_parse_quotes)
{
    heat_conf_t *c = load_ok("[DEFAULT]\n"
                             "control_exchange = \"quoted value\"\n"
                             "region_name_for_services = 'single'\n"
                             "heat_stack_user_role = \"mixed'\n"
                             "heat_metadata_server_url = \"\n"
                             "heat_waitcondition_server_url = a\"b\"\n"
                             "[revision]\n"
                             "heat_revision = \"first\n  second\"\n");

    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "control_exchange"), "quoted value");
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "region_name_for_services"), "single");
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "heat_stack_user_role"), "\"mixed'");
    /* a lone quote is its own pair */
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "heat_metadata_server_url"), "");
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "heat_waitcondition_server_url"), "a\"b\"");
    /* only the first line of a value is looked at */
    ck_assert_str_eq(heat_conf_str(c, "revision", "heat_revision"), "\"first\nsecond\"");
}
END_TEST

START_TEST(test_parse_continuation)
{
    heat_conf_t *c = load_ok("[revision]\n"
                             "heat_revision = first\n"
                             "   second  \n"
                             "\tthird\n"
                             "[DEFAULT]\n"
                             "control_exchange =\n"
                             "  a\n"
                             "   \n" /* a blank line (even of spaces) ends the value */
                             "heat_stack_user_role = x\n");

    ck_assert_str_eq(heat_conf_str(c, "revision", "heat_revision"), "first\nsecond\nthird");
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "control_exchange"), "\na");
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "heat_stack_user_role"), "x");
    /* a comment ends the value, so an indented line after it has nothing to continue */
    ck_assert_str_eq(load_err("[revision]\nheat_revision = a\n# c\n  b\n"),
                     "F:4: Unexpected continuation line");
    ck_assert_str_eq(load_err("[revision]\nheat_revision = a\n\n  b\n"),
                     "F:4: Unexpected continuation line");
}
END_TEST

START_TEST(test_parse_repeated)
{
    heat_conf_t *c = load_ok("[paste_deploy]\nflavor = one\nflavor = two\n"
                             "[revision]\nheat_revision = r1\n"
                             "[paste_deploy]\nflavor = three\napi_paste_config = x.ini\n");

    /* sections merge; the last occurrence of a key wins */
    ck_assert_str_eq(heat_conf_str(c, "paste_deploy", "flavor"), "three");
    ck_assert_str_eq(heat_conf_str(c, "paste_deploy", "api_paste_config"), "x.ini");
    ck_assert_str_eq(heat_conf_str(c, "revision", "heat_revision"), "r1");
}
END_TEST

START_TEST(test_parse_errors)
{
    ck_assert_str_eq(load_err("debug = true\n"), "F:1: Section must be started before assignment");
    ck_assert_str_eq(load_err("# x\n\ndebug = true\n[DEFAULT]\n"),
                     "F:3: Section must be started before assignment");
    ck_assert_str_eq(load_err("  indented\n"), "F:1: Unexpected continuation line");
    ck_assert_str_eq(load_err("[DEFAULT]\n = x\n"), "F:2: Unexpected continuation line");
    ck_assert_str_eq(load_err("[DEFAULT\n"), "F:1: Invalid section (must end with ])");
    ck_assert_str_eq(load_err("[DEFAULT]\n[]\n"), "F:2: Empty section name");
    ck_assert_str_eq(load_err("[DEFAULT]\ndebug true\n"), "F:2: No ':' or '=' found in assignment");
    ck_assert_str_eq(load_err("[DEFAULT]\n= true\n"), "F:2: Key cannot be empty");
    ck_assert_str_eq(load_err("[DEFAULT]\n\t\n:x\n"), "F:3: Key cannot be empty");
}
END_TEST

START_TEST(test_parse_sections)
{
    heat_conf_t *c = load_ok("[default]\ndebug = true\n"     /* not [DEFAULT] */
                             "[DEFAULT]\nDebug = true\n"     /* keys are case-sensitive */
                             "[Heat_API]\nbind_port = 1234\n" /* other sections fold */
                             "[ heat_api ]\nworkers = 9\n"    /* not stripped */
                             "[a]b]\nc = d\n");

    ck_assert_int_eq(heat_conf_bool(c, "DEFAULT", "debug"), 0);
    ck_assert_int_eq(heat_conf_is_set(c, "DEFAULT", "debug"), 0);
    ck_assert_int_eq(heat_conf_int(c, "heat_api", "bind_port"), 1234);
    ck_assert_int_eq(heat_conf_int(c, "heat_api", "workers"), 0);
    ck_assert_str_eq(heat_conf_raw(c, "default", "debug"), "true");
    ck_assert_str_eq(heat_conf_raw(c, "DEFAULT", "Debug"), "true");
    ck_assert_str_eq(heat_conf_raw(c, " heat_api ", "workers"), "9");
    ck_assert_str_eq(heat_conf_raw(c, "a]b", "c"), "d");
    ck_assert_ptr_null(heat_conf_raw(c, "Heat_API", "bind_port"));
}
END_TEST

START_TEST(test_parse_line_ends)
{
    heat_conf_t *c = load_ok("[DEFAULT]\r\ndebug = true\r\nmax_template_size = 5\r"
                             "max_json_body_size = 6\n[revision]\nheat_revision = a\r\n b");

    ck_assert_int_eq(heat_conf_bool(c, "DEFAULT", "debug"), 1);
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "max_template_size"), 5);
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "max_json_body_size"), 6);
    ck_assert_str_eq(heat_conf_str(c, "revision", "heat_revision"), "a\nb");
    /* a lone \r is a line break, so a line number counts it */
    ck_assert_str_eq(load_err("[DEFAULT]\rdebug\n"), "F:2: No ':' or '=' found in assignment");
}
END_TEST

START_TEST(test_parse_unicode)
{
    /* str.strip() strips Unicode whitespace (NBSP, ideographic space) */
    heat_conf_t *c = load_ok("[DEFAULT]\ncontrol_exchange = \xc2\xa0\xc3\xa9t\xc3\xa9\xe3\x80\x80\n"
                             "rpc_response_timeout = \xc2\xa0" "5\xe2\x80\x83\n"
                             "region_name_for_services = a\x1c\n");

    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "control_exchange"), "\xc3\xa9t\xc3\xa9");
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "rpc_response_timeout"), 5);
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "region_name_for_services"), "a");
    /* a zero-width space is not whitespace */
    c = load_ok("[DEFAULT]\ncontrol_exchange = \xe2\x80\x8bx\n");
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "control_exchange"), "\xe2\x80\x8bx");
    /* a byte order mark is part of the first line, as Python reads utf-8 */
    ck_assert_str_eq(load_err("\xef\xbb\xbf[DEFAULT]\n"), "F:1: No ':' or '=' found in assignment");
    ck_assert_str_eq(load_err("[DEFAULT]\ncontrol_exchange = \xff\n"),
                     "F:2: line is not valid UTF-8");
    ck_assert_str_eq(load_err("[DEFAULT]\ncontrol_exchange = \xed\xa0\x80\n"),
                     "F:2: line is not valid UTF-8");
    ck_assert_str_eq(load_err("[DEFAULT]\ncontrol_exchange = \xc0\xaf\n"),
                     "F:2: line is not valid UTF-8");
}
END_TEST

START_TEST(test_parse_nul)
{
    const char *dir = make_tmpdir();
    static const char data[] = "[DEFAULT]\n\ndebug = t\0rue\n";
    const char *path = write_bytes(dir, "heat.conf", data, sizeof(data) - 1);
    heat_conf_t *c = heat_conf_create(heat_test_pool);

    ck_assert_str_eq(heat_conf_read_file(c, path),
                     apr_pstrcat(heat_test_pool, path, ":3: NUL byte in line", NULL));
}
END_TEST

START_TEST(test_parse_long_line)
{
    apr_size_t n = 3 * 1024 * 1024;
    char *big = apr_palloc(heat_test_pool, n + 64);
    heat_conf_t *c;

    strcpy(big, "[DEFAULT]\ncontrol_exchange = ");
    memset(big + strlen(big), 'x', n);
    big[29 + n] = '\0';
    strcat(big + 29 + n, "y\n");
    c = load_ok(big);
    ck_assert_uint_eq(strlen(heat_conf_str(c, "DEFAULT", "control_exchange")), n + 1);
    ck_assert_int_eq(heat_conf_str(c, "DEFAULT", "control_exchange")[n], 'y');
}
END_TEST

START_TEST(test_read_errors)
{
    heat_conf_t *c = heat_conf_create(heat_test_pool);
    const char *dir = make_tmpdir();
    const char *err;

    err = heat_conf_read_file(c, "/nonexistent/heat.conf");
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(starts_with(err, "/nonexistent/heat.conf: cannot open config file: "), "%s", err);
    err = heat_conf_read_file(c, dir);
    ck_assert_str_eq(err, apr_pstrcat(heat_test_pool, dir,
                                      ": cannot read config file: is a directory", NULL));
    err = heat_conf_read_dir(c, "/nonexistent/heat.conf.d");
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(starts_with(err, "/nonexistent/heat.conf.d: cannot read config directory: "), "%s",
                  err);
    /* nothing was read */
    ck_assert_int_eq(heat_conf_files(c)->nelts, 0);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* --config-dir and precedence                                                           */

START_TEST(test_dir_order)
{
    const char *dir = make_tmpdir(), *d;
    heat_conf_t *c = heat_conf_create(heat_test_pool);
    const apr_array_header_t *files;

    write_text(dir, "heat.conf", "[DEFAULT]\nmax_template_size = 1\nmax_json_body_size = 1\n"
                                 "rpc_response_timeout = 1\nclient_retry_limit = 1\n");
    d = make_subdir(dir, "heat.conf.d");
    write_text(d, "10-b.conf", "[DEFAULT]\nmax_template_size = 10\n");
    write_text(d, "02-a.conf", "[DEFAULT]\nmax_template_size = 2\nmax_json_body_size = 2\n");
    write_text(d, "2-c.conf", "[DEFAULT]\nrpc_response_timeout = 3\n");
    /* not read: hidden, other extension, upper case */
    write_text(d, ".hidden.conf", "[DEFAULT]\nclient_retry_limit = hidden\n");
    write_text(d, "notes.txt", "not ini\n");
    write_text(d, "x.conf.disabled", "[DEFAULT]\nclient_retry_limit = off\n");
    write_text(d, "X.CONF", "[DEFAULT]\nclient_retry_limit = upper\n");

    ck_assert_ptr_null(heat_conf_read_file(c, apr_pstrcat(heat_test_pool, dir, "/heat.conf", NULL)));
    ck_assert_ptr_null(heat_conf_read_dir(c, d));
    ck_assert_ptr_null(heat_conf_finalize(c));
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "max_template_size"), 10);
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "max_json_body_size"), 2);
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "rpc_response_timeout"), 3);
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "client_retry_limit"), 1);
    files = heat_conf_files(c);
    ck_assert_int_eq(files->nelts, 4);
    ck_assert_str_eq(APR_ARRAY_IDX(files, 0, const char *),
                     apr_pstrcat(heat_test_pool, dir, "/heat.conf", NULL));
    ck_assert_str_eq(APR_ARRAY_IDX(files, 1, const char *),
                     apr_pstrcat(heat_test_pool, d, "/02-a.conf", NULL));
    ck_assert_str_eq(APR_ARRAY_IDX(files, 2, const char *),
                     apr_pstrcat(heat_test_pool, d, "/10-b.conf", NULL));
    ck_assert_str_eq(APR_ARRAY_IDX(files, 3, const char *),
                     apr_pstrcat(heat_test_pool, d, "/2-c.conf", NULL));
}
END_TEST

START_TEST(test_dir_errors)
{
    const char *dir = make_tmpdir(), *d, *err;
    heat_conf_t *c = heat_conf_create(heat_test_pool);

    d = make_subdir(dir, "conf.d");
    write_text(d, "a.conf", "[DEFAULT]\n");
    make_subdir(d, "b.conf"); /* a directory that matches the glob */
    err = heat_conf_read_dir(c, d);
    ck_assert_str_eq(err, apr_pstrcat(heat_test_pool, d,
                                      "/b.conf: cannot read config file: is a directory", NULL));

    c = heat_conf_create(heat_test_pool);
    d = make_subdir(dir, "conf2.d");
    write_text(d, "a.conf", "[DEFAULT]\nok = 1\n[x\n");
    err = heat_conf_read_dir(c, d);
    ck_assert_str_eq(err, apr_pstrcat(heat_test_pool, d,
                                      "/a.conf:3: Invalid section (must end with ])", NULL));

    /* an empty directory is fine */
    c = heat_conf_create(heat_test_pool);
    ck_assert_ptr_null(heat_conf_read_dir(c, make_subdir(dir, "empty.d")));
    ck_assert_ptr_null(heat_conf_finalize(c));
    ck_assert_int_eq(heat_conf_files(c)->nelts, 0);
}
END_TEST

/* Only the winning value is converted: a bad value overridden later does not matter, and a
 * bad value in a later file does. */
START_TEST(test_only_winner_checked)
{
    const char *dir = make_tmpdir(), *d;
    heat_conf_t *c = heat_conf_create(heat_test_pool);
    const char *err;

    write_text(dir, "heat.conf", "[DEFAULT]\nmax_template_size = not a number\n");
    d = make_subdir(dir, "conf.d");
    write_text(d, "a.conf", "[DEFAULT]\nmax_template_size = 5\n");
    ck_assert_ptr_null(heat_conf_read_file(c, apr_pstrcat(heat_test_pool, dir, "/heat.conf", NULL)));
    ck_assert_ptr_null(heat_conf_read_dir(c, d));
    ck_assert_ptr_null(heat_conf_finalize(c));
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "max_template_size"), 5);

    c = heat_conf_create(heat_test_pool);
    write_text(d, "b.conf", "[DEFAULT]\nmax_template_size = five\n");
    ck_assert_ptr_null(heat_conf_read_file(c, apr_pstrcat(heat_test_pool, dir, "/heat.conf", NULL)));
    ck_assert_ptr_null(heat_conf_read_dir(c, d));
    err = heat_conf_finalize(c);
    ck_assert_str_eq(err, apr_pstrcat(heat_test_pool, d, "/b.conf:2: [DEFAULT] max_template_size: "
                                      "invalid integer value 'five'", NULL));
}
END_TEST

START_TEST(test_multi)
{
    const char *dir = make_tmpdir(), *d;
    heat_conf_t *c = heat_conf_create(heat_test_pool);

    write_text(dir, "heat.conf", "[oslo_policy]\npolicy_dirs = a\n[DEFAULT]\npolicy_dirs = b\n"
                                 "[oslo_policy]\npolicy_dirs = c\n");
    d = make_subdir(dir, "conf.d");
    write_text(d, "1.conf", "[oslo_policy]\npolicy_dirs = d\n[DEFAULT]\npolicy_dirs = e\n");
    write_text(d, "2.conf", "[oslo_policy]\npolicy_dirs = f\n");
    ck_assert_ptr_null(heat_conf_read_file(c, apr_pstrcat(heat_test_pool, dir, "/heat.conf", NULL)));
    ck_assert_ptr_null(heat_conf_read_dir(c, d));
    ck_assert_ptr_null(heat_conf_finalize(c));
    /* every file, oldest first; within a file the deprecated name's values come first */
    ck_assert_str_eq(list_str(heat_conf_list(c, "oslo_policy", "policy_dirs")), "b|a|c|e|d|f");
    ck_assert_str_eq(heat_conf_text(c, "oslo_policy", "policy_dirs"),
                     "['b', 'a', 'c', 'e', 'd', 'f']");

    c = load_ok("[oslo_policy]\npolicy_dirs =\npolicy_dirs = x, y\n");
    ck_assert_str_eq(list_str(heat_conf_list(c, "oslo_policy", "policy_dirs")), "|x, y");
    c = load_ok("[DEFAULT]\n");
    ck_assert_str_eq(list_str(heat_conf_list(c, "oslo_policy", "policy_dirs")), "policy.d");
    ck_assert_int_eq(heat_conf_is_set(c, "oslo_policy", "policy_dirs"), 0);
}
END_TEST

START_TEST(test_deprecated_names)
{
    const char *dir = make_tmpdir(), *d;
    heat_conf_t *c = heat_conf_create(heat_test_pool);
    int line = -1;

    write_text(dir, "heat.conf", "[DEFAULT]\nbind_port = 1111\nbind_host = ::1\nworkers = 4\n"
                                 "[heat_api]\nbind_port = 2222\n"
                                 "[keystone_authtoken]\nauth_uri = http://legacy:5000\n"
                                 "tenant_name = svc\nuser_name = heat\n"
                                 "[oslo_messaging_rabbit]\nkombu_ssl_ca_certs = /old.pem\n"
                                 "ssl_ca_file = /current.pem\n"
                                 "[profiler]\nprofiler_enabled = true\n");
    d = make_subdir(dir, "conf.d");
    write_text(d, "50.conf", "[DEFAULT]\nworkers = 6\n[heat_api_cfn]\nworkers = 2\n");
    ck_assert_ptr_null(heat_conf_read_file(c, apr_pstrcat(heat_test_pool, dir, "/heat.conf", NULL)));
    ck_assert_ptr_null(heat_conf_read_dir(c, d));
    log_start();
    ck_assert_ptr_null(heat_conf_finalize(c));
    log_stop();

    /* [DEFAULT] bind_port is a deprecated name of both servers' bind_port */
    ck_assert_int_eq(heat_conf_int(c, "heat_api", "bind_port"), 2222);
    ck_assert_int_eq(heat_conf_int(c, "heat_api_cfn", "bind_port"), 1111);
    ck_assert_int_eq(heat_conf_is_set(c, "heat_api_cfn", "bind_port"), 1);
    ck_assert_str_eq(heat_conf_str(c, "heat_api_cfn", "bind_host"), "::1");
    /* a deprecated name in a newer file beats the current name in an older one */
    ck_assert_int_eq(heat_conf_int(c, "heat_api", "workers"), 6);
    ck_assert_int_eq(heat_conf_int(c, "heat_api_cfn", "workers"), 2);
    ck_assert_str_eq(heat_conf_origin(c, "heat_api", "workers", &line),
                     apr_pstrcat(heat_test_pool, d, "/50.conf", NULL));
    ck_assert_int_eq(line, 2);
    /* auth_uri is its own option and the old name of www_authenticate_uri */
    ck_assert_str_eq(heat_conf_str(c, "keystone_authtoken", "www_authenticate_uri"),
                     "http://legacy:5000");
    ck_assert_str_eq(heat_conf_str(c, "keystone_authtoken", "auth_uri"), "http://legacy:5000");
    ck_assert_str_eq(heat_conf_str(c, "keystone_authtoken", "project_name"), "svc");
    ck_assert_str_eq(heat_conf_str(c, "keystone_authtoken", "username"), "heat");
    /* the current name wins within one file */
    ck_assert_str_eq(heat_conf_str(c, "oslo_messaging_rabbit", "ssl_ca_file"), "/current.pem");
    ck_assert_int_eq(heat_conf_bool(c, "profiler", "enabled"), 1);
    /* raw lookups do not follow deprecated names */
    ck_assert_ptr_null(heat_conf_raw(c, "heat_api_cfn", "bind_port"));
    ck_assert_str_eq(heat_conf_raw(c, "DEFAULT", "bind_port"), "1111");
    ck_assert_ptr_nonnull(logged);
    ck_assert_msg(strstr(logged, "option [DEFAULT] bind_port is deprecated, use [heat_api_cfn] "
                                 "bind_port"), "%s", logged);

    /* the current name in a newer file beats a deprecated one in an older file */
    c = load_ok("[keystone_authtoken]\nwww_authenticate_uri = http://new\nauth_uri = http://old\n");
    ck_assert_str_eq(heat_conf_str(c, "keystone_authtoken", "www_authenticate_uri"), "http://new");
    ck_assert_str_eq(heat_conf_str(c, "keystone_authtoken", "auth_uri"), "http://old");
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* Substitution (cfg.ConfigOpts._substitute)                                             */

START_TEST(test_interp_basic)
{
    heat_conf_t *c = load_ok("[DEFAULT]\nhost = api1\n"
                             "region_name_for_services = $host-region\n"
                             "heat_metadata_server_url = http://${host}:8000\n"
                             "heat_waitcondition_server_url = ${heat_metadata_server_url}/v1/wc\n"
                             "[heat_api]\nheat_api_root = http://$bind_host:$bind_port/$host\n"
                             "[revision]\nheat_revision = ${heat_api.heat_api_root}|${paste_deploy.flavor}|\n");

    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "region_name_for_services"), "api1-region");
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "heat_metadata_server_url"), "http://api1:8000");
    /* references are themselves substituted, whatever the order in the file */
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "heat_waitcondition_server_url"),
                     "http://api1:8000/v1/wc");
    /* a bare name looks in its own section first (bind_host, defaulted), then [DEFAULT] */
    ck_assert_str_eq(heat_conf_str(c, "heat_api", "heat_api_root"), "http://0.0.0.0:8004/api1");
    /* None substitutes as '' */
    ck_assert_str_eq(heat_conf_str(c, "revision", "heat_revision"), "http://0.0.0.0:8004/api1||");
    /* a value set in its own section shadows [DEFAULT] */
    c = load_ok("[DEFAULT]\nbind_port = 1\n[heat_api]\nbind_port = 2\nheat_api_root = $bind_port\n");
    ck_assert_str_eq(heat_conf_str(c, "heat_api", "heat_api_root"), "2");
}
END_TEST

START_TEST(test_interp_escapes)
{
    heat_conf_t *c = load_ok("[DEFAULT]\n"
                             "control_exchange = $$heat \\$lit $ end ${ x } $1 $- ${} $$$$\n"
                             "heat_stack_user_role = a\\\\$${debug}\n");

    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "control_exchange"),
                     "$heat $lit $ end ${ x } $1 $- ${} $$");
    /* "\\$" becomes "$$" first, even after another backslash */
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "heat_stack_user_role"), "a\\$False");
}
END_TEST

START_TEST(test_interp_typed)
{
    heat_conf_t *c = load_ok("[DEFAULT]\n"
                             "heat_stack_user_role = $debug $rpc_response_timeout $hidden_stack_tags\n"
                             "[oslo_messaging_rabbit]\n"
                             "ssl_version = $kombu_reconnect_delay/$ssl/$heartbeat_rate/${kombu_compression}.\n"
                             "kombu_reconnect_delay = 0.30000000000000004\n"
                             "[revision]\nheat_revision = ${cors.allowed_origin}\n"
                             "[cors]\nallowed_origin = http://a, it's, \"q\"\\\n");

    /* str() of the typed value, not the text: True/False, lists as Python prints them */
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "heat_stack_user_role"),
                     "False 60 ['data-processing-cluster']");
    ck_assert_str_eq(heat_conf_str(c, "oslo_messaging_rabbit", "ssl_version"),
                     "0.30000000000000004/False/2/.");
    ck_assert_str_eq(heat_conf_str(c, "revision", "heat_revision"),
                     "['http://a', \"it's\", '\"q\"\\\\']");
    c = load_ok("[DEFAULT]\ndebug = yes\nheat_stack_user_role = $debug\n");
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "heat_stack_user_role"), "True");
    /* a reference to a bool may feed another bool */
    c = load_ok("[DEFAULT]\ndebug = $enable_stack_adopt\nenable_stack_adopt = YES\n");
    ck_assert_int_eq(heat_conf_bool(c, "DEFAULT", "debug"), 1);
}
END_TEST

START_TEST(test_interp_errors)
{
    ck_assert_str_eq(load_err("[revision]\nheat_revision = r$nosuch\n"),
                     "F:2: [revision] heat_revision: cannot substitute $nosuch: no option "
                     "'nosuch' in [revision] or [DEFAULT]");
    ck_assert_str_eq(load_err("[DEFAULT]\ncontrol_exchange = ${nosuch}\n"),
                     "F:2: [DEFAULT] control_exchange: cannot substitute ${nosuch}: no option "
                     "'nosuch' in [DEFAULT]");
    ck_assert_str_eq(load_err("[revision]\nheat_revision = ${nosuch.opt}\n"),
                     "F:2: [revision] heat_revision: cannot substitute ${nosuch.opt}: no option "
                     "'opt' in [nosuch]");
    ck_assert_str_eq(load_err("[revision]\nheat_revision = ${heat_api.nosuch}\n"),
                     "F:2: [revision] heat_revision: cannot substitute ${heat_api.nosuch}: no "
                     "option 'nosuch' in [heat_api]");
    /* the name takes the dots: "$debug." is option "" of group "debug" */
    ck_assert_str_eq(load_err("[revision]\nheat_revision = $debug.\n"),
                     "F:2: [revision] heat_revision: cannot substitute $debug.: no option '' in "
                     "[debug]");
    ck_assert_str_eq(load_err("[revision]\nheat_revision = $heat_api\n"),
                     "F:2: [revision] heat_revision: cannot substitute $heat_api: [heat_api] is a "
                     "section, not an option");
    ck_assert_str_eq(load_err("[revision]\nheat_revision = ${DEFAULT.debug}\n"),
                     "F:2: [revision] heat_revision: cannot substitute ${DEFAULT.debug}: [DEFAULT] "
                     "options are referenced without a section");
    /* names are case-sensitive */
    ck_assert_str_eq(load_err("[revision]\nheat_revision = $DEBUG\n"),
                     "F:2: [revision] heat_revision: cannot substitute $DEBUG: no option 'DEBUG' "
                     "in [revision] or [DEFAULT]");
    ck_assert_str_eq(load_err("[revision]\nheat_revision = ${Heat_API.bind_port}\n"),
                     "F:2: [revision] heat_revision: cannot substitute ${Heat_API.bind_port}: no "
                     "option 'bind_port' in [Heat_API]");
    /* a bare name finds its own option first: a loop */
    ck_assert_str_eq(load_err("[heat_api]\nbind_port = $bind_port\n[DEFAULT]\nbind_port = 5\n"),
                     "F:2: [heat_api] bind_port: cannot substitute $bind_port: [heat_api] "
                     "bind_port refers back to itself");
    ck_assert_str_eq(load_err("[DEFAULT]\nregion_name_for_services = $heat_stack_user_role\n"
                              "heat_stack_user_role = x$region_name_for_services\n"),
                     "F:3: [DEFAULT] heat_stack_user_role: cannot substitute "
                     "$region_name_for_services: [DEFAULT] region_name_for_services refers back to "
                     "itself");
    /* an error in the referenced option is reported as its own */
    ck_assert_str_eq(load_err("[DEFAULT]\ncontrol_exchange = $max_template_size\n"
                              "max_template_size = big\n"),
                     "F:3: [DEFAULT] max_template_size: invalid integer value 'big'");
    /* a deprecated location is not an option of its section */
    ck_assert_str_eq(load_err("[revision]\nheat_revision = $kombu_reconnect_delay\n"
                              "[DEFAULT]\nkombu_reconnect_delay = 2\n"),
                     "F:2: [revision] heat_revision: cannot substitute $kombu_reconnect_delay: no "
                     "option 'kombu_reconnect_delay' in [revision] or [DEFAULT]");
}
END_TEST

/* Keys outside the table: substituted as if registered as strings (oslo would need them
 * registered; heat registers many that mod_heat does not read). */
START_TEST(test_interp_unknown_keys)
{
    heat_conf_t *c;

    log_start();
    c = load_ok("[DEFAULT]\nstate_path = /var/lib/heat\nlock = $state_path/lock\n"
                "control_exchange = $state_path\nbroken = a$nowhere\n"
                "[database]\nconnection = sqlite:///$state_path/heat.db\n"
                "backend = ${database.connection}|$state_path|$$\n"
                "[revision]\nheat_revision = ${database.connection}\n");
    log_stop();
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "control_exchange"), "/var/lib/heat");
    ck_assert_str_eq(heat_conf_str(c, "revision", "heat_revision"), "sqlite:////var/lib/heat/heat.db");
    ck_assert_str_eq(heat_conf_raw(c, "DEFAULT", "lock"), "/var/lib/heat/lock");
    ck_assert_str_eq(heat_conf_raw(c, "database", "backend"),
                     "sqlite:////var/lib/heat/heat.db|/var/lib/heat|$");
    /* an unknown key whose reference fails keeps its text and is only logged */
    ck_assert_str_eq(heat_conf_raw(c, "DEFAULT", "broken"), "a$nowhere");
    ck_assert_ptr_nonnull(logged);
    ck_assert_msg(strstr(logged, "[DEFAULT] broken: cannot substitute $nowhere") != NULL, "%s", logged);
    /* sections the table knows completely have no other keys to fall back to */
    ck_assert_str_eq(load_err("[heat_api]\nbogus = 1\nheat_api_root = $bogus\n"),
                     "F:3: [heat_api] heat_api_root: cannot substitute $bogus: no option 'bogus' "
                     "in [heat_api] or [DEFAULT]");
    /* loops through unknown keys end */
    ck_assert_ptr_nonnull(strstr(load_err("[x]\na = $b\nb = $a\n[revision]\nheat_revision = ${x.a}\n"),
                                 "references nested too deeply (a loop?)"));
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* Types (oslo_config/types.py)                                                          */

/* Sets [section] name = value by override (no stripping, so exact spellings reach the type)
 * and returns the error or NULL. */
static const char *try_value(heat_conf_t **out, const char *section, const char *name,
                             const char *value)
{
    heat_conf_t *c = heat_conf_create(heat_test_pool);
    const char *err = heat_conf_override(c, section, name, value, "T");

    ck_assert_ptr_null(err);
    *out = c;
    return heat_conf_finalize(c);
}

START_TEST(test_type_bool)
{
    static const char *const yes[] = {"true", "TRUE", "True", "1", "on", "On", "yes", "YES", NULL};
    static const char *const no[] = {"false", "FaLsE", "0", "off", "OFF", "no", "No", NULL};
    static const char *const bad[] = {"maybe", "", " true", "true ", "y", "t", "2", "enabled",
                                      "truee", "\xc4\xb0", NULL};
    const char *const *v;
    heat_conf_t *c;

    for (v = yes; *v; v++) {
        ck_assert_msg(try_value(&c, "DEFAULT", "debug", *v) == NULL, "%s", *v);
        ck_assert_int_eq(heat_conf_bool(c, "DEFAULT", "debug"), 1);
        ck_assert_str_eq(heat_conf_text(c, "DEFAULT", "debug"), "True");
    }
    for (v = no; *v; v++) {
        ck_assert_msg(try_value(&c, "DEFAULT", "debug", *v) == NULL, "%s", *v);
        ck_assert_int_eq(heat_conf_bool(c, "DEFAULT", "debug"), 0);
        ck_assert_int_eq(heat_conf_is_set(c, "DEFAULT", "debug"), 1);
    }
    for (v = bad; *v; v++)
        ck_assert_str_eq(try_value(&c, "DEFAULT", "debug", *v),
                         apr_psprintf(heat_test_pool, "T: [DEFAULT] debug: invalid boolean value "
                                      "'%s' (accepted, in any case: true/false, 1/0, on/off, yes/no)",
                                      **v == '\xc4' ? "\\xc4\\xb0" : *v));
}
END_TEST

START_TEST(test_type_int)
{
    static const struct {
        const char *text;
        apr_int64_t value;
    } good[] = {{"5", 5},       {"+5", 5},         {"-5", -5},   {"0005", 5}, {"1_000", 1000},
                {" 7 ", 7},     {"\t8\n", 8},      {"-0", 0},    {"9223372036854775807", INT64_MAX},
                {"-9223372036854775808", INT64_MIN}, {NULL, 0}};
    /* (Python's int() would take the Arabic-Indic digit; mod_heat is ASCII-only) */
    static const char *const bad[] = {"1.0", "0x10", "1__0", "_1", "1_", "5 5", "five", "+",
                                      "--1", "1e3", "\xd9\xa3", NULL};
    heat_conf_t *c;
    int i;

    for (i = 0; good[i].text; i++) {
        ck_assert_msg(try_value(&c, "heat_api", "tcp_keepidle", good[i].text) == NULL, "%s",
                      good[i].text);
        ck_assert_int_eq(heat_conf_int(c, "heat_api", "tcp_keepidle"), good[i].value);
    }
    for (i = 0; bad[i]; i++) {
        const char *err = try_value(&c, "heat_api", "tcp_keepidle", bad[i]);
        ck_assert_msg(err && strstr(err, "T: [heat_api] tcp_keepidle: invalid integer value '"),
                      "%s: %s", bad[i], err);
    }
    ck_assert_str_eq(try_value(&c, "heat_api", "tcp_keepidle", "99999999999999999999"),
                     "T: [heat_api] tcp_keepidle: integer value '99999999999999999999' does not "
                     "fit in 64 bits");
    /* empty or blank is None, and skips the range check */
    ck_assert_ptr_null(try_value(&c, "heat_api", "workers", "  "));
    ck_assert_int_eq(heat_conf_has_value(c, "heat_api", "workers"), 0);
    ck_assert_int_eq(heat_conf_is_set(c, "heat_api", "workers"), 1);
    ck_assert_int_eq(heat_conf_int(c, "heat_api", "workers"), 0);
    ck_assert_str_eq(heat_conf_text(c, "heat_api", "workers"), "");
    /* ranges */
    ck_assert_ptr_null(try_value(&c, "heat_api", "workers", "0"));
    ck_assert_str_eq(try_value(&c, "heat_api", "workers", "-1"),
                     "T: [heat_api] workers: value '-1' out of range: should be greater than or "
                     "equal to 0");
    ck_assert_ptr_null(try_value(&c, "oslo_messaging_rabbit", "rabbit_transient_queues_ttl", "1"));
    ck_assert_str_eq(try_value(&c, "oslo_messaging_rabbit", "rabbit_transient_queues_ttl", "0"),
                     "T: [oslo_messaging_rabbit] rabbit_transient_queues_ttl: value '0' out of "
                     "range: should be greater than or equal to 1");
    ck_assert_str_eq(try_value(&c, "DEFAULT", "rpc_conn_pool_size", "0"),
                     "T: [DEFAULT] rpc_conn_pool_size: value '0' out of range: should be greater "
                     "than or equal to 1");
    /* no range: anything goes */
    ck_assert_ptr_null(try_value(&c, "heat_api", "tcp_keepidle", "-5"));
    ck_assert_int_eq(heat_conf_int(c, "heat_api", "tcp_keepidle"), -5);
}
END_TEST

START_TEST(test_type_port)
{
    heat_conf_t *c;

    ck_assert_ptr_null(try_value(&c, "heat_api", "bind_port", "0"));
    ck_assert_int_eq(heat_conf_int(c, "heat_api", "bind_port"), 0);
    ck_assert_ptr_null(try_value(&c, "heat_api", "bind_port", "65535"));
    ck_assert_int_eq(heat_conf_int(c, "heat_api", "bind_port"), 65535);
    ck_assert_str_eq(try_value(&c, "heat_api", "bind_port", "65536"),
                     "T: [heat_api] bind_port: value '65536' out of range: should be less than or "
                     "equal to 65535");
    ck_assert_str_eq(try_value(&c, "heat_api_cfn", "bind_port", "-1"),
                     "T: [heat_api_cfn] bind_port: value '-1' out of range: should be greater than "
                     "or equal to 0");
    ck_assert_str_eq(try_value(&c, "heat_api", "bind_port", "http"),
                     "T: [heat_api] bind_port: invalid port value 'http'");
    ck_assert_ptr_null(try_value(&c, "heat_api", "bind_port", ""));
    ck_assert_int_eq(heat_conf_has_value(c, "heat_api", "bind_port"), 0);
}
END_TEST

START_TEST(test_type_float)
{
    static const struct {
        const char *text, *str;
    } good[] = {{"4.5", "4.5"},       {".5", "0.5"},          {"1.", "1.0"},
                {"1e-1", "0.1"},      {"1_0e-1", "1.0"},      {" 2 ", "2.0"},
                {"0.1", "0.1"},       {"1e-5", "1e-05"},      {"0.0001", "0.0001"},
                {"1.5E-7", "1.5e-07"}, {"5e-324", "5e-324"},  {"-0.0", "-0.0"},
                {"0.30000000000000004", "0.30000000000000004"}, {"2.5e-300", "2.5e-300"},
                {"nan", "nan"},       {"-NaN", "nan"},        {"1.0000000000000002", "1.0000000000000002"},
                {NULL, NULL}};
    static const char *const bad[] = {"0x1", "1e", "1__0", "_1", "1_.5", "1._5", ".", "e5", "inf5",
                                      "nan(1)", "1,5", "4.5f", NULL};
    heat_conf_t *c;
    int i;

    for (i = 0; good[i].text; i++) {
        ck_assert_msg(try_value(&c, "oslo_messaging_rabbit", "kombu_reconnect_delay", good[i].text)
                      == NULL, "%s", good[i].text);
        ck_assert_str_eq(heat_conf_text(c, "oslo_messaging_rabbit", "kombu_reconnect_delay"),
                         good[i].str);
    }
    ck_assert_ptr_null(try_value(&c, "oslo_messaging_rabbit", "kombu_reconnect_delay", "0.25"));
    ck_assert_double_eq(heat_conf_float(c, "oslo_messaging_rabbit", "kombu_reconnect_delay"), 0.25);
    /* NaN passes any range, as in Python */
    ck_assert_ptr_null(try_value(&c, "oslo_messaging_rabbit", "kombu_reconnect_delay", "nan"));
    ck_assert(isnan(heat_conf_float(c, "oslo_messaging_rabbit", "kombu_reconnect_delay")));
    for (i = 0; bad[i]; i++) {
        const char *err = try_value(&c, "oslo_messaging_rabbit", "kombu_reconnect_delay", bad[i]);
        ck_assert_msg(err && strstr(err, "invalid floating point value '"), "%s: %s", bad[i], err);
    }
    ck_assert_str_eq(try_value(&c, "oslo_messaging_rabbit", "kombu_reconnect_delay", "4.6"),
                     "T: [oslo_messaging_rabbit] kombu_reconnect_delay: value '4.6' out of range: "
                     "should be less than or equal to 4.5");
    ck_assert_str_eq(try_value(&c, "oslo_messaging_rabbit", "kombu_reconnect_delay", "-inf"),
                     "T: [oslo_messaging_rabbit] kombu_reconnect_delay: value '-inf' out of range: "
                     "should be greater than or equal to 0");
    ck_assert_ptr_nonnull(try_value(&c, "oslo_messaging_rabbit", "kombu_reconnect_delay", "Infinity"));
    ck_assert_ptr_null(try_value(&c, "oslo_messaging_rabbit", "kombu_reconnect_delay", ""));
    ck_assert_int_eq(heat_conf_has_value(c, "oslo_messaging_rabbit", "kombu_reconnect_delay"), 0);
}
END_TEST

START_TEST(test_type_list)
{
    heat_conf_t *c;

    ck_assert_ptr_null(try_value(&c, "cors", "allowed_origin", " a, b ,,c , ,,"));
    ck_assert_str_eq(list_str(heat_conf_list(c, "cors", "allowed_origin")), "a|b||c|");
    ck_assert_int_eq(heat_conf_list(c, "cors", "allowed_origin")->nelts, 5);
    ck_assert_ptr_null(try_value(&c, "cors", "allowed_origin", ",a"));
    ck_assert_str_eq(list_str(heat_conf_list(c, "cors", "allowed_origin")), "|a");
    ck_assert_ptr_null(try_value(&c, "cors", "allowed_origin", " , "));
    ck_assert_int_eq(heat_conf_list(c, "cors", "allowed_origin")->nelts, 0);
    ck_assert_int_eq(heat_conf_has_value(c, "cors", "allowed_origin"), 1);
    ck_assert_ptr_null(try_value(&c, "cors", "allowed_origin", "\n a,\n b"));
    ck_assert_str_eq(list_str(heat_conf_list(c, "cors", "allowed_origin")), "a|b");
    /* defaults: None (allowed_origin) versus [] (backends) */
    c = load_ok("[DEFAULT]\n");
    ck_assert_int_eq(heat_conf_has_value(c, "cors", "allowed_origin"), 0);
    ck_assert_int_eq(heat_conf_list(c, "cors", "allowed_origin")->nelts, 0);
    ck_assert_int_eq(heat_conf_has_value(c, "healthcheck", "backends"), 1);
    ck_assert_int_eq(heat_conf_list(c, "healthcheck", "backends")->nelts, 0);
    ck_assert_str_eq(list_str(heat_conf_list(c, "cors", "allow_methods")), "GET|PUT|POST|DELETE|PATCH");
}
END_TEST

START_TEST(test_type_ip)
{
    static const char *const good[] = {"0.0.0.0", "127.0.0.1", "::", "::1", "::ffff:10.0.0.1",
                                       "fe80::1", "2001:db8::8:800:200c:417a", NULL};
    static const char *const bad[] = {"localhost", "01.2.3.4", "1.2.3", "256.0.0.1", " ::1",
                                      "fe80::1%eth0", "[::1]", "1.2.3.4/24", NULL};
    const char *const *v;
    heat_conf_t *c;

    for (v = good; *v; v++) {
        ck_assert_msg(try_value(&c, "heat_api", "bind_host", *v) == NULL, "%s", *v);
        ck_assert_str_eq(heat_conf_str(c, "heat_api", "bind_host"), *v);
    }
    for (v = bad; *v; v++)
        ck_assert_str_eq(try_value(&c, "heat_api", "bind_host", *v),
                         apr_psprintf(heat_test_pool, "T: [heat_api] bind_host: invalid IP address "
                                      "'%s' (not IPv4 or IPv6)", *v));
    ck_assert_str_eq(try_value(&c, "heat_api_cfn", "bind_host", ""),
                     "T: [heat_api_cfn] bind_host: IP address cannot be an empty string");
}
END_TEST

START_TEST(test_type_choices)
{
    heat_conf_t *c;

    ck_assert_ptr_null(try_value(&c, "DEFAULT", "deferred_auth_method", "password"));
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "deferred_auth_method"), "password");
    ck_assert_str_eq(try_value(&c, "DEFAULT", "deferred_auth_method", "Trusts"),
                     "T: [DEFAULT] deferred_auth_method: invalid value 'Trusts' (valid values: "
                     "password, trusts)");
    ck_assert_str_eq(try_value(&c, "oslo_messaging_rabbit", "kombu_failover_strategy", ""),
                     "T: [oslo_messaging_rabbit] kombu_failover_strategy: invalid value '' (valid "
                     "values: round-robin, shuffle)");
    /* memcache_security_strategy ignores case and keeps the spelling */
    ck_assert_ptr_null(try_value(&c, "keystone_authtoken", "memcache_security_strategy", "encrypt"));
    ck_assert_str_eq(heat_conf_str(c, "keystone_authtoken", "memcache_security_strategy"), "encrypt");
    ck_assert_str_eq(try_value(&c, "keystone_authtoken", "memcache_security_strategy", "aes"),
                     "T: [keystone_authtoken] memcache_security_strategy: invalid value 'aes' "
                     "(valid values, in any case: None, MAC, ENCRYPT)");
}
END_TEST

START_TEST(test_defaults)
{
    heat_conf_t *c = load_ok("");
    char host[APRMAXHOSTLEN + 1];

    ck_assert(apr_gethostname(host, sizeof(host), heat_test_pool) == APR_SUCCESS);
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "host"), host);
    ck_assert_int_eq(heat_conf_bool(c, "DEFAULT", "debug"), 0);
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "max_template_size"), 524288);
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "max_json_body_size"), 1048576);
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "transport_url"), "rabbit://");
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "control_exchange"), "heat");
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "rpc_response_timeout"), 60);
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "client_retry_limit"), 2);
    ck_assert_ptr_null(heat_conf_str(c, "DEFAULT", "heat_waitcondition_server_url"));
    ck_assert_int_eq(heat_conf_has_value(c, "DEFAULT", "heat_waitcondition_server_url"), 0);
    ck_assert_str_eq(heat_conf_str(c, "heat_api", "bind_host"), "0.0.0.0");
    ck_assert_int_eq(heat_conf_int(c, "heat_api", "bind_port"), 8004);
    ck_assert_int_eq(heat_conf_int(c, "heat_api_cfn", "bind_port"), 8000);
    ck_assert_int_eq(heat_conf_int(c, "heat_api", "workers"), 0);
    ck_assert_int_eq(heat_conf_int(c, "heat_api_cfn", "workers"), 1);
    ck_assert_int_eq(heat_conf_int(c, "heat_api", "max_header_line"), 16384);
    ck_assert_ptr_null(heat_conf_str(c, "heat_api", "heat_api_root"));
    ck_assert_ptr_null(heat_conf_str(c, "paste_deploy", "flavor"));
    ck_assert_str_eq(heat_conf_str(c, "paste_deploy", "api_paste_config"), "api-paste.ini");
    ck_assert_str_eq(heat_conf_str(c, "revision", "heat_revision"), "unknown");
    ck_assert_str_eq(heat_conf_str(c, "clients_keystone", "auth_uri"), "");
    ck_assert_int_eq(heat_conf_has_value(c, "clients_keystone", "insecure"), 0);
    ck_assert_int_eq(heat_conf_has_value(c, "clients", "insecure"), 1);
    ck_assert_str_eq(heat_conf_str(c, "keystone_authtoken", "interface"), "internal");
    ck_assert_int_eq(heat_conf_bool(c, "keystone_authtoken", "include_service_catalog"), 1);
    ck_assert_int_eq(heat_conf_bool(c, "keystone_authtoken", "delay_auth_decision"), 0);
    ck_assert_int_eq(heat_conf_int(c, "keystone_authtoken", "token_cache_time"), 300);
    ck_assert_int_eq(heat_conf_int(c, "keystone_authtoken", "http_request_max_retries"), 3);
    ck_assert_int_eq(heat_conf_has_value(c, "keystone_authtoken", "http_connect_timeout"), 0);
    ck_assert_str_eq(list_str(heat_conf_list(c, "keystone_authtoken", "service_token_roles")), "service");
    ck_assert_str_eq(heat_conf_str(c, "oslo_policy", "policy_file"), "policy.yaml");
    ck_assert_str_eq(heat_conf_str(c, "oslo_policy", "policy_default_rule"), "default");
    ck_assert_str_eq(heat_conf_str(c, "healthcheck", "path"), "/healthcheck");
    ck_assert_str_eq(heat_conf_str(c, "profiler", "hmac_keys"), "SECRET_KEY");
    ck_assert_int_eq(heat_conf_int(c, "oslo_messaging_rabbit", "heartbeat_timeout_threshold"), 60);
    ck_assert_int_eq(heat_conf_int(c, "oslo_messaging_rabbit", "rabbit_transient_queues_ttl"), 1800);
    ck_assert_double_eq(heat_conf_float(c, "oslo_messaging_rabbit", "kombu_reconnect_delay"), 1.0);
    ck_assert_str_eq(heat_conf_str(c, "oslo_messaging_rabbit", "rabbit_login_method"), "AMQPLAIN");
    ck_assert_str_eq(heat_conf_str(c, "oslo_messaging_rabbit", "ssl_ca_file"), "");
    ck_assert_str_eq(list_str(heat_conf_list(c, "DEFAULT", "hidden_stack_tags")),
                     "data-processing-cluster");
    ck_assert_int_eq(heat_conf_is_set(c, "DEFAULT", "debug"), 0);
    ck_assert_ptr_null(heat_conf_origin(c, "DEFAULT", "debug", NULL));
}
END_TEST

/* Every option the API tier reads (the brief's list) is in the table. */
START_TEST(test_table_coverage)
{
    static const char *const wanted[] = {
        "DEFAULT debug", "DEFAULT max_template_size", "DEFAULT max_json_body_size",
        "DEFAULT transport_url", "DEFAULT control_exchange", "DEFAULT rpc_response_timeout",
        "DEFAULT client_retry_limit", "DEFAULT heat_metadata_server_url",
        "DEFAULT heat_waitcondition_server_url", "DEFAULT region_name_for_services",
        "DEFAULT host", "DEFAULT enable_stack_adopt", "DEFAULT enable_stack_abandon",
        "heat_api bind_host", "heat_api bind_port", "heat_api workers", "heat_api max_header_line",
        "heat_api heat_api_root", "heat_api_cfn bind_host", "heat_api_cfn bind_port",
        "heat_api_cfn workers", "heat_api_cfn max_header_line", "paste_deploy flavor",
        "paste_deploy api_paste_config", "revision heat_revision", "clients_keystone auth_uri",
        "clients_keystone ca_file", "clients_keystone cert_file", "clients_keystone key_file",
        "clients_keystone insecure", "keystone_authtoken www_authenticate_uri",
        "keystone_authtoken auth_uri", "keystone_authtoken auth_url", "keystone_authtoken auth_type",
        "keystone_authtoken username", "keystone_authtoken password", "keystone_authtoken project_name",
        "keystone_authtoken user_domain_name", "keystone_authtoken project_domain_name",
        "keystone_authtoken user_domain_id", "keystone_authtoken project_domain_id",
        "keystone_authtoken region_name", "keystone_authtoken interface", "keystone_authtoken cafile",
        "keystone_authtoken insecure", "keystone_authtoken certfile", "keystone_authtoken keyfile",
        "keystone_authtoken http_connect_timeout", "keystone_authtoken http_request_max_retries",
        "keystone_authtoken token_cache_time", "keystone_authtoken memcached_servers",
        "keystone_authtoken include_service_catalog", "keystone_authtoken delay_auth_decision",
        "keystone_authtoken service_token_roles", "keystone_authtoken service_token_roles_required",
        "keystone_authtoken service_type", "ec2authtoken auth_uri", "ec2authtoken allowed_auth_uris",
        "ec2authtoken multi_cloud", "auth_password multi_cloud", "auth_password allowed_auth_uris",
        "oslo_policy policy_file", "oslo_policy policy_dirs", "oslo_policy enforce_scope",
        "oslo_policy enforce_new_defaults", "oslo_policy policy_default_rule",
        "oslo_middleware enable_proxy_headers_parsing", "cors allowed_origin",
        "cors allow_credentials", "cors expose_headers", "cors max_age", "cors allow_methods",
        "cors allow_headers", "healthcheck path", "healthcheck detailed", "healthcheck backends",
        "healthcheck disable_by_file_path", "healthcheck disable_by_file_paths",
        "profiler enabled", "profiler hmac_keys", "oslo_messaging_rabbit heartbeat_timeout_threshold",
        "oslo_messaging_rabbit heartbeat_rate", "oslo_messaging_rabbit ssl",
        "oslo_messaging_rabbit ssl_ca_file", "oslo_messaging_rabbit ssl_cert_file",
        "oslo_messaging_rabbit ssl_key_file", "oslo_messaging_rabbit ssl_version",
        "oslo_messaging_rabbit amqp_durable_queues", "oslo_messaging_rabbit amqp_auto_delete",
        "oslo_messaging_rabbit rabbit_ha_queues", "oslo_messaging_rabbit rabbit_quorum_queue",
        "oslo_messaging_rabbit rabbit_transient_queues_ttl",
        "oslo_messaging_rabbit rabbit_retry_interval", "oslo_messaging_rabbit rabbit_retry_backoff",
        "oslo_messaging_rabbit rabbit_interval_max", "oslo_messaging_rabbit kombu_reconnect_delay",
        "oslo_messaging_rabbit rabbit_login_method", "oslo_messaging_rabbit kombu_failover_strategy",
        NULL};
    const char *const *w;
    apr_size_t i;
    const char *sec, *name;
    heat_opt_type_t type;

    for (w = wanted; *w; w++) {
        int found = 0;
        for (i = 0; heat_conf_option(i, &sec, &name, &type); i++)
            if (strcmp(*w, apr_pstrcat(heat_test_pool, sec, " ", name, NULL)) == 0)
                found = 1;
        ck_assert_msg(found, "%s is not in the option table", *w);
    }
    ck_assert_int_eq(heat_conf_option(i, &sec, &name, &type), 0);
    ck_assert_uint_gt(i, 150);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* Overrides (Apache directives)                                                         */

START_TEST(test_override)
{
    const char *dir = make_tmpdir();
    heat_conf_t *c = heat_conf_create(heat_test_pool);
    const char *path = write_text(dir, "heat.conf", "[DEFAULT]\ndebug = true\nmax_template_size = 1\n"
                                                    "[oslo_policy]\npolicy_dirs = file.d\n");
    const char *origin = "HeatOption at /etc/apache2/sites-enabled/heat-api.conf:12";
    int line = -1;

    ck_assert_ptr_null(heat_conf_read_file(c, path));
    ck_assert_ptr_null(heat_conf_override(c, "DEFAULT", "debug", "off", origin));
    ck_assert_ptr_null(heat_conf_override(c, "Heat_API", "bind_port", "$max_template_size", origin));
    ck_assert_ptr_null(heat_conf_override(c, "oslo_policy", "policy_dirs", "one.d", origin));
    ck_assert_ptr_null(heat_conf_override(c, "oslo_policy", "policy_dirs", "two.d", origin));
    ck_assert_ptr_null(heat_conf_override(c, "custom", "thing", "v", origin));
    ck_assert_ptr_null(heat_conf_finalize(c));
    ck_assert_int_eq(heat_conf_bool(c, "DEFAULT", "debug"), 0);
    ck_assert_str_eq(heat_conf_origin(c, "DEFAULT", "debug", &line), origin);
    ck_assert_int_eq(line, 0);
    /* overrides are substituted in their option's section */
    ck_assert_int_eq(heat_conf_int(c, "heat_api", "bind_port"), 1);
    /* the overrides of a multi option replace the files' values */
    ck_assert_str_eq(list_str(heat_conf_list(c, "oslo_policy", "policy_dirs")), "one.d|two.d");
    ck_assert_str_eq(heat_conf_raw(c, "custom", "thing"), "v");
    ck_assert_str_eq(heat_conf_raw(c, "DEFAULT", "debug"), "off");
    /* after finalize: refused */
    ck_assert_str_eq(heat_conf_override(c, "DEFAULT", "debug", "on", origin),
                     apr_pstrcat(heat_test_pool, origin, ": configuration already finalized", NULL));
    ck_assert_ptr_nonnull(heat_conf_read_file(c, path));
    /* a bad override names its origin */
    c = heat_conf_create(heat_test_pool);
    ck_assert_ptr_null(heat_conf_override(c, "heat_api", "bind_port", "99999", origin));
    ck_assert_str_eq(heat_conf_finalize(c),
                     apr_pstrcat(heat_test_pool, origin, ": [heat_api] bind_port: value '99999' out "
                                 "of range: should be less than or equal to 65535", NULL));
    ck_assert_str_eq(heat_conf_override(c, "", "x", "v", origin),
                     apr_pstrcat(heat_test_pool, origin, ": section, option name and value are "
                                 "required", NULL));
    ck_assert_ptr_nonnull(heat_conf_override(c, "DEFAULT", "x", NULL, origin));
}
END_TEST

/* Secrets never reach an error message or the log. */
START_TEST(test_secrets)
{
    const char *err;
    heat_conf_t *c;

    err = load_err("[DEFAULT]\ntransport_url = rabbit://heat:s3cr$t@rabbit:5672/\n");
    ck_assert_str_eq(err, "F:2: [DEFAULT] transport_url: invalid value: a $ reference in it "
                          "cannot be resolved (write $$ for a literal $)");
    err = load_err("[keystone_authtoken]\npassword = xyzzy${heat_api.x}plugh\n");
    ck_assert_msg(!strstr(err, "xyzzy") && !strstr(err, "plugh") && !strstr(err, "heat_api.x"), "%s",
                  err);
    ck_assert_str_eq(err, "F:2: [keystone_authtoken] password: invalid value: a $ reference in "
                          "it cannot be resolved (write $$ for a literal $)");
    /* nor does a value built from a secret one */
    err = load_err("[DEFAULT]\ntransport_url = rabbit://heat:hunter2@rabbit/\n"
                   "max_template_size = $transport_url\n");
    ck_assert_str_eq(err, "F:3: [DEFAULT] max_template_size: invalid integer value");
    err = load_err("[DEFAULT]\nmax_template_size = ${database.connection}\n"
                   "[database]\nconnection = mysql://heat:hunter2@db/heat\n");
    ck_assert_str_eq(err, "F:2: [DEFAULT] max_template_size: invalid integer value");
    /* $$ is the way to write a $ */
    c = load_ok("[DEFAULT]\ntransport_url = rabbit://heat:s3cr$$t@rabbit:5672/\n");
    ck_assert_str_eq(heat_conf_str(c, "DEFAULT", "transport_url"), "rabbit://heat:s3cr$t@rabbit:5672/");
    /* unknown keys that look secret: logged without their text */
    log_start();
    c = load_ok("[database]\nconnection = mysql://heat:hunter2$x@db/heat\n");
    log_stop();
    ck_assert_ptr_nonnull(logged);
    ck_assert_msg(strstr(logged, "hunter2") == NULL && strstr(logged, "[database] connection"),
                  "%s", logged);
    ck_assert_str_eq(heat_conf_raw(c, "database", "connection"), "mysql://heat:hunter2$x@db/heat");
}
END_TEST

START_TEST(test_getter_misuse)
{
    heat_conf_t *c = heat_conf_create(heat_test_pool);

    log_start();
    /* before finalize */
    ck_assert_int_eq(heat_conf_bool(c, "DEFAULT", "debug"), 0);
    ck_assert_ptr_null(heat_conf_raw(c, "DEFAULT", "debug"));
    ck_assert_ptr_null(heat_conf_finalize(c));
    ck_assert_ptr_null(heat_conf_finalize(c)); /* idempotent */
    /* unknown option, wrong type, wrong case */
    ck_assert_ptr_null(heat_conf_str(c, "DEFAULT", "nosuch"));
    ck_assert_int_eq(heat_conf_int(c, "DEFAULT", "debug"), 0);
    ck_assert_ptr_null(heat_conf_str(c, "DEFAULT", "max_template_size"));
    ck_assert_int_eq(heat_conf_bool(c, "default", "debug"), 0);
    ck_assert_double_eq(heat_conf_float(c, "heat_api", "bind_port"), 0.0);
    ck_assert_ptr_nonnull(heat_conf_list(c, "DEFAULT", "debug"));
    ck_assert_int_eq(heat_conf_list(c, "DEFAULT", "debug")->nelts, 0);
    ck_assert_ptr_null(heat_conf_str(c, NULL, "debug"));
    ck_assert_ptr_null(heat_conf_raw(c, "DEFAULT", "nosuch"));
    log_stop();
    ck_assert_ptr_nonnull(logged);
    ck_assert_msg(strstr(logged, "heat_conf_bool([DEFAULT] debug) called before heat_conf_finalize"),
                  "%s", logged);
    ck_assert_msg(strstr(logged, "heat_conf_str: unknown option [DEFAULT] nosuch"), "%s", logged);
    ck_assert_msg(strstr(logged, "heat_conf_int: option [DEFAULT] debug has another type"), "%s",
                  logged);
    ck_assert_msg(strstr(logged, "heat_conf_bool: unknown option [default] debug"), "%s", logged);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* Golden cases: expectations computed by oslo.config (capture.py)                       */

static void json_str(apr_array_header_t *out, const char *s)
{
    APR_ARRAY_PUSH(out, char) = '"';
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        const char *e = NULL;
        char hex[8];

        switch (ch) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        default:
            if (ch < 0x20) {
                snprintf(hex, sizeof(hex), "\\u%04x", ch);
                e = hex;
            }
        }
        if (e)
            for (; *e; e++)
                APR_ARRAY_PUSH(out, char) = *e;
        else
            APR_ARRAY_PUSH(out, char) = (char)ch;
    }
    APR_ARRAY_PUSH(out, char) = '"';
}

static void put(apr_array_header_t *out, const char *s)
{
    for (; *s; s++)
        APR_ARRAY_PUSH(out, char) = *s;
}

/* One line as capture.py writes it: "[section] name set|default <value as JSON>". */
static void render(apr_array_header_t *out, const heat_conf_t *c, const char *sec,
                   const char *name, heat_opt_type_t type, const char *host)
{
    int set = heat_conf_is_set(c, sec, name);

    put(out, apr_psprintf(heat_test_pool, "[%s] %s %s ", sec, name, set ? "set" : "default"));
    if (!heat_conf_has_value(c, sec, name))
        put(out, "null");
    else if (type == HEAT_OPT_STR || type == HEAT_OPT_IP) {
        const char *v = heat_conf_str(c, sec, name);
        if (!set && strcmp(sec, "DEFAULT") == 0 && strcmp(name, "host") == 0 && strcmp(v, host) == 0)
            put(out, "\"<hostname>\"");
        else
            json_str(out, v);
    } else if (type == HEAT_OPT_BOOL)
        put(out, heat_conf_bool(c, sec, name) ? "true" : "false");
    else if (type == HEAT_OPT_INT || type == HEAT_OPT_PORT)
        put(out, apr_psprintf(heat_test_pool, "%" APR_INT64_T_FMT, heat_conf_int(c, sec, name)));
    else if (type == HEAT_OPT_FLOAT) {
        double d = heat_conf_float(c, sec, name);
        put(out, isnan(d) ? "NaN" : isinf(d) ? (d < 0 ? "-Infinity" : "Infinity")
                                             : heat_conf_text(c, sec, name));
    } else {
        const apr_array_header_t *l = heat_conf_list(c, sec, name);
        int i;
        APR_ARRAY_PUSH(out, char) = '[';
        for (i = 0; i < l->nelts; i++) {
            if (i)
                put(out, ", ");
            json_str(out, APR_ARRAY_IDX(l, i, const char *));
        }
        APR_ARRAY_PUSH(out, char) = ']';
    }
    APR_ARRAY_PUSH(out, char) = '\n';
}

static int exists(const char *path, apr_filetype_e type)
{
    apr_finfo_t info;
    return apr_stat(&info, path, APR_FINFO_TYPE, heat_test_pool) == APR_SUCCESS &&
           info.filetype == type;
}

static heat_opt_type_t type_of(const char *sec, const char *name)
{
    apr_size_t i;
    const char *s, *n;
    heat_opt_type_t t;

    for (i = 0; heat_conf_option(i, &s, &n, &t); i++)
        if (strcmp(s, sec) == 0 && strcmp(n, name) == 0)
            return t;
    ck_abort_msg("option [%s] %s of an options file is not in the table", sec, name);
    return HEAT_OPT_STR;
}

static void run_case(const char *dir, const char *host)
{
    heat_conf_t *c = heat_conf_create(heat_test_pool);
    const char *confd = apr_pstrcat(heat_test_pool, dir, "/conf.d", NULL);
    const char *optfile = apr_pstrcat(heat_test_pool, dir, "/options", NULL);
    const char *expected = heat_test_read_file(apr_pstrcat(heat_test_pool, dir, "/expected", NULL), NULL);
    apr_array_header_t *out = apr_array_make(heat_test_pool, 4096, 1);
    const char *err;

    err = heat_conf_read_file(c, apr_pstrcat(heat_test_pool, dir, "/heat.conf", NULL));
    if (!err && exists(confd, APR_DIR))
        err = heat_conf_read_dir(c, confd);
    if (!err)
        err = heat_conf_finalize(c);
    if (strncmp(expected, "error:", 6) == 0) {
        const char *cfile = apr_pstrcat(heat_test_pool, dir, "/c_error", NULL);
        ck_assert_msg(err != NULL, "%s: oslo.config refuses this configuration (%s) but heat_conf "
                      "accepts it", dir, expected);
        if (exists(cfile, APR_REG)) {
            char *want = heat_test_read_file(cfile, NULL), *at;
            want[strcspn(want, "\n")] = '\0';
            while ((at = strstr(want, "<case>")) != NULL)
                want = apr_pstrcat(heat_test_pool, apr_pstrmemdup(heat_test_pool, want,
                                   (apr_size_t)(at - want)), dir, at + 6, NULL);
            ck_assert_msg(strstr(err, want) != NULL, "%s: error\n  %s\nlacks\n  %s", dir, err, want);
        }
        return;
    }
    ck_assert_msg(err == NULL, "%s: heat_conf refuses what oslo.config accepts: %s", dir, err);
    if (exists(optfile, APR_REG)) {
        char *opts = heat_test_read_file(optfile, NULL), *line, *last = NULL;
        for (line = apr_strtok(opts, "\n", &last); line; line = apr_strtok(NULL, "\n", &last)) {
            char *sp = strchr(line, ' ');
            ck_assert_ptr_nonnull(sp);
            *sp = '\0';
            render(out, c, line, sp + 1, type_of(line, sp + 1), host);
        }
    } else {
        apr_size_t i;
        const char *sec, *name;
        heat_opt_type_t type;
        for (i = 0; heat_conf_option(i, &sec, &name, &type); i++)
            render(out, c, sec, name, type, host);
    }
    APR_ARRAY_PUSH(out, char) = '\0';
    if (strcmp(out->elts, expected) != 0) {
        const char *a = out->elts, *b = expected;
        while (*a && *a == *b)
            a++, b++;
        while (a > out->elts && a[-1] != '\n')
            a--, b--;
        ck_abort_msg("%s: differs from oslo.config at\n  got:      %.*s\n  expected: %.*s", dir,
                     (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
    }
}

START_TEST(test_golden)
{
    const char *base = heat_test_golden("conf");
    apr_dir_t *d;
    apr_finfo_t info;
    char host[APRMAXHOSTLEN + 1];
    int cases = 0, errors = 0;

    ck_assert(apr_gethostname(host, sizeof(host), heat_test_pool) == APR_SUCCESS);
    ck_assert_msg(apr_dir_open(&d, base, heat_test_pool) == APR_SUCCESS, "cannot open %s", base);
    while (apr_dir_read(&info, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        const char *dir = apr_pstrcat(heat_test_pool, base, "/", info.name, NULL);
        if (info.name[0] == '.' || !exists(apr_pstrcat(heat_test_pool, dir, "/heat.conf", NULL), APR_REG))
            continue;
        run_case(dir, host);
        cases++;
        errors += strncmp(info.name, "err_", 4) == 0;
    }
    apr_dir_close(d);
    /* the folder holds both kinds: a missing checkout must not pass as "nothing to compare" */
    ck_assert_int_ge(cases, 30);
    ck_assert_int_ge(errors, 20);
}
END_TEST

/* Every row says what mod_heat does with its option; a directive or a reason goes with
 * REPLACED and NOT_APPLICABLE, and with nothing else. */
START_TEST(test_every_option_has_a_disposition)
{
    const char *section, *name, *instead;
    heat_opt_use_t use;
    apr_size_t i;

    for (i = 0; heat_conf_option(i, &section, &name, NULL); i++) {
        ck_assert_int_eq(heat_conf_option_use(i, &use, &instead), 1);
        ck_assert_msg(use != HEAT_OPT_UNCLASSIFIED, "[%s] %s has no disposition", section, name);
        if (use == HEAT_OPT_REPLACED || use == HEAT_OPT_NOT_APPLICABLE)
            ck_assert_msg(instead && *instead, "[%s] %s: what takes its place?", section, name);
        else
            ck_assert_ptr_null(instead);
    }
    ck_assert_int_eq(heat_conf_option_use(i, &use, &instead), 0);
}
END_TEST

/* heat_conf_unused: one message per option that is replaced or not applicable and set to a
 * value other than its default (as oslo prints it); used and heat-engine's options, and
 * values equal to the default however written, give none. */
START_TEST(test_unused_options)
{
    heat_conf_t *c = load_ok("[DEFAULT]\n"
                             "debug = true\n"
                             "heat_metadata_server_url = http://h:8000\n"
                             "log_file = /var/log/heat/heat-api.log\n"
                             "[heat_api]\n"
                             "workers = 8\n"
                             "bind_port = 08004\n"
                             "[heat_api_cfn]\n"
                             "workers = 1\n"
                             "[eventlet_opts]\n"
                             "wsgi_keep_alive = yes\n"
                             "[oslo_policy]\n"
                             "policy_default_rule = @\n"
                             "[noauth]\n"
                             "token_response = /etc/heat/SECRET-token.json\n");
    const apr_array_header_t *msgs = heat_conf_unused(c, heat_test_pool);
    const char *all = "";
    int i;

    for (i = 0; i < msgs->nelts; i++)
        all = apr_pstrcat(heat_test_pool, all, APR_ARRAY_IDX(msgs, i, const char *), "\n", NULL);
    ck_assert_msg(msgs->nelts == 4, "%s", all);
    ck_assert_str_eq(APR_ARRAY_IDX(msgs, 0, const char *),
                     apr_psprintf(heat_test_pool, "[DEFAULT] log_file is set (%s:4) but mod_heat does "
                                  "not use it: use the Apache directive ErrorLog instead", last_path));
    ck_assert_str_eq(APR_ARRAY_IDX(msgs, 1, const char *),
                     apr_psprintf(heat_test_pool, "[heat_api] workers is set (%s:6) but mod_heat does "
                                  "not use it: use the Apache directive StartServers instead", last_path));
    ck_assert_msg(strstr(all, "[oslo_policy] policy_default_rule is set (") != NULL, "%s", all);
    ck_assert_msg(strstr(all, "[noauth] token_response is set (") != NULL, "%s", all);
    ck_assert_msg(strstr(all, "SECRET-token") == NULL, "a value was shown: %s", all);

    c = load_ok("[DEFAULT]\ndebug = true\n");
    ck_assert_int_eq(heat_conf_unused(c, heat_test_pool)->nelts, 0);
}
END_TEST

/* The README's option list is the table: every row, in order, with its disposition. */
START_TEST(test_readme_option_list)
{
    apr_size_t len, i;
    char *text = heat_test_read_file(heat_test_golden("../../README"), &len);
    const char *start = strstr(text, "heat.conf option list:\n\n");
    const char *section, *name, *instead, *got = "", *want = "";
    heat_opt_use_t use;
    char *end;

    ck_assert_ptr_nonnull(start);
    start += strlen("heat.conf option list:\n\n");
    end = strstr(start, "\n\n");
    ck_assert_ptr_nonnull(end);
    got = apr_pstrmemdup(heat_test_pool, start, (apr_size_t)(end - start) + 1);
    for (i = 0; heat_conf_option(i, &section, &name, NULL); i++) {
        const char *what = "used";

        heat_conf_option_use(i, &use, &instead);
        if (use == HEAT_OPT_ENGINE)
            what = "not applicable: heat-engine's option";
        else if (use == HEAT_OPT_REPLACED)
            what = apr_pstrcat(heat_test_pool, "replaced by ", instead, NULL);
        else if (use == HEAT_OPT_NOT_APPLICABLE)
            what = apr_pstrcat(heat_test_pool, "not applicable: ", instead, NULL);
        want = apr_pstrcat(heat_test_pool, want, "    [", section, "] ", name, ": ", what, "\n", NULL);
    }
    ck_assert_str_eq(got, want);
}
END_TEST

Suite *heat_test_conf_suite(void)
{
    Suite *s = suite_create("conf");
    TCase *tc = tcase_create("conf");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_parse_assignments);
    tcase_add_test(tc, test_every_option_has_a_disposition);
    tcase_add_test(tc, test_unused_options);
    tcase_add_test(tc, test_readme_option_list);
    tcase_add_test(tc, test_parse_quotes);
    tcase_add_test(tc, test_parse_continuation);
    tcase_add_test(tc, test_parse_repeated);
    tcase_add_test(tc, test_parse_errors);
    tcase_add_test(tc, test_parse_sections);
    tcase_add_test(tc, test_parse_line_ends);
    tcase_add_test(tc, test_parse_unicode);
    tcase_add_test(tc, test_parse_nul);
    tcase_add_test(tc, test_parse_long_line);
    tcase_add_test(tc, test_read_errors);
    tcase_add_test(tc, test_dir_order);
    tcase_add_test(tc, test_dir_errors);
    tcase_add_test(tc, test_only_winner_checked);
    tcase_add_test(tc, test_multi);
    tcase_add_test(tc, test_deprecated_names);
    tcase_add_test(tc, test_interp_basic);
    tcase_add_test(tc, test_interp_escapes);
    tcase_add_test(tc, test_interp_typed);
    tcase_add_test(tc, test_interp_errors);
    tcase_add_test(tc, test_interp_unknown_keys);
    tcase_add_test(tc, test_type_bool);
    tcase_add_test(tc, test_type_int);
    tcase_add_test(tc, test_type_port);
    tcase_add_test(tc, test_type_float);
    tcase_add_test(tc, test_type_list);
    tcase_add_test(tc, test_type_ip);
    tcase_add_test(tc, test_type_choices);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_table_coverage);
    tcase_add_test(tc, test_override);
    tcase_add_test(tc, test_secrets);
    tcase_add_test(tc, test_getter_misuse);
    tcase_add_test(tc, test_golden);
    suite_add_tcase(s, tc);
    return s;
}
