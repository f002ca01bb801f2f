/* fake_keystone.h: the one fake Keystone of the unit tests, on a loopback port (the server
 * thread of test_http.c), used by test_keystone.c, test_ec2.c and test_auth.c.
 *
 * It answers, and counts:
 *   GET  /, /v3, /identity, /two, /public     version discovery (the catalog's identity URLs)
 *   GET  /nov3 (no v3), /odd (v3.14 at /odd/v3.14/), /text (not JSON), /broken* (404)
 *   POST /v3/auth/tokens                      the service's password (must be "s3cret"):
 *                                             svc-1, svc-2, ... with an identity catalog;
 *                                             a user's, scoped to a project id: alice /
 *                                             wonderland (project ids pick other answers)
 *   GET  /v3/auth/tokens                      validation (X-Auth-Token must be the current
 *                                             service token): good, soon, plain, svcrole,
 *                                             expired (allow_expired), boom, garbage, else 404
 *   POST /v3/ec2tokens                        AKbad: 401 "EC2 access key not found."; else
 *                                             ec2_subject with ec2_body
 * Flags change the answers; the counters and last_* copies are read under no lock once the
 * call that caused them has returned. */
#ifndef FAKE_KEYSTONE_H
#define FAKE_KEYSTONE_H

#include <apr_pools.h>
#include <pthread.h>

/* the loopback server of test_http.c */
typedef const char *heat_test_httpd_fn(void *baton, apr_pool_t *p, const char *request,
                                       apr_size_t len);
typedef struct heat_test_httpd heat_test_httpd_t;
heat_test_httpd_t *heat_test_httpd_start(heat_test_httpd_fn *fn, void *baton);
const char *heat_test_httpd_url(const heat_test_httpd_t *srv);
void heat_test_httpd_stop(heat_test_httpd_t *srv);
int heat_test_closed_port(void);

/* A token body as an ec2tokens answer carries it (user u1/demo, project p1/demo, member). */
#define FAKE_KS_EC2_TOKEN_BODY                                                                \
    "{\"token\": {\"methods\": [\"ec2credential\"], \"user\": {\"id\": \"u1\", \"name\": \"demo\"}, " \
    "\"project\": {\"id\": \"p1\", \"name\": \"demo\"}, \"roles\": [{\"name\": \"member\"}], "  \
    "\"catalog\": [], \"expires_at\": \"2099-01-01T00:00:00.000000Z\"}}"

typedef struct {
    pthread_mutex_t lock;
    heat_test_httpd_t *srv;
    char base[64];             /* http://127.0.0.1:<port> */
    const char *token_project; /* the user token body of validations and password auth
                                  (default FAKE_KS_EC2_TOKEN_BODY) */
    int n_root, n_v3, n_post, n_disc, n_validate;
    int issued;               /* service tokens issued: svc-1, svc-2, ... */
    char current[32];         /* the service token Keystone accepts */
    int svc_lifetime;         /* seconds (3600) */
    int refuse_validations;   /* answer 401 to this many validations */
    int refuse_auth;          /* POST /v3/auth/tokens answers 401 */
    int root_status;          /* discovery at / (0: 300) */
    int no_identity;          /* catalog without identity */
    int validate_delay_ms;
    int auth_delay_ms;        /* service authentications stall this long */
    char last_post[4096];
    char last_validate[4096];
    int n_user_post;          /* password authentications of users (project-id scoped) */
    int n_other_disc;         /* discovery at /nov3, /odd, /broken... */
    char last_user_post[4096];
    /* ec2tokens */
    int n_ec2;
    int refuse_first_ec2;     /* answer the first ec2tokens call 401 "requires authentication" */
    int refuse_all_ec2;       /* ... and every one */
    int ec2_not_json;         /* 502 with an HTML body */
    int ec2_html_404;         /* 404 with an HTML body */
    const char *ec2_subject;  /* X-Subject-Token of a success ("user-tok") */
    const char *ec2_body;     /* body of a success (FAKE_KS_EC2_TOKEN_BODY) */
    char last_ec2[8192];
} fake_ks_t;

/* Starts one (several may run at once); stop frees it. */
fake_ks_t *fake_ks_start(void);
void fake_ks_stop(fake_ks_t *fk);

/* token_project with expires_at and/or a single role replaced (NULL: as is), in p. */
const char *fake_ks_token_body(fake_ks_t *fk, apr_pool_t *p, const char *expires_at,
                               const char *roles);

/* The value of a header in a raw request, NULL if absent (in p). */
const char *fake_ks_header(apr_pool_t *p, const char *req, const char *name);

#endif
