/* test_auth.c: heat_auth (identity/heat_auth.c), the authentication steps on a request view,
 * against the fake Keystone (fake_keystone.h): authurl with multi_cloud and with discovery on
 * [clients_keystone] auth_uri, the "v2.0" -> "v3" rewrite, ec2authtoken's multi_cloud loop, and
 * the EC2 result handed to authtoken as data. */
#include "heat_test.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

#include "heat_auth.h"
#include "heat_http.h"
#include "heat_json.h"
#include "heat_keystone.h"
#include "heat_query.h"

#include "fake_keystone.h"

static fake_ks_t *fk;
static heat_http_t *ahttp;

static void auth_setup(void)
{
    heat_test_pool_setup();
    ck_assert_int_eq(heat_http_global_init(heat_test_pool), APR_SUCCESS);
    ck_assert_int_eq(heat_http_create(&ahttp, heat_test_pool), APR_SUCCESS);
    fk = fake_ks_start();
}

static void auth_teardown(void)
{
    fake_ks_stop(fk);
    fk = NULL;
    heat_test_pool_teardown();
    ahttp = NULL;
}

/* The service's settings on fk (validation at fk's /v3, no catalog lookup). */
static heat_keystone_settings_t settings_on(const fake_ks_t *ks)
{
    heat_keystone_settings_t s;
    heat_keystone_settings_init(&s);
    s.auth_url = apr_pstrcat(heat_test_pool, ks->base, "/v3", NULL);
    s.identity_uri = s.auth_url;
    s.username = "heat";
    s.password = "s3cret";
    s.user_domain_name = "Default";
    s.project_name = "service";
    s.project_domain_name = "Default";
    s.http_request_max_retries = 0;
    s.http_connect_timeout = 2;
    return s;
}

static heat_auth_t *auth_for(heat_keystone_settings_t *s)
{
    heat_auth_t *auth;
    const char *err;
    ck_assert_int_eq(heat_auth_create(&auth, heat_test_pool, ahttp, s, &err), APR_SUCCESS);
    return auth;
}

static void view_init(heat_auth_request_t *v, const char *method)
{
    memset(v, 0, sizeof(*v));
    v->pool = heat_test_pool;
    v->method = method;
    v->path = "/v1/p1/stacks";
    v->accept = "application/json";
    v->headers = apr_table_make(heat_test_pool, 4);
}

static apr_array_header_t *strings(const char *a, const char *b, const char *c)
{
    apr_array_header_t *arr = apr_array_make(heat_test_pool, 3, sizeof(const char *));
    const char *all[] = {a, b, c};
    int i;
    for (i = 0; i < 3; i++)
        if (all[i])
            APR_ARRAY_PUSH(arr, const char *) = all[i];
    return arr;
}

/* ---- a one-entry token cache -------------------------------------------------------------- */

typedef struct {
    int n_store;
    unsigned char key[32];
    char body[4096];
} one_cache_t;

static one_cache_t oc;

static int oc_lookup(void *baton, apr_pool_t *p, const unsigned char key[32], int negative_ok,
                     const char **body, apr_size_t *len)
{
    (void)baton;
    (void)negative_ok;
    if (oc.n_store && memcmp(key, oc.key, 32) == 0) {
        *body = apr_pstrdup(p, oc.body);
        *len = strlen(oc.body);
        return 1;
    }
    return 0;
}

static void oc_store(void *baton, apr_pool_t *p, const unsigned char key[32], const char *body,
                     apr_size_t len, apr_time_t expiry)
{
    (void)baton;
    (void)p;
    (void)expiry;
    if (!body)
        return; /* a remembered 404 */
    oc.n_store++;
    memcpy(oc.key, key, 32);
    apr_cpystrn(oc.body, body, len + 1 < sizeof(oc.body) ? len + 1 : sizeof(oc.body));
}

static const heat_keystone_cache_t one_cache = {oc_lookup, oc_store, NULL};

/* ---- authurl ------------------------------------------------------------------------------ */

START_TEST(test_authurl_multi_cloud)
{
    heat_keystone_settings_t s = settings_on(fk);
    heat_auth_t *auth = auth_for(&s);
    heat_auth_password_settings_t pw;
    heat_auth_request_t v;
    heat_result_t out;
    const char *url;

    memset(&pw, 0, sizeof(pw));
    pw.multi_cloud = 1;
    pw.allowed_auth_uris = strings("http://a.example:5000/v3", "http://b.example:5000/v3", NULL);
    heat_auth_set_password_settings(auth, &pw);

    view_init(&v, "GET");
    v.auth_url = "http://b.example:5000/v3";
    ck_assert_int_eq(heat_auth_url_check(auth, &v, &url, &out), HEAT_AUTH_NEXT);
    ck_assert_str_eq(url, "http://b.example:5000/v3");
    /* exact string match: a trailing slash is another endpoint */
    v.auth_url = "http://b.example:5000/v3/";
    ck_assert_int_eq(heat_auth_url_check(auth, &v, &url, &out), 401);
    ck_assert_ptr_null(url);
    ck_assert_ptr_null(out.www_authenticate);
    ck_assert_ptr_nonnull(strstr(out.body, "Header X-Auth-Url \\\"http://b.example:5000/v3/\\\" "
                                           "not an allowed endpoint"));
    v.auth_url = "";
    ck_assert_int_eq(heat_auth_url_check(auth, &v, &url, &out), 400);
    ck_assert_ptr_nonnull(strstr(out.body, "Request missing required header X-Auth-Url"));
    ck_assert_int_eq(fk->n_root + fk->n_v3 + fk->n_post, 0); /* no Keystone call */
}
END_TEST

START_TEST(test_authurl_www_authenticate_uri)
{
    heat_keystone_settings_t s = settings_on(fk);
    heat_auth_t *auth;
    heat_auth_request_t v;
    heat_result_t out;
    const char *url;

    s.www_authenticate_uri = "http://public.example:5000/v2.0";
    auth = auth_for(&s);
    view_init(&v, "GET");
    v.auth_url = "http://client.example/v3"; /* without multi_cloud: overwritten */
    ck_assert_int_eq(heat_auth_url_check(auth, &v, &url, &out), HEAT_AUTH_NEXT);
    /* as configured: authurl does not rewrite v2.0 (the Keystone clients do) */
    ck_assert_str_eq(url, "http://public.example:5000/v2.0");
    ck_assert_int_eq(heat_auth_url_check(NULL, &v, &url, &out), HEAT_AUTH_NEXT);
    ck_assert_ptr_null(url);
}
END_TEST

START_TEST(test_authurl_discovery)
{
    heat_keystone_settings_t s = settings_on(fk);
    heat_auth_t *auth = auth_for(&s);
    heat_auth_request_t v;
    heat_result_t out;
    const char *url;

    heat_auth_set_clients_keystone_uri(auth, apr_pstrcat(heat_test_pool, fk->base, "/", NULL));
    view_init(&v, "GET");
    ck_assert_int_eq(heat_auth_url_check(auth, &v, &url, &out), HEAT_AUTH_NEXT);
    /* the advertised v3 href, trailing slash kept */
    ck_assert_str_eq(url, apr_pstrcat(heat_test_pool, fk->base, "/v3/", NULL));
    ck_assert_int_eq(fk->n_root, 1);
    /* remembered: no second discovery */
    ck_assert_int_eq(heat_auth_url_check(auth, &v, &url, &out), HEAT_AUTH_NEXT);
    ck_assert_str_eq(url, apr_pstrcat(heat_test_pool, fk->base, "/v3/", NULL));
    ck_assert_str_eq(heat_auth_url(auth, heat_test_pool), url);
    ck_assert_int_eq(fk->n_root, 1);
}
END_TEST

START_TEST(test_authurl_discovery_failure)
{
    heat_keystone_settings_t s = settings_on(fk);
    heat_auth_t *auth = auth_for(&s);
    heat_auth_request_t v;
    heat_result_t out;
    json_error_t err;
    json_t *body;
    const char *url;

    heat_auth_set_clients_keystone_uri(auth, apr_pstrcat(heat_test_pool, fk->base, "/broken", NULL));
    view_init(&v, "GET");
    /* heat-api's fault middleware: 500 with keystoneauth's exception as the type */
    ck_assert_int_eq(heat_auth_url_check(auth, &v, &url, &out), 500);
    ck_assert_int_eq(out.status, 500);
    ck_assert_str_eq(out.content_type, "application/json");
    body = heat_json_own(heat_test_pool, json_loads(out.body, 0, &err));
    ck_assert_ptr_nonnull(body);
    ck_assert_int_eq(json_integer_value(json_object_get(body, "code")), 500);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(body, "error"), "type")),
                     "NotFound");
    /* not remembered: the next request asks again */
    ck_assert_int_eq(heat_auth_url_check(auth, &v, &url, &out), 500);
    ck_assert_int_eq(fk->n_other_disc, 2);
}
END_TEST

/* ---- the v2.0 -> v3 rewrite --------------------------------------------------------------- */

START_TEST(test_password_v2_rewritten)
{
    heat_keystone_settings_t s;
    heat_auth_t *auth;
    heat_auth_request_t v;
    heat_result_t out;
    heat_auth_result_t res;

    heat_keystone_settings_init(&s);
    s.standalone = 1;
    auth = auth_for(&s);
    view_init(&v, "GET");
    v.auth_user = "alice";
    v.auth_key = "wonderland";
    v.user_domain_id = "default";
    /* context.py's keystone_v3_endpoint: every "v2.0" becomes "v3" */
    ck_assert_int_eq(heat_auth_password(auth, &v, "/p1/stacks",
                                        apr_pstrcat(heat_test_pool, fk->base, "/v2.0", NULL),
                                        &res, &out), HEAT_AUTH_NEXT);
    ck_assert_int_eq(fk->n_user_post, 1);
    ck_assert_int_eq(strncmp(fk->last_user_post, "POST /v3/auth/tokens ", 21), 0);
    ck_assert_str_eq(res.token, "user-1");
    ck_assert_ptr_nonnull(json_object_get(json_object_get(res.token_info, "token"), "user"));
    /* a refusal names the URL as given (single quotes) */
    v.auth_key = "wrong";
    ck_assert_int_eq(heat_auth_password(auth, &v, "/p1/stacks",
                                        apr_pstrcat(heat_test_pool, fk->base, "/v2.0", NULL),
                                        &res, &out), 401);
    ck_assert_str_eq(out.www_authenticate,
                     apr_psprintf(heat_test_pool, "Keystone uri='%s/v2.0'", fk->base));
}
END_TEST

/* ---- ec2authtoken ------------------------------------------------------------------------- */

/* A signed ListStacks (SigV2 in the query): what heat_auth_ec2 reads. */
static void ec2_input(heat_auth_ec2_input_t *in, const char *access)
{
    memset(in, 0, sizeof(*in));
    in->params = heat_query_parse(heat_test_pool,
                                  apr_pstrcat(heat_test_pool, "Action=ListStacks&AWSAccessKeyId=",
                                              access, "&SignatureMethod=HmacSHA256&"
                                              "SignatureVersion=2&Signature=c2ln", NULL));
    in->n_query = in->params->nelts;
    in->host = "127.0.0.1:8000";
    in->path = "/v1/";
}

START_TEST(test_ec2_v2_rewritten)
{
    heat_keystone_settings_t s = settings_on(fk);
    heat_auth_t *auth;
    heat_auth_ec2_settings_t es;
    heat_auth_ec2_input_t in;
    heat_auth_ec2_result_t res;
    heat_auth_request_t v;
    heat_result_t out;

    /* no [ec2authtoken] auth_uri: www_authenticate_uri, with "v2.0" -> "v3" */
    s.www_authenticate_uri = apr_pstrcat(heat_test_pool, fk->base, "/v2.0", NULL);
    auth = auth_for(&s);
    memset(&es, 0, sizeof(es));
    view_init(&v, "GET");
    ec2_input(&in, "AK");
    ck_assert_int_eq(heat_auth_ec2(auth, &v, &es, &in, &res, &out), HEAT_AUTH_NEXT);
    ck_assert_int_eq(fk->n_ec2, 1);
    ck_assert_str_eq(res.auth_url, apr_pstrcat(heat_test_pool, fk->base, "/v3", NULL));
    /* [ec2authtoken] auth_uri: rewritten too */
    es.auth_uri = apr_pstrcat(heat_test_pool, fk->base, "/v2.0/", NULL);
    ck_assert_int_eq(heat_auth_ec2(auth, &v, &es, &in, &res, &out), HEAT_AUTH_NEXT);
    ck_assert_int_eq(fk->n_ec2, 2);
    ck_assert_int_eq(strncmp(fk->last_ec2, "POST /v3/ec2tokens ", 19), 0);
    ck_assert_str_eq(res.auth_url, apr_pstrcat(heat_test_pool, fk->base, "/v3/", NULL));
}
END_TEST

START_TEST(test_ec2_multi_cloud)
{
    heat_keystone_settings_t s = settings_on(fk);
    heat_auth_t *auth = auth_for(&s);
    fake_ks_t *refuser = fake_ks_start(), *foreign = fake_ks_start();
    heat_auth_ec2_settings_t es;
    heat_auth_ec2_input_t in;
    heat_auth_ec2_result_t res;
    heat_auth_request_t v;
    heat_result_t out;
    const char *foreign_uri = apr_pstrcat(heat_test_pool, foreign->base, "/v3", NULL);

    refuser->refuse_all_ec2 = 1;
    foreign->ec2_subject = "foreign-tok";
    memset(&oc, 0, sizeof(oc));
    memset(&es, 0, sizeof(es));
    es.multi_cloud = 1;
    es.allowed_auth_uris = strings(apr_pstrcat(heat_test_pool, refuser->base, "/v3", NULL),
                                   foreign_uri,
                                   apr_pstrcat(heat_test_pool, fk->base, "/v3", NULL));
    view_init(&v, "GET");
    v.cache = &one_cache;
    ec2_input(&in, "AK");
    ck_assert_int_eq(heat_auth_ec2(auth, &v, &es, &in, &res, &out), HEAT_AUTH_NEXT);
    /* in order: the refusal moved on, the first success won and is the auth_url */
    ck_assert_int_eq(refuser->n_ec2, 1);
    ck_assert_int_eq(foreign->n_ec2, 1);
    ck_assert_int_eq(fk->n_ec2, 0);
    ck_assert_str_eq(res.auth_url, foreign_uri);
    ck_assert_str_eq(res.token, "foreign-tok");
    /* other Keystones get no service token, and their token primes no cache */
    ck_assert_int_eq(res.trusted, 0);
    ck_assert_ptr_null(strcasestr(refuser->last_ec2, "X-Auth-Token"));
    ck_assert_ptr_null(strcasestr(foreign->last_ec2, "X-Auth-Token"));
    ck_assert_int_eq(fk->n_post, 0);
    ck_assert_int_eq(oc.n_store, 0);

    /* every URI refuses: the last AWS error */
    foreign->refuse_all_ec2 = 1;
    es.allowed_auth_uris = strings(apr_pstrcat(heat_test_pool, refuser->base, "/v3", NULL),
                                   foreign_uri, NULL);
    ck_assert_int_eq(heat_auth_ec2(auth, &v, &es, &in, &res, &out), 403);
    ck_assert_ptr_nonnull(strstr(out.body, "<Code>AccessDenied</Code>"));
    ck_assert_int_eq(refuser->n_ec2, 2);
    ck_assert_int_eq(foreign->n_ec2, 2);
    /* multi_cloud without allowed_auth_uris: denied before any call */
    es.allowed_auth_uris = NULL;
    ck_assert_int_eq(heat_auth_ec2(auth, &v, &es, &in, &res, &out), 403);
    ck_assert_int_eq(refuser->n_ec2 + foreign->n_ec2 + fk->n_ec2, 4);
    fake_ks_stop(refuser);
    fake_ks_stop(foreign);
}
END_TEST

START_TEST(test_ec2_result_is_data)
{
    heat_keystone_settings_t s = settings_on(fk);
    heat_auth_t *auth = auth_for(&s);
    heat_auth_ec2_settings_t es;
    heat_auth_ec2_input_t in;
    heat_auth_ec2_result_t ec2;
    heat_auth_request_t v;
    heat_result_t out;
    heat_auth_result_t res;

    memset(&oc, 0, sizeof(oc));
    memset(&es, 0, sizeof(es));
    es.auth_uri = apr_pstrcat(heat_test_pool, fk->base, "/v3", NULL);
    view_init(&v, "GET");
    v.cache = &one_cache;
    v.auth_token = "good"; /* a client's own token, which the fake would accept */
    ec2_input(&in, "AK");
    ck_assert_int_eq(heat_auth_ec2(auth, &v, &es, &in, &ec2, &out), HEAT_AUTH_NEXT);
    ck_assert_str_eq(ec2.token, "user-tok");
    ck_assert_int_eq(ec2.trusted, 1);
    ck_assert_str_eq(ec2.project_id, "p1");
    ck_assert_str_eq(ec2.roles, "member");
    ck_assert_str_eq(ec2.ec2_creds, "{\"ec2Credentials\": {\"access\": \"AK\", \"signature\": \"c2ln\"}}");
    ck_assert_int_eq(oc.n_store, 1); /* the configured Keystone's token primed the cache */
    /* the view is not written to: the token goes to authtoken as data */
    ck_assert_str_eq(v.auth_token, "good");
    ck_assert_int_eq(apr_table_elts(v.headers)->nelts, 0);

    ck_assert_int_eq(heat_auth_token(auth, &v, &ec2, &res, &out), HEAT_AUTH_NEXT);
    ck_assert_str_eq(res.token, "user-tok");
    ck_assert_int_eq(res.from_cache, 1);
    ck_assert_int_eq(fk->n_validate, 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res.token_info, "token"),
                                                       "auth_token")), "user-tok");
    /* without the EC2 result: the client's X-Auth-Token */
    ck_assert_int_eq(heat_auth_token(auth, &v, NULL, &res, &out), HEAT_AUTH_NEXT);
    ck_assert_str_eq(res.token, "good");
    ck_assert_int_eq(fk->n_validate, 1);
}
END_TEST

START_TEST(test_ec2_skip_and_refusals)
{
    heat_keystone_settings_t s = settings_on(fk);
    heat_auth_t *auth = auth_for(&s);
    heat_auth_ec2_settings_t es;
    heat_auth_ec2_input_t in;
    heat_auth_ec2_result_t ec2;
    heat_auth_request_t v;
    heat_result_t out;

    memset(&es, 0, sizeof(es));
    es.auth_uri = apr_pstrcat(heat_test_pool, fk->base, "/v3", NULL);
    view_init(&v, "GET");
    memset(&in, 0, sizeof(in));
    in.params = apr_array_make(heat_test_pool, 1, sizeof(heat_param_t));
    /* unsigned with X-Auth-User: authtoken decides */
    v.auth_user = "demo";
    ck_assert_int_eq(heat_auth_ec2(auth, &v, &es, &in, &ec2, &out), HEAT_AUTH_SKIP);
    /* unsigned without: AWS XML */
    v.auth_user = NULL;
    ck_assert_int_eq(heat_auth_ec2(auth, &v, &es, &in, &ec2, &out), 400);
    ck_assert_str_eq(out.status_line, "400 IncompleteSignature");
    /* an unknown key */
    ec2_input(&in, "AKbad");
    ck_assert_int_eq(heat_auth_ec2(auth, &v, &es, &in, &ec2, &out), 403);
    ck_assert_ptr_nonnull(strstr(out.body, "<Code>InvalidClientTokenId</Code>"));
    /* no client in this child */
    ec2_input(&in, "AK");
    ck_assert_int_eq(heat_auth_ec2(NULL, &v, &es, &in, &ec2, &out), 503);
    ck_assert_int_eq(heat_auth_token(NULL, &v, NULL, (heat_auth_result_t[1]){{0}}, &out), 503);
}
END_TEST

Suite *heat_test_auth_suite(void)
{
    Suite *s = suite_create("auth");
    TCase *tc = tcase_create("steps");

    tcase_add_checked_fixture(tc, auth_setup, auth_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_authurl_multi_cloud);
    tcase_add_test(tc, test_authurl_www_authenticate_uri);
    tcase_add_test(tc, test_authurl_discovery);
    tcase_add_test(tc, test_authurl_discovery_failure);
    tcase_add_test(tc, test_password_v2_rewritten);
    tcase_add_test(tc, test_ec2_v2_rewritten);
    tcase_add_test(tc, test_ec2_multi_cloud);
    tcase_add_test(tc, test_ec2_result_is_data);
    tcase_add_test(tc, test_ec2_skip_and_refusals);
    suite_add_tcase(s, tc);
    return s;
}
