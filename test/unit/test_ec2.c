/* test_ec2.c: heat_ec2 (heat-api-cfn's ec2authtoken without httpd) against the Python
 * filter: test/golden/ec2/cases.json holds requests and what heat 19.0.0's EC2Token did with
 * them (generate.py): the JSON it POSTs to /v3/ec2tokens, the AWS error it raises, the
 * headers it sets. Then the pieces one by one (header names, URLs, credentials, the reply
 * mapping), and heat_keystone_ec2tokens against a fake Keystone on loopback (request shape,
 * service token, the 401 retry, non-JSON and refused connections, the token cache). */
#include "heat_test.h"

#include <apr_strings.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "heat_api.h"
#include "heat_ec2.h"
#include "heat_http.h"
#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_keystone.h"
#include "heat_util.h"

#include "fake_keystone.h"

static json_t *cases(void)
{
    json_error_t err;
    const char *text = heat_test_read_file(heat_test_golden("ec2/cases.json"), NULL);
    json_t *j = json_loads(text, 0, &err);
    ck_assert_msg(j != NULL, "cases.json: %s", err.text);
    return heat_json_own(heat_test_pool, j);
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* the request of one case: params (query then form), headers, body */
typedef struct {
    apr_array_header_t *params;
    int n_query;
    apr_table_t *headers;
    const char *authorization;
    int has_auth_user;
    const char *host;
    const char *body;
    apr_size_t body_len;
} case_req_t;

static void build(const json_t *in, case_req_t *cr)
{
    apr_pool_t *p = heat_test_pool;
    const char *form = str(in, "form");
    json_t *h;
    size_t i;

    memset(cr, 0, sizeof(*cr));
    cr->params = heat_query_parse(p, str(in, "query"));
    cr->n_query = cr->params->nelts;
    if (form) {
        apr_array_header_t *fp = heat_query_parse(p, form);
        apr_array_cat(cr->params, fp);
        cr->body = form;
        cr->body_len = strlen(form);
    }
    cr->headers = apr_table_make(p, 8);
    json_array_foreach(json_object_get(in, "headers"), i, h) {
        const char *name = json_string_value(json_array_get(h, 0));
        const char *value = json_string_value(json_array_get(h, 1));
        apr_table_set(cr->headers, name, value);
        if (strcasecmp(name, "Authorization") == 0)
            cr->authorization = value;
        if (strcasecmp(name, "X-Auth-User") == 0)
            cr->has_auth_user = 1;
        if (strcasecmp(name, "Host") == 0)
            cr->host = value;
    }
}

static const char *aws_code(const char *python_class)
{
    static const char *const map[][2] = {
        {"HeatIncompleteSignatureError", "IncompleteSignature"},
        {"HeatMissingAuthenticationTokenError", "MissingAuthenticationToken"},
        {"HeatInvalidClientTokenIdError", "InvalidClientTokenId"},
        {"HeatSignatureError", "SignatureDoesNotMatch"},
        {"HeatAccessDeniedError", "AccessDenied"}};
    size_t i;
    for (i = 0; python_class && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], python_class) == 0)
            return map[i][1];
    return NULL;
}

START_TEST(test_cases_like_python)
{
    apr_pool_t *p = heat_test_pool;
    json_t *all = cases(), *c;
    size_t i;
    int n_keystone = 0, n_errors = 0, n_ok = 0;

    ck_assert_int_ge(json_array_size(all), 20);
    json_array_foreach(all, i, c) {
        const char *name = str(c, "name");
        json_t *in = json_object_get(c, "in"), *out = json_object_get(c, "out");
        json_t *expected = json_object_get(out, "keystone");
        const char *error = aws_code(str(out, "error"));
        case_req_t cr;
        json_t *params;
        heat_ec2_credentials_t creds;
        heat_ec2_decision_t d;

        build(in, &cr);
        params = heat_ec2_params(p, cr.params, cr.n_query);
        heat_ec2_credentials(p, params, cr.authorization, &creds);
        d = heat_ec2_decide(&creds, cr.has_auth_user);
        if (json_is_null(expected)) {
            /* heat stopped before calling Keystone */
            if (!error)
                ck_assert_msg(d == HEAT_EC2_SKIP, "%s: decision %d, expected skip", name, d);
            else if (strcmp(error, "IncompleteSignature") == 0)
                ck_assert_msg(d == HEAT_EC2_INCOMPLETE, "%s: decision %d", name, d);
            else
                ck_assert_msg(d == HEAT_EC2_MISSING_KEY && strcmp(error, "MissingAuthenticationToken") == 0,
                              "%s: decision %d, error %s", name, d, error);
            n_errors += error != NULL;
            continue;
        }
        ck_assert_msg(d == HEAT_EC2_CHECK, "%s: decision %d, expected a Keystone call", name, d);
        n_keystone++;
        {
            heat_ec2_request_t req;
            json_error_t jerr;
            json_t *got, *reply = json_object_get(in, "reply_body");
            heat_ec2_outcome_t o;
            const char *path = heat_ec2_path(p, heat_unquote(p, str(in, "path"), strlen(str(in, "path")), 0, NULL));

            memset(&req, 0, sizeof(req));
            req.access = creds.access;
            req.signature = creds.signature;
            req.host = cr.host;
            req.verb = str(in, "method");
            req.path = path;
            req.params = params;
            req.headers = cr.headers;
            req.body = cr.body;
            req.body_len = cr.body_len;
            /* webob's Content-Length is the body's length: the golden file has the value */
            {
                json_t *eh = json_object_get(json_object_get(expected, "ec2Credentials"), "headers");
                if (json_object_get(eh, "Content-Length"))
                    apr_table_set(cr.headers, "Content-Length", str(eh, "Content-Length"));
            }
            got = heat_json_own(p, json_loads(heat_ec2_request_body(p, &req), 0, &jerr));
            ck_assert_msg(got != NULL, "%s: not JSON: %s", name, jerr.text);
            ck_assert_msg(json_equal(got, expected), "%s: ec2tokens body\n got %s\nwant %s", name,
                          heat_json_dump(p, got, 0), heat_json_dump(p, expected, 0));
            ck_assert_str_eq(heat_ec2_tokens_url(p, "http://ks:5000/v3"), str(out, "url"));

            heat_ec2_outcome(p, str(in, "reply_subject"), reply, &o);
            if (error) {
                ck_assert_msg(o.error && strcmp(o.error, error) == 0, "%s: error %s, expected %s",
                              name, o.error ? o.error : "(none)", error);
                n_errors++;
            }
            else {
                json_t *set = json_object_get(out, "headers_set");
                ck_assert_msg(o.error == NULL, "%s: unexpected error %s", name, o.error);
                ck_assert_str_eq(o.project_name, str(set, "HTTP_X_TENANT_NAME"));
                ck_assert_str_eq(o.project_id, str(set, "HTTP_X_TENANT_ID"));
                ck_assert_str_eq(o.roles, str(set, "HTTP_X_ROLES"));
                ck_assert_str_eq(heat_ec2_creds_json(p, creds.access, creds.signature),
                                 str(set, "HTTP_X_AUTH_EC2_CREDS"));
                n_ok++;
            }
        }
    }
    /* the file covers every branch */
    ck_assert_int_ge(n_keystone, 10);
    ck_assert_int_ge(n_errors, 8);
    ck_assert_int_ge(n_ok, 6);
}
END_TEST

START_TEST(test_header_names)
{
    apr_pool_t *p = heat_test_pool;
    ck_assert_str_eq(heat_ec2_header_name(p, "x-amz-date"), "X-Amz-Date");
    ck_assert_str_eq(heat_ec2_header_name(p, "X-AMZ-CONTENT-SHA256"), "X-Amz-Content-Sha256");
    ck_assert_str_eq(heat_ec2_header_name(p, "authorization"), "Authorization");
    ck_assert_str_eq(heat_ec2_header_name(p, "content-type"), "Content-Type");
    ck_assert_str_eq(heat_ec2_header_name(p, "HOST"), "Host");
    ck_assert_str_eq(heat_ec2_header_name(p, "x_weird_name"), "X-Weird-Name");
    ck_assert_str_eq(heat_ec2_header_name(p, "x-foo1bar"), "X-Foo1Bar");
    ck_assert_str_eq(heat_ec2_header_name(p, "www-authenticate"), "Www-Authenticate");
    ck_assert_str_eq(heat_ec2_header_name(p, ""), "");
}
END_TEST

START_TEST(test_urls)
{
    apr_pool_t *p = heat_test_pool;
    ck_assert_str_eq(heat_ec2_tokens_url(p, "http://ks/v3"), "http://ks/v3/ec2tokens");
    ck_assert_str_eq(heat_ec2_tokens_url(p, "http://ks/v3/"), "http://ks/v3/ec2tokens");
    ck_assert_str_eq(heat_ec2_tokens_url(p, "http://ks/v3/ec2tokens"), "http://ks/v3/ec2tokens");
    ck_assert_str_eq(heat_ec2_tokens_url(p, "http://ks:5000"), "http://ks:5000/ec2tokens");
    ck_assert_str_eq(heat_py_replace(p, "http://ks/v2.0", "v2.0", "v3"), "http://ks/v3");
    ck_assert_str_eq(heat_py_replace(p, "http://v2.0/v2.0/", "v2.0", "v3"), "http://v3/v3/");
    ck_assert_str_eq(heat_py_replace(p, "http://ks/v3", "v2.0", "v3"), "http://ks/v3");
}
END_TEST

START_TEST(test_params_webob_order)
{
    apr_pool_t *p = heat_test_pool;
    apr_array_header_t *pr = heat_query_parse(p, "a=1&b=2&a=3");
    json_t *d;
    const char *k;
    json_t *v;
    const char *order = "";

    apr_array_cat(pr, heat_query_parse(p, "c=4&a=5&c=6&b="));
    d = heat_ec2_params(p, pr, 3);
    ck_assert_str_eq(json_string_value(json_object_get(d, "a")), "3");
    ck_assert_str_eq(json_string_value(json_object_get(d, "b")), "2");
    ck_assert_str_eq(json_string_value(json_object_get(d, "c")), "6");
    json_object_foreach(d, k, v) {
        (void)v;
        order = apr_pstrcat(p, order, k, NULL);
    }
    ck_assert_str_eq(order, "abc");
    /* form only, and nothing */
    d = heat_ec2_params(p, pr, 0);
    ck_assert_str_eq(json_string_value(json_object_get(d, "a")), "5");
    ck_assert_str_eq(json_string_value(json_object_get(d, "b")), "");
    ck_assert_int_eq(json_object_size(heat_ec2_params(p, NULL, 0)), 0);
}
END_TEST

START_TEST(test_body_hash_and_escaping)
{
    apr_pool_t *p = heat_test_pool;
    heat_ec2_request_t req;
    json_t *params = heat_json_own(p, json_pack("{s:s, s:s}", "Signature", "x", "K\xc3\xa9", "v"));
    json_t *doc;
    json_error_t err;
    const char *text;

    memset(&req, 0, sizeof(req));
    req.access = "AK";
    req.signature = "a/b+c=";
    req.host = NULL;
    req.verb = "GET";
    req.path = "/v1/";
    req.params = params;
    text = heat_ec2_request_body(p, &req);
    /* Python's json.dumps: ", " and ": ", non-ASCII escaped */
    ck_assert_ptr_nonnull(strstr(text, "\"signature\": \"a/b+c=\""));
    ck_assert_ptr_nonnull(strstr(text, "\"K\\u00e9\": \"v\""));
    doc = heat_json_own(p, json_loads(text, 0, &err));
    doc = json_object_get(doc, "ec2Credentials");
    ck_assert_str_eq(json_string_value(json_object_get(doc, "body_hash")),
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert(json_is_null(json_object_get(doc, "host")));
    ck_assert_ptr_null(json_object_get(json_object_get(doc, "params"), "Signature"));
    ck_assert_int_eq(json_object_size(json_object_get(doc, "headers")), 0);
    req.body = "abc";
    req.body_len = 3;
    doc = heat_json_own(p, json_loads(heat_ec2_request_body(p, &req), 0, &err));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "ec2Credentials"),
                                                       "body_hash")),
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_str_eq(heat_ec2_creds_json(p, "AK", "s/+="),
                     "{\"ec2Credentials\": {\"access\": \"AK\", \"signature\": \"s/+=\"}}");
}
END_TEST

START_TEST(test_outcome_edges)
{
    apr_pool_t *p = heat_test_pool;
    heat_ec2_outcome_t o;
    json_t *b;

    /* no roles key: success with X-Roles "" */
    b = heat_json_own(p, json_pack("{s:{s:{s:s, s:s}}}", "token", "project", "id", "p", "name", "n"));
    heat_ec2_outcome(p, "tok", b, &o);
    ck_assert_ptr_null(o.error);
    ck_assert_str_eq(o.roles, "");
    /* a role without a name: KeyError -> AccessDenied */
    b = heat_json_own(p, json_pack("{s:{s:{s:s, s:s}, s:[{s:s}]}}", "token", "project", "id", "p",
                                   "name", "n", "roles", "id", "r"));
    heat_ec2_outcome(p, "tok", b, &o);
    ck_assert_str_eq(o.error, "AccessDenied");
    /* a JSON answer that is no object, an error without message */
    heat_ec2_outcome(p, "tok", heat_json_own(p, json_pack("[]")), &o);
    ck_assert_str_eq(o.error, "AccessDenied");
    b = heat_json_own(p, json_pack("{s:{s:i}}", "error", "code", 404));
    heat_ec2_outcome(p, NULL, b, &o);
    ck_assert_str_eq(o.error, "AccessDenied");
    ck_assert_ptr_null(o.reason);
}
END_TEST

/* ---- heat_keystone_ec2tokens against a fake Keystone ------------------------------------- */

static fake_ks_t *fe;
static heat_http_t *ehttp;

#define EC2_TOKEN_BODY FAKE_KS_EC2_TOKEN_BODY

static void fake_setup(void)
{
    heat_test_pool_setup();
    ck_assert_int_eq(heat_http_global_init(heat_test_pool), APR_SUCCESS);
    ck_assert_int_eq(heat_http_create(&ehttp, heat_test_pool), APR_SUCCESS);
    fe = fake_ks_start();
}

static void fake_teardown(void)
{
    fake_ks_stop(fe);
    fe = NULL;
    heat_test_pool_teardown();
    ehttp = NULL;
}

static heat_keystone_t *ec2_client(int standalone)
{
    heat_keystone_settings_t s;
    heat_keystone_t *ks;
    const char *err;

    heat_keystone_settings_init(&s);
    if (!standalone) {
        s.auth_url = apr_pstrcat(heat_test_pool, fe->base, "/v3", NULL);
        s.username = "heat";
        s.password = "s3cret";
        s.project_name = "service";
        s.user_domain_name = "Default";
        s.project_domain_name = "Default";
        s.identity_uri = s.auth_url;
    }
    s.standalone = standalone;
    ck_assert_int_eq(heat_keystone_create(&ks, heat_test_pool, ehttp, &s, &err), APR_SUCCESS);
    return ks;
}

static const char *ec2_url(void)
{
    return apr_pstrcat(heat_test_pool, fe->base, "/v3/ec2tokens", NULL);
}

START_TEST(test_ec2tokens_with_service_token)
{
    heat_keystone_t *ks = ec2_client(0);
    heat_keystone_ec2_result_t r;
    heat_ec2_outcome_t o;

    ck_assert_int_eq(heat_keystone_ec2tokens(ks, heat_test_pool, ec2_url(),
                                             "{\"ec2Credentials\": {\"access\": \"AK\"}}", NULL, 1, &r),
                     HEAT_KS_VALID);
    ck_assert_int_eq(r.http_status, 200);
    ck_assert_str_eq(r.subject_token, "user-tok");
    ck_assert_int_eq(fe->n_post, 1);
    ck_assert_ptr_nonnull(strcasestr(fe->last_ec2, "\r\nX-Auth-Token: svc-1\r\n"));
    ck_assert_ptr_nonnull(strcasestr(fe->last_ec2, "\r\nContent-Type: application/json\r\n"));
    ck_assert_ptr_nonnull(strstr(fe->last_ec2, "\r\n\r\n{\"ec2Credentials\": {\"access\": \"AK\"}}"));
    heat_ec2_outcome(heat_test_pool, r.subject_token, r.body, &o);
    ck_assert_ptr_null(o.error);
    ck_assert_str_eq(o.project_id, "p1");
    /* an unknown key: a JSON error, mapped by heat_ec2_outcome */
    ck_assert_int_eq(heat_keystone_ec2tokens(ks, heat_test_pool, ec2_url(),
                                             "{\"ec2Credentials\": {\"access\": \"AKbad\"}}", NULL, 1, &r),
                     HEAT_KS_VALID);
    ck_assert_int_eq(r.http_status, 401);
    heat_ec2_outcome(heat_test_pool, r.subject_token, r.body, &o);
    ck_assert_str_eq(o.error, "InvalidClientTokenId");
    ck_assert_int_eq(fe->n_post, 1); /* the service token was reused, no retry */
    ck_assert_int_eq(fe->n_ec2, 2);
}
END_TEST

START_TEST(test_ec2tokens_service_token_refused_once)
{
    heat_keystone_t *ks = ec2_client(0);
    heat_keystone_ec2_result_t r;

    fe->refuse_first_ec2 = 1;
    ck_assert_int_eq(heat_keystone_ec2tokens(ks, heat_test_pool, ec2_url(), "{}", NULL, 1, &r),
                     HEAT_KS_VALID);
    ck_assert_int_eq(r.http_status, 200);
    ck_assert_int_eq(fe->n_ec2, 2);
    ck_assert_int_eq(fe->n_post, 2);
    ck_assert_ptr_nonnull(strcasestr(fe->last_ec2, "\r\nX-Auth-Token: svc-2\r\n"));
    /* a generic 401 again (a disabled user answers so too): no second renewal within a minute */
    fe->refuse_all_ec2 = 1;
    ck_assert_int_eq(heat_keystone_ec2tokens(ks, heat_test_pool, ec2_url(), "{}", NULL, 1, &r),
                     HEAT_KS_VALID);
    ck_assert_int_eq(r.http_status, 401);
    ck_assert_int_eq(fe->n_ec2, 3);
    ck_assert_int_eq(fe->n_post, 2);
}
END_TEST

START_TEST(test_ec2tokens_anonymous_and_failures)
{
    heat_keystone_t *ks = ec2_client(1);
    heat_keystone_ec2_result_t r;
    const char *closed;

    /* standalone: no service credentials, the call goes out as heat's does, without a token */
    ck_assert_int_eq(heat_keystone_ec2tokens(ks, heat_test_pool, ec2_url(), "{}", NULL, 0, &r),
                     HEAT_KS_VALID);
    ck_assert_ptr_null(strcasestr(fe->last_ec2, "X-Auth-Token"));
    ck_assert_int_eq(fe->n_post, 0);
    /* ... and asking for a service token without credentials fails cleanly */
    ck_assert_int_eq(heat_keystone_ec2tokens(ks, heat_test_pool, ec2_url(), "{}", NULL, 1, &r),
                     HEAT_KS_UNAVAILABLE);
    ck_assert_ptr_nonnull(r.error);
    /* a 4xx that is not JSON (a wrong path): a refusal without message */
    fe->ec2_html_404 = 1;
    ck_assert_int_eq(heat_keystone_ec2tokens(ks, heat_test_pool, ec2_url(), "{}", NULL, 0, &r),
                     HEAT_KS_VALID);
    ck_assert_int_eq(r.http_status, 404);
    {
        heat_ec2_outcome_t o;
        heat_ec2_outcome(heat_test_pool, r.subject_token, r.body, &o);
        ck_assert_str_eq(o.error, "AccessDenied");
    }
    fe->ec2_html_404 = 0;
    /* any other answer that is not JSON */
    fe->ec2_not_json = 1;
    ck_assert_int_eq(heat_keystone_ec2tokens(ks, heat_test_pool, ec2_url(), "{}", NULL, 0, &r),
                     HEAT_KS_UNAVAILABLE);
    ck_assert_int_eq(r.http_status, 502);
    /* nobody listening */
    closed = apr_psprintf(heat_test_pool, "http://127.0.0.1:%d/v3/ec2tokens", heat_test_closed_port());
    ck_assert_int_eq(heat_keystone_ec2tokens(ks, heat_test_pool, closed, "{}", NULL, 0, &r),
                     HEAT_KS_UNAVAILABLE);
    ck_assert_int_eq(r.http_status, 0);
}
END_TEST

/* ---- priming the token cache ------------------------------------------------------------- */

typedef struct {
    int n_store;
    unsigned char key[32];
    char body[4096];
    apr_time_t expiry;
} cache_rec_t;

static cache_rec_t cr;

static int c_lookup(void *baton, apr_pool_t *p, const unsigned char key[32], int negative_ok,
                    const char **body, apr_size_t *len)
{
    (void)baton;
    (void)negative_ok;
    if (cr.n_store && memcmp(key, cr.key, 32) == 0) {
        *body = apr_pstrdup(p, cr.body);
        *len = strlen(cr.body);
        return 1;
    }
    return 0;
}

static void c_store(void *baton, apr_pool_t *p, const unsigned char key[32], const char *body,
                    apr_size_t len, apr_time_t expiry)
{
    (void)baton;
    (void)p;
    cr.n_store++;
    memcpy(cr.key, key, 32);
    apr_cpystrn(cr.body, body ? body : "", len + 1 < sizeof(cr.body) ? len + 1 : sizeof(cr.body));
    cr.expiry = expiry;
}

START_TEST(test_cache_issued_then_authtoken_hits)
{
    heat_keystone_t *ks = ec2_client(0);
    heat_keystone_cache_t cache = {c_lookup, c_store, NULL};
    heat_keystone_request_t req;
    heat_auth_result_t res;
    json_error_t err;
    json_t *body = heat_json_own(heat_test_pool, json_loads(EC2_TOKEN_BODY, 0, &err));
    apr_time_t now = apr_time_now();

    memset(&cr, 0, sizeof(cr));
    heat_keystone_cache_issued(ks, heat_test_pool, &cache, "user-tok", body);
    ck_assert_int_eq(cr.n_store, 1);
    /* token_cache_time (300 s) before expires_at (2099) */
    ck_assert(cr.expiry > now + apr_time_from_sec(290) && cr.expiry <= now + apr_time_from_sec(301));
    /* authtoken then finds it: no validation call (the fake would answer 404) */
    memset(&req, 0, sizeof(req));
    req.user_token = "user-tok";
    req.method = "GET";
    req.path = "/v1/";
    heat_keystone_authenticate(ks, heat_test_pool, &cache, &req, &res);
    ck_assert_int_eq(res.status, HEAT_AUTH_OK);
    ck_assert_int_eq(res.from_cache, 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res.token_info, "token"),
                                                       "auth_token")), "user-tok");
    ck_assert_int_eq(fe->n_post, 0);
    /* no cache, or caching off: nothing stored */
    heat_keystone_cache_issued(ks, heat_test_pool, NULL, "user-tok", body);
    ck_assert_int_eq(cr.n_store, 1);
}
END_TEST

START_TEST(test_cache_issued_nocatalog)
{
    heat_keystone_settings_t s;
    heat_keystone_t *ks;
    const char *e;
    heat_keystone_cache_t cache = {c_lookup, c_store, NULL};
    json_error_t err;
    json_t *body = heat_json_own(heat_test_pool, json_loads(EC2_TOKEN_BODY, 0, &err));

    heat_keystone_settings_init(&s);
    s.standalone = 1;
    s.include_service_catalog = 0;
    ck_assert_int_eq(heat_keystone_create(&ks, heat_test_pool, ehttp, &s, &e), APR_SUCCESS);
    memset(&cr, 0, sizeof(cr));
    heat_keystone_cache_issued(ks, heat_test_pool, &cache, "user-tok", body);
    ck_assert_int_eq(cr.n_store, 1);
    ck_assert_ptr_null(strstr(cr.body, "catalog"));
    /* the caller's body is untouched */
    ck_assert_ptr_nonnull(json_object_get(json_object_get(body, "token"), "catalog"));
}
END_TEST

/* ---- multi_cloud: other Keystones get no service token and prime no cache ---------------- */

START_TEST(test_same_keystone)
{
    apr_pool_t *p = heat_test_pool;

    ck_assert_int_eq(heat_ec2_same_keystone(p, "http://KS.example:5000/v3",
                                            "http://ks.example:5000"), 1);
    ck_assert_int_eq(heat_ec2_same_keystone(p, "https://ks.example/v3", "https://ks.example:443/"), 1);
    ck_assert_int_eq(heat_ec2_same_keystone(p, "http://ks.example:5001/v3", "http://ks.example:5000"), 0);
    ck_assert_int_eq(heat_ec2_same_keystone(p, "https://ks.example:5000/v3", "http://ks.example:5000"), 0);
    ck_assert_int_eq(heat_ec2_same_keystone(p, "http://ks.example.evil:5000/v3", "http://ks.example:5000"), 0);
    ck_assert_int_eq(heat_ec2_same_keystone(p, "http://user@evil:5000@ks.example:5000/", "http://ks.example:5000"), 1);
    ck_assert_int_eq(heat_ec2_same_keystone(p, "not a url", "http://ks.example:5000"), 0);
    ck_assert_int_eq(heat_ec2_same_keystone(p, "http://ks.example:5000", NULL), 0);
}
END_TEST

/* A second fake Keystone, "foreign": issues its own token, e.g. an admin of the local cloud's
 * project. */
#define FOREIGN_TOKEN_BODY                                                                   \
    "{\"token\": {\"methods\": [\"ec2credential\"], \"user\": {\"id\": \"u-admin\", "            \
    "\"name\": \"admin\"}, \"project\": {\"id\": \"p1\", \"name\": \"demo\"}, "                  \
    "\"roles\": [{\"name\": \"admin\"}], \"expires_at\": \"2099-01-01T00:00:00Z\"}}"

START_TEST(test_multi_cloud_foreign_keystone)
{
    heat_keystone_t *ks = ec2_client(0);
    heat_keystone_cache_t cache = {c_lookup, c_store, NULL};
    fake_ks_t *ff;
    heat_ec2_attempt_t at;
    heat_keystone_request_t req;
    heat_auth_result_t res;
    const char *foreign;

    memset(&cr, 0, sizeof(cr));
    ff = fake_ks_start();
    ff->ec2_subject = "foreign-tok";
    ff->ec2_body = FOREIGN_TOKEN_BODY;
    foreign = apr_pstrcat(heat_test_pool, ff->base, "/v3", NULL);

    /* multi_cloud, a URI on another Keystone: no X-Auth-Token, not trusted */
    heat_ec2_attempt(ks, heat_test_pool, 1, foreign, "{\"ec2Credentials\": {}}", NULL, &at);
    ck_assert_int_eq(at.status, HEAT_KS_VALID);
    ck_assert_ptr_null(at.outcome.error);
    ck_assert_int_eq(at.trusted, 0);
    ck_assert_int_eq(ff->n_ec2, 1);
    ck_assert_ptr_null(strcasestr(ff->last_ec2, "X-Auth-Token"));
    ck_assert_int_eq(fe->n_post, 0); /* no service token was even fetched */
    /* ... and its token body does not reach the cache: authtoken asks the configured Keystone,
     * which does not know the token */
    heat_ec2_prime(ks, heat_test_pool, &cache, at.trusted, at.kr.subject_token, at.kr.body);
    ck_assert_int_eq(cr.n_store, 0);
    memset(&req, 0, sizeof(req));
    req.user_token = "foreign-tok";
    req.method = "GET";
    req.path = "/v1/";
    heat_keystone_authenticate(ks, heat_test_pool, &cache, &req, &res);
    ck_assert_int_ne(res.status, HEAT_AUTH_OK);
    ck_assert_int_eq(res.from_cache, 0);
    memset(&cr, 0, sizeof(cr)); /* drop the remembered 404 */

    /* multi_cloud, the configured Keystone among the allowed URIs: trusted as before */
    heat_ec2_attempt(ks, heat_test_pool, 1, apr_pstrcat(heat_test_pool, fe->base, "/v3/", NULL),
                     "{}", NULL, &at);
    ck_assert_int_eq(at.trusted, 1);
    ck_assert_ptr_nonnull(strcasestr(fe->last_ec2, "\r\nX-Auth-Token: svc-1\r\n"));
    heat_ec2_prime(ks, heat_test_pool, &cache, at.trusted, at.kr.subject_token, at.kr.body);
    ck_assert_int_eq(cr.n_store, 1);

    /* without multi_cloud, the operator's one ec2 URI is trusted whatever its host */
    heat_ec2_attempt(ks, heat_test_pool, 0, foreign, "{}", NULL, &at);
    ck_assert_int_eq(at.trusted, 1);
    ck_assert_ptr_nonnull(strcasestr(ff->last_ec2, "\r\nX-Auth-Token: svc-1\r\n"));

    fake_ks_stop(ff);
}
END_TEST

Suite *heat_test_ec2_suite(void)
{
    Suite *s = suite_create("ec2");
    TCase *pure = tcase_create("pure");
    TCase *client = tcase_create("client");

    tcase_add_checked_fixture(pure, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(pure, test_cases_like_python);
    tcase_add_test(pure, test_header_names);
    tcase_add_test(pure, test_urls);
    tcase_add_test(pure, test_params_webob_order);
    tcase_add_test(pure, test_body_hash_and_escaping);
    tcase_add_test(pure, test_outcome_edges);
    tcase_add_test(pure, test_same_keystone);
    suite_add_tcase(s, pure);
    tcase_add_checked_fixture(client, fake_setup, fake_teardown);
    tcase_set_timeout(client, 60);
    tcase_add_test(client, test_ec2tokens_with_service_token);
    tcase_add_test(client, test_ec2tokens_service_token_refused_once);
    tcase_add_test(client, test_ec2tokens_anonymous_and_failures);
    tcase_add_test(client, test_cache_issued_then_authtoken_hits);
    tcase_add_test(client, test_cache_issued_nocatalog);
    tcase_add_test(client, test_multi_cloud_foreign_keystone);
    suite_add_tcase(s, client);
    return s;
}
