/* test_keystone.c: heat_keystone: the pure parts (SHA-256, timestamps, access-rule paths,
 * token checks, token_info / identity headers / v2 catalog against outputs of the Python
 * code in test/golden/keystone/), then the client against a fake Keystone on loopback
 * (the server thread of test_http.c): discovery, service token, validation request shape,
 * the 401 / 404 / 5xx / refused / timeout outcomes, the authtoken flow with a cache, and the
 * password authentication of any user behind heat's authpassword step (standalone flavor). */
#include "heat_test.h"

#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "heat_http.h"
#include "heat_json.h"
#include "heat_keystone.h"
#include "heat_tokencrypt.h"

#include "fake_keystone.h"


static const char *golden(const char *name)
{
    return heat_test_read_file(heat_test_golden(apr_pstrcat(heat_test_pool, "keystone/", name,
                                                            NULL)), NULL);
}

static json_t *golden_json(const char *name)
{
    json_error_t err;
    json_t *j = json_loads(golden(name), 0, &err);
    ck_assert_msg(j != NULL, "%s: %s", name, err.text);
    return heat_json_own(heat_test_pool, j);
}

static char *chomp(char *s)
{
    apr_size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '\n')
        s[--n] = '\0';
    return s;
}

/* ---- pure functions --------------------------------------------------------------------- */

static const char *hex(const unsigned char *d, apr_size_t n)
{
    char *out = apr_palloc(heat_test_pool, n * 2 + 1);
    apr_size_t i;
    for (i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
    return out;
}

START_TEST(test_sha256)
{
    /* Python hashlib over "abcd...za..." of each length */
    static const struct {
        apr_size_t len;
        const char *hex;
    } cases[] = {
        {0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {55, "595615dbe4f0f407ae397d08b4c2cb870cb9b0e11937416f950c5160acf9c005"},
        {56, "784f623b787495078e93ff28a25b581df0584055a7e71d8cd90c454716b92f51"},
        {63, "5ca3e1ef5207490eac01a795e5cc94d59582a5118bf9534665c8668d87aa647c"},
        {64, "2fcd5a0d60e4c941381fcc4e00a4bf8be422c3ddfafb93c809e8d1e2bfffae8e"},
        {65, "1b3cd1877ab2f2f19f7be001722554f336cb799df0329de0bb4c118dc6abc06d"},
        {119, "faef67da856d6fd9c8d12f9ed0a4fefd3cf0ce085ab43e2907418d457e3c354b"},
        {120, "c9512b08619c19fbb503c7da6b46ef20301e5f7a7a5f43989182398536f5c5c8"},
        {1000, "915e53a44c18b19bb06ba5b3f5fcaf1dc4651e8404c63425cfc6174e74659d87"},
    };
    char buf[1000];
    unsigned char d[32];
    apr_size_t i, k;

    for (k = 0; k < sizeof(buf); k++)
        buf[k] = (char)('a' + k % 26);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        heat_keystone_sha256(buf, cases[i].len, d);
        ck_assert_msg(strcmp(hex(d, 32), cases[i].hex) == 0, "length %lu",
                      (unsigned long)cases[i].len);
    }
}
END_TEST

START_TEST(test_parse_time)
{
    /* oslo_utils.timeutils.parse_isotime, normalised to UTC */
    static const struct {
        const char *text;
        apr_time_t sec, usec;
    } cases[] = {
        {"2024-01-02T03:04:05.123456Z", 1704164645, 123456},
        {"2024-01-02T03:04:05Z", 1704164645, 0},
        {"2024-01-02T03:04:05+01:30", 1704159245, 0},
        {"1999-12-31T23:59:59.5-05:00", 946702799, 500000},
        {"2024-02-29T00:00:00", 1709164800, 0},
        {"2099-01-01T00:00:00.000000Z", 4070908800, 0},
    };
    static const char *const bad[] = {"", "2024-01-02T", "2024-13-02T00:00:00Z", "yesterday",
                                      "2024-01-02T03:04:05Zjunk", "2024-01-02T03:04:05."};
    apr_time_t t;
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(heat_keystone_parse_time(cases[i].text, &t) == 0, "%s", cases[i].text);
        ck_assert_msg(t == apr_time_from_sec(cases[i].sec) + cases[i].usec, "%s", cases[i].text);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(heat_keystone_parse_time(bad[i], &t) != 0, "'%s' parsed", bad[i]);
    ck_assert_int_ne(heat_keystone_parse_time(NULL, &t), 0);
}
END_TEST

START_TEST(test_path_matches)
{
    /* expectations from keystonemiddleware.auth_token._path_matches */
    char *text = apr_pstrdup(heat_test_pool, golden("path_matches.tsv"));
    char *line, *state = NULL;
    int n = 0;

    for (line = apr_strtok(text, "\n", &state); line; line = apr_strtok(NULL, "\n", &state)) {
        char *f1 = strchr(line, '\t'), *f2;
        char *path;
        ck_assert_ptr_nonnull(f1);
        f2 = strchr(f1 + 1, '\t');
        ck_assert_ptr_nonnull(f2);
        *f1 = *f2 = '\0';
        path = apr_pstrdup(heat_test_pool, f1 + 1);
        if (strstr(path, "\\n"))
            strcpy(strstr(path, "\\n"), "\n");
        ck_assert_msg(heat_keystone_path_matches(path, f2 + 1) == atoi(line),
                      "'%s' ~ '%s' should be %s", f1 + 1, f2 + 1, line);
        n++;
    }
    ck_assert_int_ge(n, 20);
}
END_TEST

START_TEST(test_token_info_golden)
{
    static const char *const names[] = {"token_project", "token_system"};
    apr_size_t i;

    for (i = 0; i < 2; i++) {
        json_t *body = golden_json(apr_pstrcat(heat_test_pool, names[i], ".json", NULL));
        char *expected = chomp(apr_pstrdup(heat_test_pool, golden(apr_pstrcat(
                                               heat_test_pool, names[i], ".token_info.json", NULL))));
        json_t *info = heat_keystone_token_info(heat_test_pool, body, "gAAAAABm-test-token");
        ck_assert_ptr_nonnull(info);
        ck_assert_str_eq(heat_json_dump(heat_test_pool, info, 0), expected);
        /* the input is not modified */
        ck_assert_ptr_null(json_object_get(json_object_get(body, "token"), "auth_token"));
    }
    ck_assert_ptr_null(
        heat_keystone_token_info(heat_test_pool, heat_json_own(heat_test_pool, json_object()), "x"));
}
END_TEST

/* The X-* headers auth_token sets, as "HTTP_X_...: value" lines (golden *.headers.txt). */
static const char *identity_headers(const json_t *info)
{
    heat_keystone_identity_t id;
    apr_array_header_t *lines = apr_array_make(heat_test_pool, 20, sizeof(const char *));
    const char *kv[][2] = {
        {"HTTP_OPENSTACK_SYSTEM_SCOPE", NULL}, {"HTTP_X_DOMAIN_ID", NULL},
        {"HTTP_X_DOMAIN_NAME", NULL}, {"HTTP_X_IDENTITY_STATUS", "Confirmed"},
        {"HTTP_X_IS_ADMIN_PROJECT", NULL}, {"HTTP_X_PROJECT_DOMAIN_ID", NULL},
        {"HTTP_X_PROJECT_DOMAIN_NAME", NULL}, {"HTTP_X_PROJECT_ID", NULL},
        {"HTTP_X_PROJECT_NAME", NULL}, {"HTTP_X_ROLE", NULL}, {"HTTP_X_ROLES", NULL},
        {"HTTP_X_SERVICE_CATALOG", NULL}, {"HTTP_X_TENANT", NULL}, {"HTTP_X_TENANT_ID", NULL},
        {"HTTP_X_TENANT_NAME", NULL}, {"HTTP_X_USER", NULL}, {"HTTP_X_USER_DOMAIN_ID", NULL},
        {"HTTP_X_USER_DOMAIN_NAME", NULL}, {"HTTP_X_USER_ID", NULL}, {"HTTP_X_USER_NAME", NULL},
    };
    apr_size_t i;

    heat_keystone_identity(heat_test_pool, info, &id);
    kv[0][1] = id.system_scope;
    kv[1][1] = id.domain_id;
    kv[2][1] = id.domain_name;
    kv[4][1] = id.is_admin_project ? "True" : "False";
    kv[5][1] = id.project_domain_id;
    kv[6][1] = id.project_domain_name;
    kv[7][1] = id.project_id;
    kv[8][1] = id.project_name;
    kv[9][1] = id.roles_joined;
    kv[10][1] = id.roles_joined;
    kv[11][1] = id.service_catalog;
    kv[12][1] = id.project_name;
    kv[13][1] = id.project_id;
    kv[14][1] = id.project_name;
    kv[15][1] = id.user_name;
    kv[16][1] = id.user_domain_id;
    kv[17][1] = id.user_domain_name;
    kv[18][1] = id.user_id;
    kv[19][1] = id.user_name;
    APR_ARRAY_PUSH(lines, const char *) = "HTTP_HOST: localhost:80";
    for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
        if (kv[i][1])
            APR_ARRAY_PUSH(lines, const char *) =
                apr_pstrcat(heat_test_pool, kv[i][0], ": ", kv[i][1], NULL);
    return apr_array_pstrcat(heat_test_pool, lines, '\n');
}

START_TEST(test_identity_golden)
{
    static const char *const names[] = {"token_project", "token_system"};
    apr_size_t i;

    for (i = 0; i < 2; i++) {
        json_t *info = golden_json(apr_pstrcat(heat_test_pool, names[i], ".token_info.json", NULL));
        char *expected = chomp(apr_pstrdup(
            heat_test_pool, golden(apr_pstrcat(heat_test_pool, names[i], ".headers.txt", NULL))));
        ck_assert_str_eq(identity_headers(info), expected);
    }
}
END_TEST

START_TEST(test_identity_details)
{
    heat_keystone_identity_t id;
    json_t *t = json_pack("{s:{s:{s:s}, s:[], s:{s:s, s:s}}}", "token", "user", "id", "u",
                          "roles", "domain", "id", "d", "name", "dn");

    heat_json_own(heat_test_pool, t);
    heat_keystone_identity(heat_test_pool, t, &id);
    ck_assert_str_eq(id.user_id, "u");
    ck_assert_ptr_null(id.user_name);
    ck_assert_str_eq(id.roles_joined, "");
    ck_assert_int_eq(id.roles->nelts, 0);
    ck_assert_str_eq(id.domain_id, "d");
    ck_assert_str_eq(id.domain_name, "dn");
    ck_assert_ptr_null(id.project_id);
    ck_assert_int_eq(id.is_admin_project, 1); /* absent: True */
    ck_assert_ptr_null(id.service_catalog);   /* no catalog: no header */
    ck_assert_ptr_null(id.system_scope);
}
END_TEST

static heat_keystone_settings_t base_settings(const char *auth_url)
{
    heat_keystone_settings_t s;
    heat_keystone_settings_init(&s);
    s.auth_url = auth_url;
    s.username = "heat";
    s.password = "s3cret";
    s.user_domain_name = "Default";
    s.project_name = "service";
    s.project_domain_name = "Default";
    s.http_request_max_retries = 0;
    s.http_connect_timeout = 2;
    return s;
}

static json_t *token_with(const char *expires_at, const char *extra_json)
{
    json_error_t err;
    json_t *t = json_loads(apr_psprintf(heat_test_pool,
                                        "{\"token\": {\"expires_at\": \"%s\", \"user\": {\"id\": "
                                        "\"u\"}, \"roles\": [{\"name\": \"member\"}]%s%s}}",
                                        expires_at, extra_json ? ", " : "",
                                        extra_json ? extra_json : ""),
                           0, &err);
    ck_assert_msg(t != NULL, "%s", err.text);
    return heat_json_own(heat_test_pool, t);
}

START_TEST(test_check_token)
{
    heat_keystone_settings_t s = base_settings("http://ks:5000");
    heat_keystone_request_t req;
    apr_time_t now = apr_time_now();
    const char *app = "\"application_credential\": {\"id\": \"ac\", \"access_rules\": [{\"method\": "
                      "\"GET\", \"path\": \"/v1/*/stacks\", \"service\": \"orchestration\"}]}, "
                      "\"catalog\": [{\"type\": \"orchestration\", \"endpoints\": []}]";

    s.enforce_token_bind = "permissive";
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.path = "/v1/p/stacks";
    ck_assert_ptr_null(heat_keystone_check_token(&s, token_with("2099-01-01T00:00:00Z", NULL), &req,
                                                 1, 0, now));
    ck_assert_str_eq(heat_keystone_check_token(&s, token_with("2000-01-01T00:00:00Z", NULL), &req,
                                               1, 0, now), "Token expired");
    ck_assert_ptr_null(heat_keystone_check_token(&s, token_with("2000-01-01T00:00:00Z", NULL), &req,
                                                 1, 1, now));
    ck_assert_str_eq(heat_keystone_check_token(&s, token_with("garbage", NULL), &req, 1, 0, now),
                     "Invalid token contents");

    /* bind */
    {
        json_t *krb = token_with("2099-01-01T00:00:00Z", "\"bind\": {\"kerberos\": \"alice@R\"}");
        json_t *x509 = token_with("2099-01-01T00:00:00Z", "\"bind\": {\"x509\": \"cert\"}");
        ck_assert_ptr_nonnull(heat_keystone_check_token(&s, krb, &req, 1, 0, now));
        req.auth_type = "Negotiate";
        req.remote_user = "alice@R";
        ck_assert_ptr_null(heat_keystone_check_token(&s, krb, &req, 1, 0, now));
        req.remote_user = "bob@R";
        ck_assert_ptr_nonnull(heat_keystone_check_token(&s, krb, &req, 1, 0, now));
        /* not checked for a user token that comes with a service token */
        req.service_token = "svc";
        ck_assert_ptr_null(heat_keystone_check_token(&s, krb, &req, 1, 0, now));
        ck_assert_ptr_nonnull(heat_keystone_check_token(&s, krb, &req, 0, 0, now));
        req.service_token = NULL;
        ck_assert_ptr_null(heat_keystone_check_token(&s, x509, &req, 1, 0, now)); /* permissive */
        s.enforce_token_bind = "strict";
        ck_assert_ptr_nonnull(heat_keystone_check_token(&s, x509, &req, 1, 0, now));
        s.enforce_token_bind = "required";
        ck_assert_ptr_nonnull(heat_keystone_check_token(
            &s, token_with("2099-01-01T00:00:00Z", NULL), &req, 1, 0, now));
        s.enforce_token_bind = "x509";
        ck_assert_ptr_nonnull(heat_keystone_check_token(&s, krb, &req, 1, 0, now));
        s.enforce_token_bind = "disabled";
        ck_assert_ptr_null(heat_keystone_check_token(&s, x509, &req, 1, 0, now));
        s.enforce_token_bind = "permissive";
    }

    /* application credential access rules */
    {
        json_t *t = token_with("2099-01-01T00:00:00Z", app);
        ck_assert_ptr_nonnull(heat_keystone_check_token(&s, t, &req, 1, 0, now)); /* no service_type */
        s.service_type = "orchestration";
        ck_assert_ptr_null(heat_keystone_check_token(&s, t, &req, 1, 0, now));
        ck_assert_ptr_null(heat_keystone_check_token(&s, t, &req, 0, 0, now)); /* not for services */
        req.method = "POST";
        ck_assert_ptr_nonnull(heat_keystone_check_token(&s, t, &req, 1, 0, now));
        req.service_token = "svc"; /* a chain of requests: rules not checked */
        ck_assert_ptr_null(heat_keystone_check_token(&s, t, &req, 1, 0, now));
        req.service_token = NULL;
        req.method = "GET";
        req.path = "/v1/p/stacks/s";
        ck_assert_ptr_nonnull(heat_keystone_check_token(&s, t, &req, 1, 0, now));
        s.service_type = "compute"; /* not in the token's catalog */
        req.path = "/v1/p/stacks";
        ck_assert_ptr_nonnull(heat_keystone_check_token(&s, t, &req, 1, 0, now));
    }
}
END_TEST

START_TEST(test_www_authenticate)
{
    heat_keystone_settings_t s = base_settings("http://ks:5000/v3");
    ck_assert_str_eq(heat_keystone_www_authenticate(heat_test_pool, &s),
                     "Keystone uri=\"http://ks:5000/v3\"");
    s.auth_uri = "http://old:5000";
    ck_assert_str_eq(heat_keystone_www_authenticate_uri(&s), "http://old:5000");
    s.www_authenticate_uri = "http://localhost:5000";
    ck_assert_str_eq(heat_keystone_www_authenticate(heat_test_pool, &s),
                     "Keystone uri=\"http://localhost:5000\"");
    ck_assert_str_eq(HEAT_KEYSTONE_UNAUTHORIZED_BODY,
                     "{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\": "
                     "\"The request you have made requires authentication.\"}}");
}
END_TEST

START_TEST(test_create_errors)
{
    heat_keystone_settings_t s = base_settings(NULL);
    heat_keystone_t *ks;
    heat_http_t *h;
    const char *err;

    ck_assert_int_eq(heat_http_create(&h, heat_test_pool), APR_SUCCESS);
    ck_assert_int_eq(heat_keystone_create(&ks, heat_test_pool, h, &s, &err), APR_EINVAL);
    ck_assert_ptr_null(ks);
    ck_assert_ptr_nonnull(strstr(err, "auth_url"));
    s = base_settings("http://ks:5000");
    s.username = NULL;
    ck_assert_int_eq(heat_keystone_create(&ks, heat_test_pool, h, &s, &err), APR_EINVAL);
    s = base_settings("http://ks:5000");
    ck_assert_int_eq(heat_keystone_create(&ks, heat_test_pool, h, &s, &err), APR_SUCCESS);
    ck_assert_str_eq(heat_keystone_settings(ks)->interface, "internal");
    ck_assert_str_eq(heat_keystone_settings(ks)->enforce_token_bind, "permissive");
    ck_assert_int_eq(heat_keystone_settings(ks)->service_token_roles->nelts, 1);
}
END_TEST

/* ---- the fake Keystone -------------------------------------------------------------------- */

static fake_ks_t *fk;

static heat_http_t *khttp;

static void ks_setup(void)
{
    heat_test_pool_setup();
    ck_assert_int_eq(heat_http_global_init(heat_test_pool), APR_SUCCESS);
    ck_assert_int_eq(heat_http_create(&khttp, heat_test_pool), APR_SUCCESS);
    fk = fake_ks_start();
    fk->token_project = golden("token_project.json");
}

static void ks_teardown(void)
{
    fake_ks_stop(fk);
    fk = NULL;
    heat_test_pool_teardown();
    khttp = NULL;
}

static heat_keystone_t *client_for(heat_keystone_settings_t *s)
{
    heat_keystone_t *ks;
    const char *err;
    ck_assert_int_eq(heat_keystone_create(&ks, heat_test_pool, khttp, s, &err), APR_SUCCESS);
    return ks;
}

static heat_keystone_t *client(void)
{
    heat_keystone_settings_t s = base_settings(fk->base);
    return client_for(&s);
}

static heat_ks_status_t validate(heat_keystone_t *ks, const char *token, int allow_expired,
                                 json_t **body)
{
    const char *raw;
    apr_size_t len;
    json_t *j;
    return heat_keystone_validate(ks, heat_test_pool, token, allow_expired, &raw, &len,
                                  body ? body : &j);
}

START_TEST(test_service_token_and_validation_shape)
{
    heat_keystone_t *ks = client();
    const char *token, *url;
    json_t *body, *post;
    json_error_t err;

    ck_assert_int_eq(heat_keystone_service_token(ks, heat_test_pool, &token, &url), HEAT_KS_VALID);
    ck_assert_str_eq(token, "svc-1");
    /* catalog: identity, interface internal, any region: the first internal endpoint */
    ck_assert_str_eq(url, apr_pstrcat(heat_test_pool, fk->base, "/two/v3", NULL));
    ck_assert_int_eq(fk->n_root, 1);
    ck_assert_int_eq(fk->n_post, 1);
    ck_assert_int_eq(fk->n_disc, 1);
    /* the password request */
    ck_assert_ptr_nonnull(strstr(fk->last_post, "POST /v3/auth/tokens HTTP/1.1\r\n"));
    ck_assert_ptr_nonnull(strstr(fk->last_post, "\r\nContent-Type: application/json\r\n"));
    ck_assert_ptr_nonnull(strstr(fk->last_post, "\r\nAccept: application/json\r\n"));
    post = json_loads(strstr(fk->last_post, "\r\n\r\n") + 4, 0, &err);
    ck_assert_ptr_nonnull(post);
    heat_json_own(heat_test_pool, post);
    ck_assert_str_eq(heat_json_dump(heat_test_pool, post, JSON_SORT_KEYS),
                     "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": "
                     "{\"user\": {\"domain\": {\"name\": \"Default\"}, \"name\": \"heat\", "
                     "\"password\": \"s3cret\"}}}, \"scope\": {\"project\": {\"domain\": "
                     "{\"name\": \"Default\"}, \"name\": \"service\"}}}}");

    ck_assert_int_eq(validate(ks, "good", 0, &body), HEAT_KS_VALID);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
                         json_object_get(json_object_get(body, "token"), "user"), "domain"), "id")),
                     "default");
    ck_assert_ptr_nonnull(strstr(fk->last_validate, "GET /two/v3/auth/tokens HTTP/1.1\r\n"));
    ck_assert_ptr_nonnull(strstr(fk->last_validate, "\r\nX-Auth-Token: svc-1\r\n"));
    ck_assert_ptr_nonnull(strstr(fk->last_validate, "\r\nX-Subject-Token: good\r\n"));
    ck_assert_ptr_nonnull(strstr(fk->last_validate, "\r\nOpenStack-Identity-Access-Rules: 1\r\n"));
    ck_assert_ptr_nonnull(strstr(fk->last_validate, "\r\nAccept: application/json\r\n"));
    /* the service token is reused */
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_VALID);
    ck_assert_int_eq(validate(ks, "good", 1, NULL), HEAT_KS_VALID);
    ck_assert_ptr_nonnull(strstr(fk->last_validate, "GET /two/v3/auth/tokens?allow_expired=1 "));
    ck_assert_int_eq(fk->n_post, 1);
    ck_assert_int_eq(fk->n_root, 1);
    ck_assert_int_eq(fk->n_disc, 1);
}
END_TEST

START_TEST(test_catalog_selection)
{
    heat_keystone_settings_t s = base_settings(fk->base);
    const char *token, *url;
    heat_keystone_t *ks;

    s.region_name = "RegionOne";
    ks = client_for(&s);
    ck_assert_int_eq(heat_keystone_service_token(ks, heat_test_pool, &token, &url), HEAT_KS_VALID);
    ck_assert_str_eq(url, apr_pstrcat(heat_test_pool, fk->base, "/identity/v3", NULL));
    s.region_name = NULL;
    s.interface = "publicURL";
    ks = client_for(&s);
    ck_assert_int_eq(heat_keystone_service_token(ks, heat_test_pool, &token, &url), HEAT_KS_VALID);
    ck_assert_str_eq(url, apr_pstrcat(heat_test_pool, fk->base, "/public/v3", NULL));
    s.interface = "admin"; /* not in the catalog */
    ks = client_for(&s);
    ck_assert_int_eq(heat_keystone_service_token(ks, heat_test_pool, &token, &url),
                     HEAT_KS_UNAVAILABLE);
    /* explicit validation endpoint: no catalog lookup, no discovery */
    s.identity_uri = apr_pstrcat(heat_test_pool, fk->base, "/identity/v3/", NULL);
    fk->n_disc = 0;
    ks = client_for(&s);
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_VALID);
    ck_assert_ptr_nonnull(strstr(fk->last_validate, "GET /identity/v3/auth/tokens HTTP/1.1\r\n"));
    ck_assert_int_eq(fk->n_disc, 0);
    /* nocatalog */
    s.include_service_catalog = 0;
    ks = client_for(&s);
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_VALID);
    ck_assert_ptr_nonnull(strstr(fk->last_validate, "GET /identity/v3/auth/tokens?nocatalog HTTP"));
    ck_assert_int_eq(validate(ks, "good", 1, NULL), HEAT_KS_VALID);
    ck_assert_ptr_nonnull(strstr(fk->last_validate, "/auth/tokens?nocatalog&allow_expired=1 HTTP"));
}
END_TEST

START_TEST(test_auth_url_forms)
{
    heat_keystone_settings_t s = base_settings(apr_pstrcat(heat_test_pool, fk->base, "/v3/", NULL));
    heat_keystone_t *ks;
    const char *token, *url;

    /* a versioned auth_url needs no discovery */
    ks = client_for(&s);
    ck_assert_int_eq(heat_keystone_service_token(ks, heat_test_pool, &token, &url), HEAT_KS_VALID);
    ck_assert_int_eq(fk->n_root + fk->n_v3, 0);
    ck_assert_int_eq(fk->n_post, 1);
    /* unversioned, discovery fails: no way to authenticate */
    fk->root_status = 500;
    s = base_settings(fk->base);
    ks = client_for(&s);
    ck_assert_int_eq(heat_keystone_service_token(ks, heat_test_pool, &token, &url),
                     HEAT_KS_UNAVAILABLE);
    ck_assert_int_eq(fk->n_post, 1);
    /* wrong password */
    fk->root_status = 0;
    s.password = "wrong";
    ks = client_for(&s);
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_UNAVAILABLE);
    ck_assert_int_eq(fk->n_validate, 0);
    /* no identity service in the catalog */
    fk->no_identity = 1;
    s.password = "s3cret";
    ks = client_for(&s);
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_UNAVAILABLE);
}
END_TEST

START_TEST(test_outcomes)
{
    heat_keystone_t *ks = client();
    heat_keystone_settings_t s;

    ck_assert_int_eq(validate(ks, "gone", 0, NULL), HEAT_KS_INVALID);
    ck_assert_int_eq(validate(ks, "boom", 0, NULL), HEAT_KS_UNAVAILABLE);
    ck_assert_int_eq(validate(ks, "garbage", 0, NULL), HEAT_KS_UNAVAILABLE);
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_VALID);
    /* timeout */
    s = base_settings(fk->base);
    s.http_connect_timeout = 1;
    fk->validate_delay_ms = 1500;
    ks = client_for(&s);
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_UNAVAILABLE);
    fk->validate_delay_ms = 0;
    /* connection refused, with one retry after 0.5 s */
    s = base_settings(apr_psprintf(heat_test_pool, "http://127.0.0.1:%d", heat_test_closed_port()));
    s.http_request_max_retries = 1;
    ks = client_for(&s);
    {
        apr_time_t t0 = apr_time_now();
        ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_UNAVAILABLE);
        ck_assert_int_ge(apr_time_now() - t0, apr_time_from_msec(450));
    }
}
END_TEST

START_TEST(test_service_token_refused)
{
    heat_keystone_t *ks = client();

    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_VALID);
    ck_assert_int_eq(fk->n_post, 1);
    /* Keystone no longer accepts svc-1: re-authenticate once and resend */
    fk->refuse_validations = 1;
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_VALID);
    ck_assert_int_eq(fk->n_post, 2);
    ck_assert_ptr_nonnull(strstr(fk->last_validate, "\r\nX-Auth-Token: svc-2\r\n"));
    /* refused again after the reauth: the whole validation is retried once (with its own
     * reauth) */
    fk->n_validate = 0;
    fk->refuse_validations = 3;
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_VALID);
    ck_assert_int_eq(fk->n_validate, 4);
    ck_assert_int_eq(fk->n_post, 4);
    /* refused for good: 503, after keystoneauth's number of attempts */
    fk->n_validate = 0;
    fk->n_post = 0;
    fk->refuse_validations = 100;
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_UNAVAILABLE);
    ck_assert_int_eq(fk->n_validate, 4);
    ck_assert_int_eq(fk->n_post, 2);
}
END_TEST

START_TEST(test_service_token_renewal)
{
    heat_keystone_t *ks;

    /* less than 120 s left: renewed before each use */
    fk->svc_lifetime = 100;
    ks = client();
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_VALID);
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_VALID);
    ck_assert_int_eq(fk->n_post, 2);
    ck_assert_int_eq(fk->n_root, 1); /* discovery is done once */
    fk->svc_lifetime = 3600;
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_VALID);
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_VALID);
    ck_assert_int_eq(fk->n_post, 3);
    heat_keystone_invalidate(ks);
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_VALID);
    ck_assert_int_eq(fk->n_post, 4);
}
END_TEST

typedef struct {
    heat_keystone_t *ks;
    int ok;
} vworker_t;

static void *APR_THREAD_FUNC vworker(apr_thread_t *t, void *data)
{
    vworker_t *w = data;
    apr_pool_t *p;
    const char *raw;
    apr_size_t len;
    json_t *j;
    int i;

    (void)t;
    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    for (i = 0; i < 3; i++)
        if (heat_keystone_validate(w->ks, p, "good", 0, &raw, &len, &j) == HEAT_KS_VALID)
            w->ok++;
    apr_pool_destroy(p);
    return NULL;
}

START_TEST(test_threads_single_renewal)
{
    heat_keystone_t *ks = client();
    apr_thread_t *threads[4];
    vworker_t w[4];
    apr_status_t rv;
    int i;

    for (i = 0; i < 4; i++) {
        w[i].ks = ks;
        w[i].ok = 0;
        ck_assert_int_eq(apr_thread_create(&threads[i], NULL, vworker, &w[i], heat_test_pool),
                         APR_SUCCESS);
    }
    for (i = 0; i < 4; i++) {
        apr_thread_join(&rv, threads[i]);
        ck_assert_int_eq(w[i].ok, 3);
    }
    ck_assert_int_eq(fk->n_post, 1); /* one service authentication for all threads */
    ck_assert_int_eq(fk->n_validate, 12);
}
END_TEST

static int fk_count(const int *counter)
{
    int n;
    pthread_mutex_lock(&fk->lock);
    n = *counter;
    pthread_mutex_unlock(&fk->lock);
    return n;
}

/* Polls until *counter reaches n (deadline 10 s). */
static void fk_wait_for(const int *counter, int n)
{
    apr_time_t deadline = apr_time_now() + apr_time_from_sec(10);
    while (fk_count(counter) < n && apr_time_now() < deadline)
        apr_sleep(apr_time_from_msec(5));
    ck_assert_int_ge(fk_count(counter), n);
}

typedef struct {
    heat_keystone_t *ks;
    heat_ks_status_t st;
    const char *token;
} sworker_t;

static void *APR_THREAD_FUNC sworker(apr_thread_t *t, void *data)
{
    sworker_t *w = data;
    apr_pool_t *p;
    const char *url;
    (void)t;
    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    w->st = heat_keystone_service_token(w->ks, p, &w->token, &url);
    w->token = w->token ? strdup(w->token) : NULL;
    apr_pool_destroy(p);
    return NULL;
}

/* While one thread renews the service token (Keystone stalls), the others keep the token that
 * is still valid instead of queueing behind the renewal. */
START_TEST(test_service_token_renewal_does_not_block)
{
    heat_keystone_t *ks = client();
    const char *token, *url;
    apr_thread_t *th;
    apr_status_t rv;
    apr_time_t t0, took;
    sworker_t w = {0};

    fk->svc_lifetime = 100; /* inside keystoneauth's 120 s margin: every call wants a renewal */
    ck_assert_int_eq(heat_keystone_service_token(ks, heat_test_pool, &token, &url), HEAT_KS_VALID);
    ck_assert_str_eq(token, "svc-1");
    fk->auth_delay_ms = 1200; /* under the 2 s timeout of base_settings */
    w.ks = ks;
    ck_assert_int_eq(apr_thread_create(&th, NULL, sworker, &w, heat_test_pool), APR_SUCCESS);
    fk_wait_for(&fk->n_post, 2); /* the renewal is in flight */
    t0 = apr_time_now();
    ck_assert_int_eq(heat_keystone_service_token(ks, heat_test_pool, &token, &url), HEAT_KS_VALID);
    took = apr_time_now() - t0;
    ck_assert_str_eq(token, "svc-1"); /* the still-valid token, at once */
    ck_assert_int_lt(took, apr_time_from_msec(600));
    apr_thread_join(&rv, th);
    ck_assert_int_eq(w.st, HEAT_KS_VALID);
    ck_assert_str_eq(w.token, "svc-2");
    free((void *)w.token);
    ck_assert_int_eq(fk->n_post, 2); /* one renewal */
}
END_TEST

/* A failed renewal opens a back-off window: callers without a usable token fail at once
 * instead of each trying Keystone again. */
START_TEST(test_service_token_backoff)
{
    heat_keystone_t *ks = client();
    const char *token, *url;

    fk->refuse_auth = 1;
    ck_assert_int_eq(heat_keystone_service_token(ks, heat_test_pool, &token, &url),
                     HEAT_KS_UNAVAILABLE);
    ck_assert_int_eq(fk->n_post, 1);
    fk->refuse_auth = 0;
    ck_assert_int_eq(heat_keystone_service_token(ks, heat_test_pool, &token, &url),
                     HEAT_KS_UNAVAILABLE);
    ck_assert_int_eq(validate(ks, "good", 0, NULL), HEAT_KS_UNAVAILABLE);
    ck_assert_int_eq(fk->n_post, 1); /* nobody asked Keystone during the window */
}
END_TEST

typedef struct {
    heat_keystone_t *ks;
    const char *token;
    pthread_barrier_t *start;
    heat_auth_status_t status;
    int has_info;
} aworker_t;

static void *APR_THREAD_FUNC aworker(apr_thread_t *t, void *data)
{
    aworker_t *w = data;
    heat_keystone_request_t req;
    heat_auth_result_t res;
    apr_pool_t *p;
    (void)t;
    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    memset(&req, 0, sizeof(req));
    req.user_token = w->token;
    req.method = "GET";
    req.path = "/v1/p/stacks";
    pthread_barrier_wait(w->start);
    heat_keystone_authenticate(w->ks, p, NULL, &req, &res);
    w->status = res.status;
    w->has_info = res.token_info != NULL;
    apr_pool_destroy(p);
    return NULL;
}

/* N concurrent misses of one token: one Keystone validation, every thread gets its answer. */
static void concurrent_misses(const char *token, heat_auth_status_t expected)
{
    enum { N = 8 };
    heat_keystone_t *ks = client();
    const char *svc, *url;
    apr_thread_t *th[N];
    aworker_t w[N];
    pthread_barrier_t start;
    apr_status_t rv;
    int i;

    /* the service token first, so that only validations remain */
    ck_assert_int_eq(heat_keystone_service_token(ks, heat_test_pool, &svc, &url), HEAT_KS_VALID);
    fk->validate_delay_ms = 500;
    pthread_barrier_init(&start, NULL, N);
    for (i = 0; i < N; i++) {
        w[i].ks = ks;
        w[i].token = token;
        w[i].start = &start;
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, aworker, &w[i], heat_test_pool),
                         APR_SUCCESS);
    }
    for (i = 0; i < N; i++)
        apr_thread_join(&rv, th[i]);
    pthread_barrier_destroy(&start);
    for (i = 0; i < N; i++) {
        ck_assert_int_eq(w[i].status, expected);
        ck_assert_int_eq(w[i].has_info, expected == HEAT_AUTH_OK);
    }
    ck_assert_int_eq(fk->n_validate, 1);
}

START_TEST(test_single_flight_invalid)
{
    concurrent_misses("nope", HEAT_AUTH_UNAUTHORIZED);
}
END_TEST

START_TEST(test_single_flight_valid)
{
    concurrent_misses("good", HEAT_AUTH_OK);
}
END_TEST

/* ---- the authtoken flow with a cache ------------------------------------------------------ */

typedef struct {
    unsigned char key[32];
    const char *body; /* NULL: negative */
    apr_time_t expiry;
} entry_t;

typedef struct {
    entry_t e[32];
    int n, lookups, stores;
} fake_cache_t;

static fake_cache_t fc;

static entry_t *fc_find(const unsigned char key[32], int negative)
{
    int i;
    for (i = 0; i < fc.n; i++)
        if (memcmp(fc.e[i].key, key, 32) == 0 && (fc.e[i].body == NULL) == negative)
            return &fc.e[i];
    return NULL;
}

static int fc_lookup(void *baton, apr_pool_t *p, const unsigned char key[32], int negative_ok,
                     const char **body, apr_size_t *len)
{
    entry_t *e;
    (void)baton;
    fc.lookups++;
    e = fc_find(key, 0);
    if (e && e->expiry > apr_time_now()) {
        *body = apr_pstrdup(p, e->body);
        *len = strlen(e->body);
        return 1;
    }
    if (negative_ok && fc_find(key, 1))
        return -1;
    return 0;
}

static void fc_store(void *baton, apr_pool_t *p, const unsigned char key[32], const char *body,
                     apr_size_t len, apr_time_t expiry)
{
    entry_t *e = fc_find(key, body == NULL);
    (void)baton;
    fc.stores++;
    if (!e) {
        ck_assert_int_lt(fc.n, 32);
        e = &fc.e[fc.n++];
    }
    memcpy(e->key, key, 32);
    e->body = body ? apr_pstrmemdup(p, body, len) : NULL;
    e->expiry = expiry;
}

static const heat_keystone_cache_t fake_cache = {fc_lookup, fc_store, NULL};

static heat_auth_result_t authn(heat_keystone_t *ks, const char *user, const char *service)
{
    heat_keystone_request_t req;
    heat_auth_result_t res;
    memset(&req, 0, sizeof(req));
    req.user_token = user;
    req.service_token = service;
    req.method = "GET";
    req.path = "/v1/p/stacks";
    heat_keystone_authenticate(ks, heat_test_pool, &fake_cache, &req, &res);
    return res;
}

START_TEST(test_authenticate_cache)
{
    heat_keystone_t *ks;
    heat_auth_result_t res;
    unsigned char key[32];
    apr_time_t now = apr_time_now();
    json_t *t;

    memset(&fc, 0, sizeof(fc));
    ks = client();
    res = authn(ks, NULL, NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_UNAUTHORIZED);
    ck_assert_int_eq(fk->n_post + fk->n_validate + fc.lookups, 0);
    res = authn(ks, "", NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_UNAUTHORIZED);

    /* a valid token: validated, cached for token_cache_time (expires_at is far away) */
    res = authn(ks, " good\t", NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_OK);
    ck_assert_str_eq(res.token, "good");
    ck_assert_int_eq(res.from_cache, 0);
    t = json_object_get(res.token_info, "token");
    ck_assert_str_eq(json_string_value(json_object_get(t, "auth_token")), "good");
    ck_assert_str_eq(json_string_value(json_object_get(t, "version")), "v3");
    ck_assert_int_eq(fk->n_validate, 1);
    ck_assert_int_eq(fc.n, 1);
    ck_assert_ptr_null(strstr(fc.e[0].body, "good")); /* no token in the cached value */
    ck_assert_int_ge(fc.e[0].expiry, now + apr_time_from_sec(299));
    ck_assert_int_le(fc.e[0].expiry, apr_time_now() + apr_time_from_sec(300));
    heat_keystone_cache_key(ks, "good", key);
    ck_assert(memcmp(fc.e[0].key, key, 32) == 0);
    /* the hit: no Keystone call, same token_info */
    res = authn(ks, "good", NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_OK);
    ck_assert_int_eq(res.from_cache, 1);
    ck_assert_int_eq(fk->n_validate, 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res.token_info, "token"),
                                                       "auth_token")), "good");

    /* expiry = min(expires_at, now + token_cache_time) */
    res = authn(ks, "soon", NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_OK);
    ck_assert_int_le(fc.e[1].expiry, apr_time_now() + apr_time_from_sec(61));

    /* an unknown token: 401, remembered */
    res = authn(ks, "gone", NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_UNAUTHORIZED);
    ck_assert_int_eq(fk->n_validate, 3);
    ck_assert_ptr_null(fc.e[2].body);
    res = authn(ks, "gone", NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_UNAUTHORIZED);
    ck_assert_int_eq(fk->n_validate, 3);

    /* Keystone trouble: 503, nothing cached */
    res = authn(ks, "boom", NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_UNAVAILABLE);
    ck_assert_int_eq(fc.n, 3);

    /* cached data is checked again: an expired body is refused without asking Keystone */
    heat_keystone_cache_key(ks, "stale", key);
    fc_store(NULL, heat_test_pool, key,
             fake_ks_token_body(fk, heat_test_pool, "2000-01-01T00:00:00.000000Z", NULL),
             strlen(fake_ks_token_body(fk, heat_test_pool, "2000-01-01T00:00:00.000000Z", NULL)),
             apr_time_now() + apr_time_from_sec(100));
    res = authn(ks, "stale", NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_UNAUTHORIZED);
    ck_assert_int_eq(fk->n_validate, 4); /* the "boom" validation, not this one */
}
END_TEST

START_TEST(test_authenticate_no_caching)
{
    heat_keystone_settings_t s = base_settings(fk->base);
    heat_keystone_t *ks, *other;
    unsigned char k1[32], k2[32];

    memset(&fc, 0, sizeof(fc));
    s.token_cache_time = -1;
    ks = client_for(&s);
    ck_assert_int_eq(authn(ks, "good", NULL).status, HEAT_AUTH_OK);
    ck_assert_int_eq(authn(ks, "good", NULL).status, HEAT_AUTH_OK);
    ck_assert_int_eq(fk->n_validate, 2);
    ck_assert_int_eq(fc.n, 0);
    /* the key depends on the Keystone the client validates against */
    s.identity_uri = "http://elsewhere/v3";
    other = client_for(&s);
    heat_keystone_cache_key(ks, "good", k1);
    heat_keystone_cache_key(other, "good", k2);
    ck_assert(memcmp(k1, k2, 32) != 0);
    heat_keystone_cache_key(ks, "good ", k2);
    ck_assert(memcmp(k1, k2, 32) != 0);
}
END_TEST

START_TEST(test_authenticate_service_tokens)
{
    heat_keystone_settings_t s = base_settings(fk->base);
    heat_keystone_t *ks;
    heat_auth_result_t res;

    memset(&fc, 0, sizeof(fc));
    ks = client_for(&s);
    /* a service token with the service role lets an expired user token through */
    res = authn(ks, "expired", "svcrole");
    ck_assert_int_eq(res.status, HEAT_AUTH_OK);
    ck_assert_int_eq(res.service_token_present, 1);
    ck_assert_int_eq(res.service_token_valid, 1);
    ck_assert_ptr_nonnull(res.service_token_info);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res.service_token_info,
                                                                       "token"), "auth_token")),
                     "svcrole");
    ck_assert_ptr_nonnull(strstr(fk->last_validate, "?allow_expired=1 HTTP"));
    /* without the role: valid (deprecated behaviour) but no allow_expired */
    res = authn(ks, "expired", "plain");
    ck_assert_int_eq(res.status, HEAT_AUTH_UNAUTHORIZED);
    res = authn(ks, "good", "plain");
    ck_assert_int_eq(res.status, HEAT_AUTH_OK);
    ck_assert_int_eq(res.service_token_valid, 1);
    /* an invalid service token: rejected even with a good user token */
    res = authn(ks, "good", "gone");
    ck_assert_int_eq(res.status, HEAT_AUTH_UNAUTHORIZED);
    ck_assert_int_eq(res.service_token_valid, 0);
    ck_assert_ptr_null(res.token_info);
    /* a valid service token and no user token: 401 */
    ck_assert_int_eq(authn(ks, NULL, "svcrole").status, HEAT_AUTH_UNAUTHORIZED);
    /* Keystone down while checking the service token: 503 */
    ck_assert_int_eq(authn(ks, "good", "boom").status, HEAT_AUTH_UNAVAILABLE);
    /* service_token_roles_required */
    s.service_token_roles_required = 1;
    ks = client_for(&s);
    ck_assert_int_eq(authn(ks, "good", "plain").status, HEAT_AUTH_UNAUTHORIZED);
    ck_assert_int_eq(authn(ks, "good", "svcrole").status, HEAT_AUTH_OK);
}
END_TEST

/* ---- password authentication of any user (heat's authpassword) ---------------------------- */

static heat_keystone_t *standalone_client(void)
{
    heat_keystone_settings_t s;
    heat_keystone_t *ks;
    const char *err;

    /* the standalone flavor needs no [keystone_authtoken] credentials */
    heat_keystone_settings_init(&s);
    s.standalone = 1;
    s.http_request_max_retries = 3; /* not used by password authentication */
    ck_assert_int_eq(heat_keystone_create(&ks, heat_test_pool, khttp, &s, &err), APR_SUCCESS);
    return ks;
}

static heat_keystone_password_result_t pw(heat_keystone_t *ks, const char *url, const char *user,
                                          const char *password, const char *domain,
                                          const char *project)
{
    heat_keystone_password_t req;
    heat_keystone_password_result_t res;

    memset(&req, 0, sizeof(req));
    req.auth_url = url;
    req.username = user;
    req.password = password;
    req.user_domain_id = domain;
    req.project_id = project;
    heat_keystone_password_auth(ks, heat_test_pool, &req, &res);
    return res;
}

static const char *posted_body(void)
{
    json_error_t err;
    json_t *j = json_loads(strstr(fk->last_user_post, "\r\n\r\n") + 4, 0, &err);
    ck_assert_ptr_nonnull(j);
    heat_json_own(heat_test_pool, j);
    return heat_json_dump(heat_test_pool, j, JSON_SORT_KEYS);
}

START_TEST(test_password_auth_shape)
{
    heat_keystone_t *ks = standalone_client();
    heat_keystone_password_result_t r;
    const char *token, *url;

    /* no service credentials: the service-token side is unavailable, not a crash */
    ck_assert_int_eq(heat_keystone_service_token(ks, heat_test_pool, &token, &url),
                     HEAT_KS_UNAVAILABLE);
    ck_assert_int_eq(fk->n_post + fk->n_root, 0);

    r = pw(ks, fk->base, "alice", "wonderland", "default", "p1");
    ck_assert_int_eq(r.status, HEAT_KS_VALID);
    ck_assert_str_eq(r.token, "user-1");
    ck_assert_int_eq(r.http_status, 201);
    ck_assert_ptr_null(r.error_type);
    ck_assert_str_eq(r.token_url, apr_pstrcat(heat_test_pool, fk->base, "/v3/auth/tokens", NULL));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
                         r.token_body, "token"), "user"), "name")), "demo");
    ck_assert_int_eq(fk->n_root, 1); /* discovery at the unversioned URL */
    ck_assert_ptr_nonnull(strstr(fk->last_user_post, "POST /v3/auth/tokens HTTP/1.1\r\n"));
    ck_assert_ptr_nonnull(strstr(fk->last_user_post, "\r\nContent-Type: application/json\r\n"));
    ck_assert_ptr_nonnull(strstr(fk->last_user_post, "\r\nAccept: application/json\r\n"));
    ck_assert_ptr_null(strstr(fk->last_user_post, "\r\nX-Auth-Token:"));
    ck_assert_str_eq(posted_body(),
                     "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": "
                     "{\"user\": {\"domain\": {\"id\": \"default\"}, \"name\": \"alice\", "
                     "\"password\": \"wonderland\"}}}, \"scope\": {\"project\": {\"id\": "
                     "\"p1\"}}}}");

    /* discovery is remembered per URL ("http://ks" and "http://ks/" are one) */
    r = pw(ks, apr_pstrcat(heat_test_pool, fk->base, "/", NULL), "alice", "wonderland", "default",
           "p1");
    ck_assert_int_eq(r.status, HEAT_KS_VALID);
    ck_assert_str_eq(r.token, "user-2");
    ck_assert_int_eq(fk->n_root, 1);

    /* keystoneauth sends what it is given: no name (and so no domain) without a user name, a
     * null password without one, no domain without a domain id */
    r = pw(ks, fk->base, NULL, "wonderland", "default", "p1");
    ck_assert_int_eq(r.status, HEAT_KS_INVALID);
    ck_assert_str_eq(posted_body(), "{\"auth\": {\"identity\": {\"methods\": [\"password\"], "
                     "\"password\": {\"user\": {\"password\": \"wonderland\"}}}, \"scope\": "
                     "{\"project\": {\"id\": \"p1\"}}}}");
    r = pw(ks, fk->base, "", "x", "", "p1");
    ck_assert_str_eq(posted_body(), "{\"auth\": {\"identity\": {\"methods\": [\"password\"], "
                     "\"password\": {\"user\": {\"password\": \"x\"}}}, \"scope\": "
                     "{\"project\": {\"id\": \"p1\"}}}}");
    r = pw(ks, fk->base, "alice", NULL, "default", "p1");
    ck_assert_int_eq(r.status, HEAT_KS_INVALID);
    ck_assert_ptr_nonnull(strstr(posted_body(), "\"password\": null"));
    r = pw(ks, fk->base, "alice", "wonderland", NULL, "p1");
    ck_assert_int_eq(r.status, HEAT_KS_UNAVAILABLE);
    ck_assert_str_eq(r.error_type, "BadRequest");
    ck_assert_int_eq(r.http_status, 400);
    ck_assert_ptr_null(strstr(posted_body(), "domain"));
    ck_assert_int_eq(fk->n_root, 1);
}
END_TEST

START_TEST(test_password_auth_outcomes)
{
    heat_keystone_t *ks = standalone_client();
    const char *v3 = apr_pstrcat(heat_test_pool, fk->base, "/v3", NULL);
    heat_keystone_password_result_t r;
    static const struct {
        const char *project, *password;
        heat_ks_status_t status;
        const char *error_type;
    } cases[] = {
        {"p1", "wrong", HEAT_KS_INVALID, "Unauthorized"},
        {"forbidden", "wonderland", HEAT_KS_INVALID, "Forbidden"},
        {"gone", "wonderland", HEAT_KS_INVALID, "NotFound"},
        {"receipt", "wonderland", HEAT_KS_UNAVAILABLE, "MissingAuthMethods"},
        {"boom", "wonderland", HEAT_KS_UNAVAILABLE, "InternalServerError"},
        {"teapot", "wonderland", HEAT_KS_UNAVAILABLE, "HTTPClientError"},
        {"garbage", "wonderland", HEAT_KS_UNAVAILABLE, "InvalidResponse"},
        {"notoken", "wonderland", HEAT_KS_UNAVAILABLE, "KeyError"},
    };
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        r = pw(ks, v3, "alice", cases[i].password, "default", cases[i].project);
        ck_assert_msg(r.status == cases[i].status, "%s", cases[i].project);
        ck_assert_str_eq(r.error_type, cases[i].error_type);
        ck_assert_ptr_null(r.token);
        ck_assert_ptr_null(r.token_body);
    }
    ck_assert_int_eq(fk->n_user_post, (int)i);
    ck_assert_int_eq(fk->n_v3, 1); /* a versioned URL is discovered too, once */

    /* transport: refused at once (heat's Session has no connect retries), no URL */
    {
        apr_time_t t0 = apr_time_now();
        r = pw(ks, apr_psprintf(heat_test_pool, "http://127.0.0.1:%d/v3", heat_test_closed_port()),
               "alice", "wonderland", "default", "p1");
        /* discovery fails, the URL names v3: the POST is tried and refused */
        ck_assert_int_eq(r.status, HEAT_KS_UNAVAILABLE);
        ck_assert_str_eq(r.error_type, "ConnectFailure");
        ck_assert_int_lt(apr_time_now() - t0, apr_time_from_msec(400));
    }
    r = pw(ks, NULL, "alice", "wonderland", "default", "p1");
    ck_assert_str_eq(r.error_type, "DiscoveryFailure");
    r = pw(ks, "", "alice", "wonderland", "default", "p1");
    ck_assert_str_eq(r.error_type, "DiscoveryFailure");
}
END_TEST

/* A TLS failure (here: https:// to a server that speaks plain HTTP) is keystoneauth's SSLError,
 * not ConnectFailure: heat-api's authurl step shows that class in its 500 fault. */
START_TEST(test_tls_failure_is_sslerror)
{
    heat_keystone_t *ks = standalone_client();
    const char *https = apr_pstrcat(heat_test_pool, "https://", fk->base + strlen("http://"), NULL);
    const char *error_type = NULL;
    heat_http_options_t o;
    heat_keystone_password_result_t r;

    memset(&o, 0, sizeof(o));
    ck_assert_ptr_null(heat_keystone_discover_v3(ks, heat_test_pool, https, &o, &error_type));
    ck_assert_ptr_nonnull(error_type);
    ck_assert_str_eq(error_type, "SSLError");
    r = pw(ks, apr_pstrcat(heat_test_pool, https, "/v3", NULL), "alice", "wonderland", "default",
           "p1");
    ck_assert_int_eq(r.status, HEAT_KS_UNAVAILABLE);
    ck_assert_str_eq(r.error_type, "SSLError");
    ck_assert_ptr_null(r.token);
    /* a refused connection stays ConnectFailure */
    error_type = NULL;
    ck_assert_ptr_null(heat_keystone_discover_v3(
        ks, heat_test_pool, apr_psprintf(heat_test_pool, "https://127.0.0.1:%d/", heat_test_closed_port()),
        &o, &error_type));
    ck_assert_str_eq(error_type, "ConnectFailure");
}
END_TEST

START_TEST(test_password_auth_discovery)
{
    heat_keystone_t *ks = standalone_client();
    heat_keystone_password_result_t r;

    /* a version document without v3: DiscoveryFailure, nothing posted */
    r = pw(ks, apr_pstrcat(heat_test_pool, fk->base, "/nov3", NULL), "alice", "wonderland",
           "default", "p1");
    ck_assert_int_eq(r.status, HEAT_KS_UNAVAILABLE);
    ck_assert_str_eq(r.error_type, "DiscoveryFailure");
    ck_assert_int_eq(fk->n_user_post, 0);
    /* discovery fails (HTTP 404, not JSON): the version is parsed from the path */
    r = pw(ks, apr_pstrcat(heat_test_pool, fk->base, "/broken/v3", NULL), "alice", "wonderland",
           "default", "p1");
    ck_assert_str_eq(r.error_type, "DiscoveryFailure"); /* the path does not start with /v3 */
    r = pw(ks, apr_pstrcat(heat_test_pool, fk->base, "/text", NULL), "alice", "wonderland",
           "default", "p1");
    ck_assert_str_eq(r.error_type, "DiscoveryFailure");
    ck_assert_int_eq(fk->n_user_post, 0);
    r = pw(ks, apr_pstrcat(heat_test_pool, fk->base, "/V3/", NULL), "alice", "wonderland",
           "default", "p1");
    ck_assert_int_eq(fk->n_v3, 0); /* "/V3/" is not "/v3": 404 from the fake */
    ck_assert_int_eq(r.status, HEAT_KS_VALID);
    ck_assert_str_eq(r.token_url, apr_pstrcat(heat_test_pool, fk->base, "/V3/v3/auth/tokens",
                                              NULL));
    /* ... because keystoneauth appends /v3 to a token URL not ending in "v3" */
    r = pw(ks, apr_pstrcat(heat_test_pool, fk->base, "/odd", NULL), "alice", "wonderland",
           "default", "p1");
    ck_assert_int_eq(r.status, HEAT_KS_VALID);
    ck_assert_str_eq(r.token_url, apr_pstrcat(heat_test_pool, fk->base,
                                              "/odd/v3.14/v3/auth/tokens", NULL));
    /* failures are not remembered */
    fk->n_other_disc = 0;
    r = pw(ks, apr_pstrcat(heat_test_pool, fk->base, "/nov3", NULL), "alice", "wonderland",
           "default", "p1");
    r = pw(ks, apr_pstrcat(heat_test_pool, fk->base, "/odd", NULL), "alice", "wonderland",
           "default", "p1");
    ck_assert_int_eq(fk->n_other_disc, 1);
}
END_TEST

START_TEST(test_discover_v3_url_for)
{
    heat_keystone_t *ks = standalone_client();
    const char *err = "unset";

    /* the advertised href as it is, also for a URL that names v3 already */
    ck_assert_str_eq(heat_keystone_discover_v3(ks, heat_test_pool, fk->base, NULL, &err),
                     apr_pstrcat(heat_test_pool, fk->base, "/v3/", NULL));
    ck_assert_str_eq(heat_keystone_discover_v3(ks, heat_test_pool,
                                               apr_pstrcat(heat_test_pool, fk->base, "/v3", NULL),
                                               NULL, &err),
                     apr_pstrcat(heat_test_pool, fk->base, "/v3/", NULL));
    ck_assert_int_eq(fk->n_root, 1);
    ck_assert_int_eq(fk->n_v3, 1);
    /* no v3 listed: None, no error */
    ck_assert_ptr_null(heat_keystone_discover_v3(
        ks, heat_test_pool, apr_pstrcat(heat_test_pool, fk->base, "/nov3", NULL), NULL, &err));
    ck_assert_ptr_null(err);
    /* what Discover raises */
    fk->root_status = 503;
    ck_assert_ptr_null(heat_keystone_discover_v3(ks, heat_test_pool, fk->base, NULL, &err));
    ck_assert_str_eq(err, "ServiceUnavailable");
    ck_assert_ptr_null(heat_keystone_discover_v3(
        ks, heat_test_pool, apr_pstrcat(heat_test_pool, fk->base, "/text", NULL), NULL, &err));
    ck_assert_str_eq(err, "DiscoveryFailure");
    ck_assert_ptr_null(heat_keystone_discover_v3(
        ks, heat_test_pool, apr_psprintf(heat_test_pool, "http://127.0.0.1:%d",
                                         heat_test_closed_port()), NULL, &err));
    ck_assert_str_eq(err, "ConnectFailure");
}
END_TEST

/* ---- the shared cache's protection (memcache_security_strategy) --------------------------- */

/* Computed with keystonemiddleware 10.1.0's own _memcache_crypt (Debian's
 * python3-keystonemiddleware) by test/golden/tokencrypt/capture.py: token "tok-abc", secret
 * "s3cret". */
#define KAT_BODY "{\"token\": {\"user\": {\"id\": \"u1\"}, \"expires_at\": \"2099-01-01T00:00:00Z\"}}"
#define KAT_MAC_ENTRY                                                                       \
    "PMe+tJlkzv3XmWXnmNAU6pb+HXFHIptGfjzDCiFxGFTqEPvB+yrYSUyJ/uMUinPgeyJ0b2tlbiI6IHsidXNlciI6" \
    "IHsiaWQiOiAidTEifSwgImV4cGlyZXNfYXQiOiAiMjA5OS0wMS0wMVQwMDowMDowMFoifX0="
#define KAT_ENCRYPT_ENTRY                                                                   \
    "PU33xcNTIN9TLfbZNb/mfk1t6FMVeJ4dX4LOQFBqycJBBVshCxx7zkb74tM+vBZchHh++VO7feayU+S2Aaj3jrBs" \
    "KQ2ZaWB3sBlmxm8e7VUN/gbO4tKwozGoIgtOZE5hPY4feAFTaC7cNBEN7JdIl9jid93JTVl5yMBjBAoXMvJ47/QJ" \
    "7l0kNi6f/SQPMVt9"

START_TEST(test_tokencrypt_known_answers)
{
    heat_tokencrypt_keys_t k;
    char *out, *tampered;
    apr_size_t n;

    ck_assert_int_eq(heat_tokencrypt_strategy(NULL), HEAT_TOKENCRYPT_NONE);
    ck_assert_int_eq(heat_tokencrypt_strategy("none"), HEAT_TOKENCRYPT_NONE);
    ck_assert_int_eq(heat_tokencrypt_strategy("mac"), HEAT_TOKENCRYPT_MAC);
    ck_assert_int_eq(heat_tokencrypt_strategy("Encrypt"), HEAT_TOKENCRYPT_ENCRYPT);
    ck_assert_int_eq(heat_tokencrypt_strategy("AES"), -1);
    ck_assert_int_ne(heat_tokencrypt_derive("s3cret", "tok-abc", "None", &k), 0);

    /* MAC: the derived keys, keystonemiddleware's memcached key and the very same entry */
    ck_assert_int_eq(heat_tokencrypt_derive("s3cret", "tok-abc", "MAC", &k), 0);
    ck_assert_str_eq(hex(k.cache_key, 16), "f8f1b89fc1a9eeea0d84d29cb20e364c");
    ck_assert_str_eq(hex(k.mac_key, 16), "6a4aa1d7116f2f2fc511d5d401c34810");
    ck_assert_str_eq(hex(k.enc_key, 16), "98d5df320889e07b9740621ad9a0a0ad");
    ck_assert_str_eq(heat_tokencrypt_memcache_key(heat_test_pool, &k),
                     "tokens/+PG4n8Gp7uoNhNKcsg42TA==");
    ck_assert_int_eq(heat_tokencrypt_protect(heat_test_pool, &k, KAT_BODY, strlen(KAT_BODY), &out,
                                             &n), 0);
    ck_assert_str_eq(out, KAT_MAC_ENTRY);
    ck_assert_uint_eq(n, strlen(KAT_MAC_ENTRY));
    ck_assert_int_eq(heat_tokencrypt_unprotect(heat_test_pool, &k, KAT_MAC_ENTRY,
                                               strlen(KAT_MAC_ENTRY), &out, &n), 0);
    ck_assert_str_eq(out, KAT_BODY);
    /* one byte changed in the data, or in the MAC: refused */
    tampered = apr_pstrdup(heat_test_pool, KAT_MAC_ENTRY);
    tampered[100] = tampered[100] == 'A' ? 'B' : 'A';
    ck_assert_int_ne(heat_tokencrypt_unprotect(heat_test_pool, &k, tampered, strlen(tampered),
                                               &out, &n), 0);
    ck_assert_ptr_null(out);
    tampered = apr_pstrdup(heat_test_pool, KAT_MAC_ENTRY);
    tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
    ck_assert_int_ne(heat_tokencrypt_unprotect(heat_test_pool, &k, tampered, strlen(tampered),
                                               &out, &n), 0);
    ck_assert_int_ne(heat_tokencrypt_unprotect(heat_test_pool, &k, "short", 5, &out, &n), 0);
    /* the entry is bound to its token: another token's keys refuse it */
    ck_assert_int_eq(heat_tokencrypt_derive("s3cret", "tok-abd", "MAC", &k), 0);
    ck_assert_int_ne(heat_tokencrypt_unprotect(heat_test_pool, &k, KAT_MAC_ENTRY,
                                               strlen(KAT_MAC_ENTRY), &out, &n), 0);

    /* ENCRYPT: keystonemiddleware's entry decrypts; ours round-trips and hides the body */
    ck_assert_int_eq(heat_tokencrypt_derive("s3cret", "tok-abc", "ENCRYPT", &k), 0);
    ck_assert_str_eq(hex(k.cache_key, 16), "eae39590e18f4d38211af17f7e682c2a");
    ck_assert_str_eq(hex(k.mac_key, 16), "e75025610ba34a14677bdf3326bedf84");
    ck_assert_str_eq(hex(k.enc_key, 16), "b0b39ff20f47bd876ee2d8cbebe241b4");
    ck_assert_str_eq(heat_tokencrypt_memcache_key(heat_test_pool, &k),
                     "tokens/6uOVkOGPTTghGvF/fmgsKg==");
    ck_assert_int_eq(heat_tokencrypt_unprotect(heat_test_pool, &k, KAT_ENCRYPT_ENTRY,
                                               strlen(KAT_ENCRYPT_ENTRY), &out, &n), 0);
    ck_assert_str_eq(out, KAT_BODY);
    ck_assert_int_eq(heat_tokencrypt_protect(heat_test_pool, &k, KAT_BODY, strlen(KAT_BODY), &out,
                                             &n), 0);
    ck_assert_ptr_null(strstr(out, "eyJ0b2tlbiI6")); /* base64 of the body's start */
    ck_assert_str_ne(out, KAT_ENCRYPT_ENTRY);         /* a fresh IV */
    ck_assert_int_eq(heat_tokencrypt_unprotect(heat_test_pool, &k, out, n, &out, &n), 0);
    ck_assert_str_eq(out, KAT_BODY);
    /* the MAC strategy's entry is not accepted as an ENCRYPT one */
    ck_assert_int_ne(heat_tokencrypt_unprotect(heat_test_pool, &k, KAT_MAC_ENTRY,
                                               strlen(KAT_MAC_ENTRY), &out, &n), 0);
    heat_tokencrypt_wipe(&k);
    ck_assert_str_eq(hex(k.enc_key, 16), "00000000000000000000000000000000");
}
END_TEST

static heat_keystone_t *secure_client(const char *strategy)
{
    heat_keystone_settings_t s = base_settings(fk->base);
    s.memcache_security_strategy = strategy;
    s.memcache_secret_key = "s3cret";
    return client_for(&s);
}

/* The shared cache with MAC or ENCRYPT: entries are protected, keyed by the derived key, and
 * an entry that does not verify (tampered, or forged by whoever can write to memcached) is a
 * miss: the token goes to Keystone. */
static void check_protected_cache(const char *strategy)
{
    heat_keystone_t *ks;
    heat_auth_result_t res;
    heat_tokencrypt_keys_t k;
    unsigned char plain_key[32];
    char *body;
    apr_size_t n;

    memset(&fc, 0, sizeof(fc));
    ks = secure_client(strategy);
    res = authn(ks, "good", NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_OK);
    ck_assert_int_eq(fk->n_validate, 1);
    ck_assert_int_eq(fc.n, 1);
    /* keyed by keystonemiddleware's derived cache key, not by a hash anyone can compute */
    ck_assert_int_eq(heat_tokencrypt_derive("s3cret", "good", strategy, &k), 0);
    ck_assert(memcmp(fc.e[0].key, k.cache_key, 16) == 0);
    heat_keystone_cache_key(ks, "good", plain_key);
    ck_assert(memcmp(fc.e[0].key, plain_key, 32) != 0);
    /* the stored bytes are a protected entry of the body */
    ck_assert_int_eq(heat_tokencrypt_unprotect(heat_test_pool, &k, fc.e[0].body,
                                               strlen(fc.e[0].body), &body, &n), 0);
    ck_assert_ptr_nonnull(strstr(body, "\"token\""));
    if (strcmp(strategy, "ENCRYPT") == 0) {
        ck_assert_ptr_null(strstr(fc.e[0].body, "\"token\""));
        ck_assert_ptr_null(strstr(fc.e[0].body, "eyJ0b2tlbi")); /* nor its base64 */
    }
    /* a hit verifies */
    res = authn(ks, "good", NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_OK);
    ck_assert_int_eq(res.from_cache, 1);
    ck_assert_int_eq(fk->n_validate, 1);

    /* tampered: one character of the data changed -> a miss, Keystone asked, entry rewritten */
    {
        char *t = apr_pstrdup(heat_test_pool, fc.e[0].body);
        apr_size_t i = strlen(t) - 5;
        t[i] = t[i] == 'A' ? 'B' : 'A';
        fc.e[0].body = t;
    }
    res = authn(ks, "good", NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_OK);
    ck_assert_int_eq(res.from_cache, 0);
    ck_assert_int_eq(fk->n_validate, 2);
    ck_assert_int_eq(heat_tokencrypt_unprotect(heat_test_pool, &k, fc.e[0].body,
                                               strlen(fc.e[0].body), &body, &n), 0);

    /* forged: an admin body in clear under the token's key -> not accepted ("forged" is a
     * token the fake Keystone does not know) */
    ck_assert_int_eq(heat_tokencrypt_derive("s3cret", "forged", strategy, &k), 0);
    {
        unsigned char key[32] = {0};
        const char *admin = fake_ks_token_body(fk, heat_test_pool, "2099-01-01T00:00:00.000000Z", NULL);
        memcpy(key, k.cache_key, 16);
        fc_store(NULL, heat_test_pool, key, admin, strlen(admin),
                 apr_time_now() + apr_time_from_sec(100));
        /* ... and the same under the plain SHA-256 key the old code used */
        heat_keystone_cache_key(ks, "forged", key);
        fc_store(NULL, heat_test_pool, key, admin, strlen(admin),
                 apr_time_now() + apr_time_from_sec(100));
    }
    res = authn(ks, "forged", NULL);
    ck_assert_int_eq(res.status, HEAT_AUTH_UNAUTHORIZED);
    ck_assert_int_eq(res.from_cache, 0);
    ck_assert_int_eq(fk->n_validate, 3);
    heat_tokencrypt_wipe(&k);
}

START_TEST(test_authenticate_cache_mac)
{
    check_protected_cache("MAC");
}
END_TEST

START_TEST(test_authenticate_cache_encrypt)
{
    check_protected_cache("ENCRYPT");
}
END_TEST

START_TEST(test_secure_cache_settings)
{
    heat_keystone_settings_t s = base_settings(fk->base);
    heat_keystone_t *ks;
    const char *err = NULL;

    /* as keystonemiddleware: a strategy without a secret refuses to start */
    s.memcache_security_strategy = "ENCRYPT";
    ck_assert_int_eq(heat_keystone_create(&ks, heat_test_pool, khttp, &s, &err), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "memcache_secret_key"));
    s.memcache_security_strategy = "rot13";
    s.memcache_secret_key = "x";
    ck_assert_int_eq(heat_keystone_create(&ks, heat_test_pool, khttp, &s, &err), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "memcache_security_strategy"));
    s.memcache_security_strategy = "None";
    s.memcache_secret_key = NULL;
    ck_assert_int_eq(heat_keystone_create(&ks, heat_test_pool, khttp, &s, &err), APR_SUCCESS);
}
END_TEST

Suite *heat_test_keystone_suite(void)
{
    Suite *s = suite_create("keystone");
    TCase *pure = tcase_create("pure");
    TCase *client_tc = tcase_create("client");

    tcase_add_checked_fixture(pure, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(pure, test_sha256);
    tcase_add_test(pure, test_parse_time);
    tcase_add_test(pure, test_path_matches);
    tcase_add_test(pure, test_token_info_golden);
    tcase_add_test(pure, test_identity_golden);
    tcase_add_test(pure, test_identity_details);
    tcase_add_test(pure, test_check_token);
    tcase_add_test(pure, test_www_authenticate);
    tcase_add_test(pure, test_create_errors);
    tcase_add_test(pure, test_tokencrypt_known_answers);
    suite_add_tcase(s, pure);

    tcase_add_checked_fixture(client_tc, ks_setup, ks_teardown);
    tcase_set_timeout(client_tc, 60);
    tcase_add_test(client_tc, test_service_token_and_validation_shape);
    tcase_add_test(client_tc, test_catalog_selection);
    tcase_add_test(client_tc, test_auth_url_forms);
    tcase_add_test(client_tc, test_outcomes);
    tcase_add_test(client_tc, test_service_token_refused);
    tcase_add_test(client_tc, test_service_token_renewal);
    tcase_add_test(client_tc, test_threads_single_renewal);
    tcase_add_test(client_tc, test_service_token_renewal_does_not_block);
    tcase_add_test(client_tc, test_service_token_backoff);
    tcase_add_test(client_tc, test_single_flight_invalid);
    tcase_add_test(client_tc, test_single_flight_valid);
    tcase_add_test(client_tc, test_authenticate_cache);
    tcase_add_test(client_tc, test_authenticate_no_caching);
    tcase_add_test(client_tc, test_authenticate_service_tokens);
    tcase_add_test(client_tc, test_authenticate_cache_mac);
    tcase_add_test(client_tc, test_authenticate_cache_encrypt);
    tcase_add_test(client_tc, test_secure_cache_settings);
    tcase_add_test(client_tc, test_password_auth_shape);
    tcase_add_test(client_tc, test_password_auth_outcomes);
    tcase_add_test(client_tc, test_tls_failure_is_sslerror);
    tcase_add_test(client_tc, test_password_auth_discovery);
    tcase_add_test(client_tc, test_discover_v3_url_for);
    suite_add_tcase(s, client_tc);
    return s;
}
