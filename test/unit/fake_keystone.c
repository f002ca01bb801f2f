/* fake_keystone.c: the one fake Keystone of the unit tests (see fake_keystone.h). */
#include "fake_keystone.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fake_ks_header(apr_pool_t *p, const char *req, const char *name)
{
    const char *h = strcasestr(req, apr_pstrcat(p, "\r\n", name, ": ", NULL));
    const char *end;
    if (!h)
        return NULL;
    h += strlen(name) + 4;
    end = strstr(h, "\r\n");
    return apr_pstrmemdup(p, h, end ? (apr_size_t)(end - h) : strlen(h));
}

static const char *iso(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t e;
    apr_time_exp_gmt(&e, t);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d.000000Z", e.tm_year + 1900, e.tm_mon + 1,
                        e.tm_mday, e.tm_hour, e.tm_min, e.tm_sec);
}

static const char *reply(apr_pool_t *p, const char *status, const char *headers, const char *body)
{
    return apr_psprintf(p, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %lu\r\n"
                        "Connection: close\r\n%s\r\n%s", status, (unsigned long)strlen(body),
                        headers ? headers : "", body);
}

const char *fake_ks_token_body(fake_ks_t *fk, apr_pool_t *p, const char *expires_at, const char *roles)
{
    json_error_t err;
    json_t *j = json_loads(fk->token_project, 0, &err);
    json_t *t = json_object_get(j, "token");
    char *s;
    const char *out;

    if (expires_at)
        json_object_set_new(t, "expires_at", json_string(expires_at));
    if (roles)
        json_object_set_new(t, "roles", json_pack("[{s:s}]", "name", roles));
    s = json_dumps(j, 0);
    out = apr_pstrdup(p, s);
    free(s);
    json_decref(j);
    return out;
}

/* A user's password authentication (scoped to a project id): alice / wonderland is the only
 * valid user; project ids pick other answers. */
static const char *user_auth_reply(fake_ks_t *fk, apr_pool_t *p, const char *req)
{
    const char *body = strstr(req, "\r\n\r\n");
    json_error_t err;
    json_t *j = body ? json_loads(body + 4, 0, &err) : NULL;
    json_t *user;
    const char *project, *name, *password, *resp;
    int has_domain;

    fk->n_user_post++;
    apr_cpystrn(fk->last_user_post, req, sizeof(fk->last_user_post));
    user = json_object_get(json_object_get(json_object_get(json_object_get(j, "auth"),
                                                           "identity"), "password"), "user");
    project = json_string_value(json_object_get(json_object_get(json_object_get(
                  json_object_get(j, "auth"), "scope"), "project"), "id"));
    name = json_string_value(json_object_get(user, "name"));
    password = json_string_value(json_object_get(user, "password"));
    has_domain = json_object_get(user, "domain") != NULL;
    if (!project)
        resp = reply(p, "400 Bad Request", NULL, "{}");
    else if (strcmp(project, "forbidden") == 0)
        resp = reply(p, "403 Forbidden", NULL, "{\"error\": {\"code\": 403}}");
    else if (strcmp(project, "gone") == 0)
        resp = reply(p, "404 Not Found", NULL, "{\"error\": {\"code\": 404}}");
    else if (strcmp(project, "receipt") == 0)
        resp = reply(p, "401 Unauthorized", "Openstack-Auth-Receipt: r1\r\n", "{}");
    else if (strcmp(project, "boom") == 0)
        resp = reply(p, "500 Internal Server Error", NULL, "{}");
    else if (strcmp(project, "teapot") == 0)
        resp = reply(p, "418 I'm a teapot", NULL, "{}");
    else if (strcmp(project, "garbage") == 0)
        resp = reply(p, "201 Created", "X-Subject-Token: user-x\r\n", "{\"nothing\": 1}");
    else if (strcmp(project, "notoken") == 0)
        resp = reply(p, "201 Created", NULL, fk->token_project);
    else if (name && !has_domain)
        resp = reply(p, "400 Bad Request", NULL, "{\"error\": {\"code\": 400, \"message\": "
                     "\"Expecting to find domain in user.\"}}");
    else if (!name || strcmp(name, "alice") != 0 || !password ||
             strcmp(password, "wonderland") != 0)
        resp = reply(p, "401 Unauthorized", NULL, "{\"error\": {\"code\": 401}}");
    else
        resp = reply(p, "201 Created",
                     apr_psprintf(p, "X-Subject-Token: user-%d\r\n", fk->n_user_post),
                     fk->token_project);
    json_decref(j);
    return resp;
}

static const char *fake_keystone(void *baton, apr_pool_t *p, const char *req, apr_size_t len)
{
    char method[16] = "", path[512] = "";
    const char *resp;
    apr_size_t plen;
    fake_ks_t *fk = baton;
    (void)len;

    sscanf(req, "%15s %511s", method, path);
    plen = strlen(path);
    pthread_mutex_lock(&fk->lock);
    if (strcmp(method, "POST") == 0 && plen >= 12 && strcmp(path + plen - 12, "/auth/tokens") == 0 &&
        strstr(req, "\"project\":{\"id\":")) {
        resp = user_auth_reply(fk, p, req);
    }
    else if (strcmp(method, "GET") == 0 && strcmp(path, "/nov3") == 0) {
        fk->n_other_disc++;
        resp = reply(p, "300 Multiple Choices", NULL, apr_psprintf(p,
            "{\"versions\": {\"values\": [{\"id\": \"v2.0\", \"status\": \"deprecated\", "
            "\"links\": [{\"rel\": \"self\", \"href\": \"%s/v2.0/\"}]}]}}", fk->base));
    }
    else if (strcmp(method, "GET") == 0 && strcmp(path, "/odd") == 0) {
        fk->n_other_disc++;
        resp = reply(p, "200 OK", NULL, apr_psprintf(p, "{\"version\": {\"id\": \"v3.14\", "
                     "\"links\": [{\"rel\": \"Self\", \"href\": \"%s/odd/v3.14/\"}]}}", fk->base));
    }
    else if (strcmp(method, "GET") == 0 && strcmp(path, "/text") == 0) {
        fk->n_other_disc++;
        resp = reply(p, "200 OK", NULL, "not json");
    }
    else if (strcmp(method, "GET") == 0 && strncmp(path, "/broken", 7) == 0) {
        fk->n_other_disc++;
        resp = reply(p, "404 Not Found", NULL, "{}");
    }
    else if (strcmp(method, "GET") == 0 && strcmp(path, "/") == 0) {
        fk->n_root++;
        if (fk->root_status)
            resp = reply(p, apr_psprintf(p, "%d Error", fk->root_status), NULL, "{}");
        else
            resp = reply(p, "300 Multiple Choices", NULL, apr_psprintf(p,
                "{\"versions\": {\"values\": [{\"id\": \"v3.14\", \"status\": \"stable\", "
                "\"links\": [{\"rel\": \"self\", \"href\": \"%s/v3/\"}]}]}}", fk->base));
    }
    else if (strcmp(method, "GET") == 0 && strcmp(path, "/v3") == 0) {
        fk->n_v3++;
        resp = reply(p, "200 OK", NULL, apr_psprintf(p, "{\"version\": {\"id\": \"v3.14\", "
                     "\"links\": [{\"rel\": \"self\", \"href\": \"%s/v3/\"}]}}", fk->base));
    }
    else if (strcmp(method, "POST") == 0 && strcmp(path, "/v3/auth/tokens") == 0) {
        const char *body = strstr(req, "\r\n\r\n");
        fk->n_post++;
        apr_cpystrn(fk->last_post, req, sizeof(fk->last_post));
        if (fk->auth_delay_ms) {
            pthread_mutex_unlock(&fk->lock);
            apr_sleep(apr_time_from_msec(fk->auth_delay_ms));
            pthread_mutex_lock(&fk->lock);
        }
        if (fk->refuse_auth || !body || !strstr(body, "\"s3cret\"")) {
            resp = reply(p, "401 Unauthorized", NULL, "{\"error\": {\"code\": 401}}");
        }
        else {
            const char *catalog = fk->no_identity ? "[]" : apr_psprintf(p,
                "[{\"type\": \"identity\", \"id\": \"i\", \"endpoints\": ["
                "{\"interface\": \"public\", \"region_id\": \"RegionOne\", \"url\": \"%s/public\"},"
                "{\"interface\": \"internal\", \"region_id\": \"RegionTwo\", \"url\": \"%s/two\"},"
                "{\"interface\": \"internal\", \"region\": \"RegionOne\", \"url\": \"%s/identity\"}"
                "]}]", fk->base, fk->base, fk->base);
            fk->issued++;
            snprintf(fk->current, sizeof(fk->current), "svc-%d", fk->issued);
            resp = reply(p, "201 Created",
                         apr_psprintf(p, "X-Subject-Token: %s\r\n", fk->current),
                         apr_psprintf(p, "{\"token\": {\"expires_at\": \"%s\", \"catalog\": %s}}",
                                      iso(p, apr_time_now() + apr_time_from_sec(fk->svc_lifetime)),
                                      catalog));
        }
    }
    else if (strcmp(method, "GET") == 0 &&
             (strcmp(path, "/identity") == 0 || strcmp(path, "/two") == 0 ||
              strcmp(path, "/public") == 0)) {
        fk->n_disc++;
        resp = reply(p, "200 OK", NULL, apr_psprintf(p, "{\"version\": {\"id\": \"v3.14\", "
                     "\"links\": [{\"rel\": \"self\", \"href\": \"%s%s/v3/\"}]}}", fk->base, path));
    }
    else if (strcmp(method, "GET") == 0 && strstr(path, "/v3/auth/tokens")) {
        const char *svc = fake_ks_header(p, req, "X-Auth-Token");
        const char *subject = fake_ks_header(p, req, "X-Subject-Token");
        int allow_expired = strstr(path, "allow_expired=1") != NULL;
        fk->n_validate++;
        apr_cpystrn(fk->last_validate, req, sizeof(fk->last_validate));
        if (fk->validate_delay_ms) {
            pthread_mutex_unlock(&fk->lock);
            apr_sleep(apr_time_from_msec(fk->validate_delay_ms));
            pthread_mutex_lock(&fk->lock);
        }
        if (fk->refuse_validations > 0 || !svc || strcmp(svc, fk->current) != 0) {
            if (fk->refuse_validations > 0)
                fk->refuse_validations--;
            resp = reply(p, "401 Unauthorized", NULL, "{\"error\": {\"code\": 401}}");
        }
        else if (!subject) {
            resp = reply(p, "400 Bad Request", NULL, "{}");
        }
        else if (strcmp(subject, "good") == 0) {
            resp = reply(p, "200 OK", NULL, fk->token_project);
        }
        else if (strcmp(subject, "soon") == 0) {
            resp = reply(p, "200 OK", NULL, fake_ks_token_body(fk, p, iso(p, apr_time_now() +
                                                                   apr_time_from_sec(60)), NULL));
        }
        else if (strcmp(subject, "svcrole") == 0 || strcmp(subject, "plain") == 0) {
            resp = reply(p, "200 OK", NULL, fake_ks_token_body(fk, p, NULL, subject[0] == 's' ? "service"
                                                                                       : "member"));
        }
        else if (strcmp(subject, "expired") == 0 && allow_expired) {
            resp = reply(p, "200 OK", NULL, fake_ks_token_body(fk, p, "2000-01-01T00:00:00.000000Z", NULL));
        }
        else if (strcmp(subject, "boom") == 0) {
            resp = reply(p, "503 Service Unavailable", NULL, "{}");
        }
        else if (strcmp(subject, "garbage") == 0) {
            resp = reply(p, "200 OK", NULL, "{\"nothing\": 1}");
        }
        else {
            resp = reply(p, "404 Not Found", NULL, "{\"error\": {\"code\": 404, \"message\": "
                         "\"Could not find token\"}}");
        }
    }
    else if (strcmp(method, "POST") == 0 && strcmp(path, "/v3/ec2tokens") == 0) {
        fk->n_ec2++;
        apr_cpystrn(fk->last_ec2, req, sizeof(fk->last_ec2));
        if ((fk->refuse_first_ec2 && fk->n_ec2 == 1) || fk->refuse_all_ec2)
            resp = reply(p, "401 Unauthorized", NULL, "{\"error\": {\"code\": 401, \"title\": "
                         "\"Unauthorized\", \"message\": \"The request you have made requires "
                         "authentication.\"}}");
        else if (fk->ec2_html_404)
            resp = "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n"
                   "Connection: close\r\n\r\nnot found";
        else if (fk->ec2_not_json)
            resp = "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 5\r\n"
                   "Connection: close\r\n\r\noops!";
        else if (strstr(req, "\"access\": \"AKbad\""))
            resp = reply(p, "401 Unauthorized", NULL, "{\"error\": {\"code\": 401, \"title\": "
                         "\"Unauthorized\", \"message\": \"EC2 access key not found.\"}}");
        else
            resp = reply(p, "200 OK", apr_psprintf(p, "X-Subject-Token: %s\r\n", fk->ec2_subject),
                         fk->ec2_body);
    }
    else {
        resp = reply(p, "404 Not Found", NULL, "{}");
    }
    pthread_mutex_unlock(&fk->lock);
    return resp;
}


fake_ks_t *fake_ks_start(void)
{
    fake_ks_t *fk = calloc(1, sizeof(*fk));

    pthread_mutex_init(&fk->lock, NULL);
    fk->svc_lifetime = 3600;
    fk->token_project = FAKE_KS_EC2_TOKEN_BODY;
    fk->ec2_subject = "user-tok";
    fk->ec2_body = FAKE_KS_EC2_TOKEN_BODY;
    fk->srv = heat_test_httpd_start(fake_keystone, fk);
    apr_cpystrn(fk->base, heat_test_httpd_url(fk->srv), sizeof(fk->base));
    return fk;
}

void fake_ks_stop(fake_ks_t *fk)
{
    if (!fk)
        return;
    heat_test_httpd_stop(fk->srv);
    pthread_mutex_destroy(&fk->lock);
    free(fk);
}
