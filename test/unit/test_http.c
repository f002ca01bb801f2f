/* test_http.c: heat_http (the libcurl wrapper) and heat_urlfetch (template_url), against a
 * tiny loopback HTTP server running in a thread of the test (like mod_auth_openidc's
 * test/http_server.c). The server is also used by test_keystone.c as a fake Keystone. */
#include "heat_test.h"

#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "heat_http.h"
#include "heat_urlfetch.h"

/* ---- the loopback server (shared with test_keystone.c, which declares the same three
 * functions) ------------------------------------------------------------------------------ */

/* Returns the whole raw response to send, or NULL to close the connection without one. The
 * handler runs in the server thread; it may sleep to provoke timeouts. */
typedef const char *heat_test_httpd_fn(void *baton, apr_pool_t *p, const char *request,
                                       apr_size_t len);
typedef struct heat_test_httpd heat_test_httpd_t;
heat_test_httpd_t *heat_test_httpd_start(heat_test_httpd_fn *fn, void *baton);
const char *heat_test_httpd_url(const heat_test_httpd_t *srv);
void heat_test_httpd_stop(heat_test_httpd_t *srv);
/* A loopback port nothing listens on. */
int heat_test_closed_port(void);

struct heat_test_httpd {
    int fd;
    int port;
    volatile int stop;
    pthread_t thread;
    apr_pool_t *pool; /* unmanaged: used only by the server thread after start */
    heat_test_httpd_fn *fn;
    void *baton;
    char url[64];
};

static int send_all(int fd, const char *data, apr_size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n <= 0)
            return -1;
        data += n;
        len -= (apr_size_t)n;
    }
    return 0;
}

static void serve_one(heat_test_httpd_t *srv, int fd)
{
    apr_pool_t *p;
    apr_size_t cap = 65536, len = 0, need = 0;
    char *buf;
    const char *resp;

    apr_pool_create(&p, srv->pool);
    buf = apr_palloc(p, cap + 1);
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t n;
        char *hend;
        if (len >= cap) {
            char *nb = apr_palloc(p, cap * 2 + 1);
            memcpy(nb, buf, len);
            buf = nb;
            cap *= 2;
        }
        if (poll(&pfd, 1, 5000) <= 0)
            break;
        n = recv(fd, buf + len, cap - len, 0);
        if (n <= 0)
            break;
        len += (apr_size_t)n;
        buf[len] = '\0';
        hend = strstr(buf, "\r\n\r\n");
        if (hend && !need) {
            const char *cl = strcasestr(buf, "\r\nContent-Length:");
            need = (apr_size_t)(hend + 4 - buf);
            if (cl && cl < hend)
                need += (apr_size_t)strtoul(cl + 17, NULL, 10);
        }
        if (need && len >= need)
            break;
    }
    buf[len] = '\0';
    resp = srv->fn(srv->baton, p, buf, len);
    if (resp)
        send_all(fd, resp, strlen(resp));
    shutdown(fd, SHUT_WR);
    close(fd);
    apr_pool_destroy(p);
}

static void *server_main(void *data)
{
    heat_test_httpd_t *srv = data;

    while (!srv->stop) {
        struct pollfd pfd = {srv->fd, POLLIN, 0};
        int c;
        if (poll(&pfd, 1, 20) <= 0)
            continue;
        c = accept(srv->fd, NULL, NULL);
        if (c >= 0)
            serve_one(srv, c);
    }
    return NULL;
}

heat_test_httpd_t *heat_test_httpd_start(heat_test_httpd_fn *fn, void *baton)
{
    heat_test_httpd_t *srv = calloc(1, sizeof(*srv));
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    int one = 1;

    ck_assert_ptr_nonnull(srv);
    srv->fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(srv->fd, 0);
    setsockopt(srv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(srv->fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    ck_assert_int_eq(listen(srv->fd, 64), 0);
    ck_assert_int_eq(getsockname(srv->fd, (struct sockaddr *)&addr, &alen), 0);
    srv->port = ntohs(addr.sin_port);
    snprintf(srv->url, sizeof(srv->url), "http://127.0.0.1:%d", srv->port);
    srv->fn = fn;
    srv->baton = baton;
    ck_assert_int_eq(apr_pool_create_unmanaged_ex(&srv->pool, NULL, NULL), APR_SUCCESS);
    ck_assert_int_eq(pthread_create(&srv->thread, NULL, server_main, srv), 0);
    return srv;
}

const char *heat_test_httpd_url(const heat_test_httpd_t *srv)
{
    return srv->url;
}

void heat_test_httpd_stop(heat_test_httpd_t *srv)
{
    srv->stop = 1;
    pthread_join(srv->thread, NULL);
    close(srv->fd);
    apr_pool_destroy(srv->pool);
    free(srv);
}

int heat_test_closed_port(void)
{
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &alen), 0);
    port = ntohs(addr.sin_port);
    close(fd); /* bound, never listened: connections are refused */
    return port;
}

/* ---- a scripted handler for these tests ------------------------------------------------- */

typedef struct {
    pthread_mutex_t lock;
    int count;
    char last[8192]; /* the last raw request */
} recorder_t;

static recorder_t rec;

static void record(const char *request, apr_size_t len)
{
    pthread_mutex_lock(&rec.lock);
    rec.count++;
    if (len >= sizeof(rec.last))
        len = sizeof(rec.last) - 1;
    memcpy(rec.last, request, len);
    rec.last[len] = '\0';
    pthread_mutex_unlock(&rec.lock);
}

static const char *response(apr_pool_t *p, const char *status, const char *headers,
                            const char *body)
{
    return apr_psprintf(p, "HTTP/1.1 %s\r\nContent-Length: %lu\r\nConnection: close\r\n%s\r\n%s",
                        status, (unsigned long)strlen(body), headers ? headers : "", body);
}

static const char *big_body(apr_pool_t *p, apr_size_t n)
{
    char *b = apr_palloc(p, n + 1);
    apr_size_t i;
    for (i = 0; i < n; i++)
        b[i] = (char)('a' + i % 26);
    b[n] = '\0';
    return b;
}

static const char *script(void *baton, apr_pool_t *p, const char *req, apr_size_t len)
{
    char path[512] = "";
    (void)baton;
    record(req, len);
    sscanf(req, "%*s %511s", path);
    if (strcmp(path, "/hello") == 0)
        return response(p, "200 OK", "X-Reply: yes\r\nContent-Type: text/plain\r\n", "hello world");
    if (strcmp(path, "/echo") == 0) {
        const char *body = strstr(req, "\r\n\r\n");
        return response(p, "201 Created", NULL, body ? body + 4 : "");
    }
    if (strcmp(path, "/big10000") == 0)
        return response(p, "200 OK", NULL, big_body(p, 10000));
    if (strcmp(path, "/slow") == 0) {
        apr_sleep(apr_time_from_msec(1000));
        return response(p, "200 OK", NULL, "late");
    }
    if (strcmp(path, "/error") == 0)
        return response(p, "500 Internal Server Error", NULL, "oops");
    if (strcmp(path, "/missing") == 0)
        return response(p, "404 Not Found", NULL, "no such thing");
    if (strcmp(path, "/close") == 0)
        return NULL;
    if (strcmp(path, "/redirect") == 0)
        return response(p, "302 Found", "Location: /hello\r\n", "");
    if (strcmp(path, "/redirect-file") == 0)
        return response(p, "302 Found", "Location: file:///etc/passwd\r\n", "");
    if (strcmp(path, "/loop") == 0)
        return response(p, "302 Found", "Location: /loop\r\n", "");
    if (strcmp(path, "/t100") == 0)
        return response(p, "200 OK", NULL, big_body(p, 100));
    if (strcmp(path, "/t101") == 0)
        return response(p, "200 OK", NULL, big_body(p, 101));
    if (strcmp(path, "/lying") == 0) /* Content-Length says little, the body is long */
        return apr_psprintf(p, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n%s", big_body(p, 5000));
    return response(p, "200 OK", NULL, path);
}

static heat_test_httpd_t *srv;
static heat_http_t *http;

static void http_setup(void)
{
    heat_test_pool_setup();
    pthread_mutex_init(&rec.lock, NULL);
    rec.count = 0;
    rec.last[0] = '\0';
    ck_assert_int_eq(heat_http_global_init(heat_test_pool), APR_SUCCESS);
    ck_assert_int_eq(heat_http_create(&http, heat_test_pool), APR_SUCCESS);
    srv = heat_test_httpd_start(script, NULL);
}

static void http_teardown(void)
{
    heat_test_httpd_stop(srv);
    srv = NULL;
    heat_test_pool_teardown(); /* frees the handles, then curl_global_cleanup */
    http = NULL;
    pthread_mutex_destroy(&rec.lock);
}

static const char *url(const char *path)
{
    return apr_pstrcat(heat_test_pool, heat_test_httpd_url(srv), path, NULL);
}

static apr_status_t get(const char *path, const heat_http_options_t *o, heat_http_response_t **resp)
{
    heat_http_request_t req;
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = url(path);
    req.options = o;
    return heat_http_perform(http, heat_test_pool, &req, resp);
}

/* ---- heat_http ---------------------------------------------------------------------------- */

START_TEST(test_get_headers_and_body)
{
    heat_http_request_t req;
    heat_http_response_t *resp;

    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = url("/hello");
    req.headers = apr_table_make(heat_test_pool, 2);
    apr_table_set(req.headers, "X-Custom", "value 1");
    apr_table_set(req.headers, "Accept", "application/json");
    ck_assert_int_eq(heat_http_perform(http, heat_test_pool, &req, &resp), APR_SUCCESS);
    ck_assert_int_eq(resp->status, 200);
    ck_assert_str_eq(resp->body, "hello world");
    ck_assert_uint_eq(resp->body_len, 11);
    ck_assert_str_eq(apr_table_get(resp->headers, "x-reply"), "yes");
    ck_assert_str_eq(apr_table_get(resp->headers, "Content-Type"), "text/plain");
    ck_assert_int_eq(resp->connected, 1);
    ck_assert_ptr_nonnull(strstr(rec.last, "GET /hello HTTP/1.1\r\n"));
    ck_assert_ptr_nonnull(strstr(rec.last, "\r\nX-Custom: value 1\r\n"));
    ck_assert_ptr_nonnull(strstr(rec.last, "\r\nAccept: application/json\r\n"));
    ck_assert_ptr_nonnull(strstr(rec.last, "\r\nUser-Agent: mod_heat/"));
}
END_TEST

START_TEST(test_post_body)
{
    heat_http_request_t req;
    heat_http_response_t *resp;
    const char *body = big_body(heat_test_pool, 3000); /* > 1024: curl would send Expect */

    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.url = url("/echo");
    req.headers = apr_table_make(heat_test_pool, 1);
    apr_table_set(req.headers, "Content-Type", "application/json");
    req.body = body;
    req.body_len = strlen(body);
    ck_assert_int_eq(heat_http_perform(http, heat_test_pool, &req, &resp), APR_SUCCESS);
    ck_assert_int_eq(resp->status, 201);
    ck_assert_str_eq(resp->body, body);
    ck_assert_ptr_nonnull(strstr(rec.last, "POST /echo HTTP/1.1\r\n"));
    ck_assert_ptr_nonnull(strstr(rec.last, "\r\nContent-Type: application/json\r\n"));
    ck_assert_ptr_nonnull(strstr(rec.last, "\r\nContent-Length: 3000\r\n"));
    ck_assert_ptr_null(strcasestr(rec.last, "Expect:"));
}
END_TEST

START_TEST(test_other_methods)
{
    heat_http_request_t req;
    heat_http_response_t *resp;

    memset(&req, 0, sizeof(req));
    req.method = "DELETE";
    req.url = url("/x");
    ck_assert_int_eq(heat_http_perform(http, heat_test_pool, &req, &resp), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(rec.last, "DELETE /x HTTP/1.1\r\n"));
    req.method = "PUT";
    req.body = "{}";
    req.body_len = 2;
    ck_assert_int_eq(heat_http_perform(http, heat_test_pool, &req, &resp), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(rec.last, "PUT /x HTTP/1.1\r\n"));
    ck_assert_ptr_nonnull(strstr(rec.last, "\r\n\r\n{}"));
}
END_TEST

START_TEST(test_error_status_is_a_response)
{
    heat_http_response_t *resp;
    ck_assert_int_eq(get("/error", NULL, &resp), APR_SUCCESS);
    ck_assert_int_eq(resp->status, 500);
    ck_assert_str_eq(resp->body, "oops");
}
END_TEST

START_TEST(test_size_cap)
{
    heat_http_options_t o;
    heat_http_response_t *resp;

    memset(&o, 0, sizeof(o));
    o.max_response_size = 5000;
    ck_assert_int_eq(get("/big10000", &o, &resp), APR_ENOSPC);
    ck_assert_ptr_nonnull(strstr(resp->error, "5000"));
    ck_assert_uint_le(resp->body_len, 5000);
    o.max_response_size = 10000; /* exactly the size: fine */
    ck_assert_int_eq(get("/big10000", &o, &resp), APR_SUCCESS);
    ck_assert_uint_eq(resp->body_len, 10000);
    o.max_response_size = 4999; /* no Content-Length to trust: the cap applies while reading */
    ck_assert_int_eq(get("/lying", &o, &resp), APR_ENOSPC);
}
END_TEST

START_TEST(test_timeout)
{
    heat_http_options_t o;
    heat_http_response_t *resp;
    apr_time_t t0 = apr_time_now();

    memset(&o, 0, sizeof(o));
    o.timeout = apr_time_from_msec(200);
    ck_assert_int_eq(get("/slow", &o, &resp), APR_TIMEUP);
    ck_assert_int_eq(resp->connected, 1);
    ck_assert_int_lt(apr_time_now() - t0, apr_time_from_msec(900));
}
END_TEST

START_TEST(test_refused)
{
    heat_http_request_t req;
    heat_http_response_t *resp;

    memset(&req, 0, sizeof(req));
    req.url = apr_psprintf(heat_test_pool, "http://127.0.0.1:%d/", heat_test_closed_port());
    ck_assert_int_eq(heat_http_perform(http, heat_test_pool, &req, &resp), APR_ECONNREFUSED);
    ck_assert_int_eq(resp->connected, 0);
    ck_assert_int_eq(resp->status, 0);
    ck_assert_ptr_nonnull(resp->error);
}
END_TEST

START_TEST(test_closed_without_answer)
{
    heat_http_response_t *resp;
    ck_assert_int_eq(get("/close", NULL, &resp), APR_EGENERAL);
    ck_assert_int_eq(resp->status, 0);
}
END_TEST

START_TEST(test_schemes_and_bad_headers)
{
    heat_http_request_t req;
    heat_http_response_t *resp;

    memset(&req, 0, sizeof(req));
    req.url = "file:///etc/passwd";
    ck_assert_int_eq(heat_http_perform(http, heat_test_pool, &req, &resp), APR_EINVAL);
    req.url = "ftp://127.0.0.1/";
    ck_assert_int_eq(heat_http_perform(http, heat_test_pool, &req, &resp), APR_EINVAL);
    req.url = url("/hello");
    req.headers = apr_table_make(heat_test_pool, 1);
    apr_table_set(req.headers, "X-Evil", "a\r\nX-Injected: 1");
    ck_assert_int_eq(heat_http_perform(http, heat_test_pool, &req, &resp), APR_EINVAL);
    ck_assert_int_eq(rec.count, 0);
}
END_TEST

START_TEST(test_redirects)
{
    heat_http_options_t o;
    heat_http_response_t *resp;

    memset(&o, 0, sizeof(o));
    ck_assert_int_eq(get("/redirect", &o, &resp), APR_SUCCESS);
    ck_assert_int_eq(resp->status, 302);
    ck_assert_str_eq(apr_table_get(resp->headers, "Location"), "/hello");
    o.max_redirects = 3;
    ck_assert_int_eq(get("/redirect", &o, &resp), APR_SUCCESS);
    ck_assert_int_eq(resp->status, 200);
    ck_assert_str_eq(resp->body, "hello world");
    /* headers are those of the last response */
    ck_assert_ptr_null(apr_table_get(resp->headers, "Location"));
    ck_assert_ptr_nonnull(apr_table_get(resp->headers, "X-Reply"));
    ck_assert_int_ne(get("/redirect-file", &o, &resp), APR_SUCCESS);
    ck_assert_int_eq(get("/loop", &o, &resp), APR_EGENERAL);
}
END_TEST

START_TEST(test_handle_reuse)
{
    heat_http_response_t *resp;
    int i;

    /* more requests than idle handles, all sequential: handles come back to the stack */
    for (i = 0; i < HEAT_HTTP_MAX_IDLE + 4; i++) {
        ck_assert_int_eq(get("/hello", NULL, &resp), APR_SUCCESS);
        ck_assert_int_eq(resp->status, 200);
    }
    ck_assert_int_eq(rec.count, HEAT_HTTP_MAX_IDLE + 4);
}
END_TEST

typedef struct {
    int ok;
} worker_result_t;

static void *APR_THREAD_FUNC worker(apr_thread_t *t, void *data)
{
    worker_result_t *wr = data;
    apr_pool_t *p;
    int i;

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    for (i = 0; i < 5; i++) {
        heat_http_request_t req;
        heat_http_response_t *resp;
        memset(&req, 0, sizeof(req));
        req.url = apr_pstrcat(p, heat_test_httpd_url(srv), "/hello", NULL);
        if (heat_http_perform(http, p, &req, &resp) == APR_SUCCESS && resp->status == 200)
            wr->ok++;
    }
    apr_pool_destroy(p);
    (void)t; /* returning (not apr_thread_exit: pthread_exit upsets ASan's thread teardown) */
    return NULL;
}

START_TEST(test_threads)
{
    apr_thread_t *threads[4];
    worker_result_t results[4];
    apr_status_t rv;
    int i;

    memset(results, 0, sizeof(results));
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(apr_thread_create(&threads[i], NULL, worker, &results[i], heat_test_pool),
                         APR_SUCCESS);
    for (i = 0; i < 4; i++) {
        apr_thread_join(&rv, threads[i]);
        ck_assert_int_eq(results[i].ok, 5);
    }
}
END_TEST

START_TEST(test_url_for_log)
{
    apr_pool_t *p = heat_test_pool;
    ck_assert_str_eq(heat_http_url_for_log(p, "http://u:secret@h:5/p?sig=abc#f"), "http://***@h:5/p");
    ck_assert_str_eq(heat_http_url_for_log(p, "https://h/p/q"), "https://h/p/q");
    ck_assert_str_eq(heat_http_url_for_log(p, "http://h/a@b"), "http://h/a@b");
    ck_assert_str_eq(heat_http_url_for_log(p, NULL), "(null)");
}
END_TEST

/* ---- heat_urlfetch ------------------------------------------------------------------------ */

START_TEST(test_urlfetch_scheme)
{
    /* expectations from Python 3.11's urllib.parse.urlparse(url).scheme */
    static const char *const cases[][2] = {
        {"localhost:8080/x", "localhost"}, {" http://a", "http"}, {"HTTP://a", "http"},
        {"/etc/x", ""}, {"file:///x", "file"}, {"1http://a", ""}, {"h\ttp://a", "htp"},
        {"x:y", "x"}, {"ftp://a", "ftp"}, {"", ""}, {"htt p://a", ""}, {"\x01http://a", "http"},
    };
    apr_size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(strcmp(heat_urlfetch_scheme(heat_test_pool, cases[i][0]), cases[i][1]) == 0,
                      "scheme of '%s'", cases[i][0]);
}
END_TEST

static const char *fetch(const char *u, apr_size_t max, apr_interval_time_t timeout,
                         apr_status_t *rv, apr_size_t *len)
{
    heat_urlfetch_options_t o = {max, 0, timeout};
    const char *data, *err;
    apr_size_t n;
    *rv = heat_urlfetch_get(http, heat_test_pool, u, &o, &data, len ? len : &n, &err);
    return *rv == APR_SUCCESS ? data : err;
}

START_TEST(test_urlfetch_errors)
{
    apr_status_t rv;
    const char *u;

    ck_assert_str_eq(fetch("file:///etc/passwd", 0, 0, &rv, NULL), "Invalid URL scheme file");
    ck_assert_int_ne(rv, APR_SUCCESS);
    ck_assert_str_eq(fetch("/etc/passwd", 0, 0, &rv, NULL), "Invalid URL scheme ");
    ck_assert_str_eq(fetch("gopher://x/", 0, 0, &rv, NULL), "Invalid URL scheme gopher");
    ck_assert_int_eq(rec.count, 0);

    u = url("/missing");
    ck_assert_str_eq(fetch(u, 0, 0, &rv, NULL),
                     apr_psprintf(heat_test_pool, "Failed to retrieve template from %s", u));
    u = url("/error");
    ck_assert_str_eq(fetch(u, 0, 0, &rv, NULL),
                     apr_psprintf(heat_test_pool, "Failed to retrieve template from %s", u));
    u = url("/slow");
    ck_assert_str_eq(fetch(u, 0, apr_time_from_msec(200), &rv, NULL),
                     apr_psprintf(heat_test_pool, "Failed to retrieve template from %s", u));
    u = apr_psprintf(heat_test_pool, "http://127.0.0.1:%d/t.yaml", heat_test_closed_port());
    ck_assert_str_eq(fetch(u, 0, 0, &rv, NULL),
                     apr_psprintf(heat_test_pool, "Failed to retrieve template from %s", u));
    u = url("/redirect-file");
    ck_assert_str_eq(fetch(u, 0, 0, &rv, NULL),
                     apr_psprintf(heat_test_pool, "Failed to retrieve template from %s", u));
    ck_assert_str_eq(fetch("http://", 0, 0, &rv, NULL), "Failed to retrieve template from http://");
}
END_TEST

START_TEST(test_urlfetch_size)
{
    apr_status_t rv;
    apr_size_t len;
    const char *data;

    data = fetch(url("/t100"), 100, 0, &rv, &len);
    ck_assert_int_eq(rv, APR_SUCCESS);
    ck_assert_uint_eq(len, 100);
    ck_assert_str_eq(fetch(url("/t101"), 100, 0, &rv, NULL),
                     "Template exceeds maximum allowed size (100 bytes)");
    ck_assert_int_ne(rv, APR_SUCCESS);
    (void)data;
}
END_TEST

START_TEST(test_urlfetch_ok)
{
    apr_status_t rv;
    apr_size_t len;

    ck_assert_str_eq(fetch(url("/hello"), 0, 0, &rv, &len), "hello world");
    ck_assert_int_eq(rv, APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(rec.last, "GET /hello HTTP/1.1\r\n"));
    ck_assert_ptr_nonnull(strstr(rec.last, "\r\nAccept: */*\r\n"));
    ck_assert_ptr_null(strcasestr(rec.last, "X-Auth-Token"));
    /* redirects are followed */
    ck_assert_str_eq(fetch(url("/redirect"), 0, 0, &rv, &len), "hello world");
    /* requests' requote_uri: a space is sent as %20, valid escapes are kept */
    ck_assert_str_eq(fetch(url("/a b%41"), 0, 0, &rv, &len), "/a%20b%41");
    ck_assert_str_eq(fetch(url("/a%zz"), 0, 0, &rv, &len), "/a%25zz");
    /* leading blanks are ignored, like urlparse */
    ck_assert_str_eq(fetch(apr_pstrcat(heat_test_pool, "  ", url("/hello"), NULL), 0, 0, &rv, &len),
                     "hello world");
}
END_TEST

Suite *heat_test_http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("http");

    tcase_add_checked_fixture(tc, http_setup, http_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_get_headers_and_body);
    tcase_add_test(tc, test_post_body);
    tcase_add_test(tc, test_other_methods);
    tcase_add_test(tc, test_error_status_is_a_response);
    tcase_add_test(tc, test_size_cap);
    tcase_add_test(tc, test_timeout);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_closed_without_answer);
    tcase_add_test(tc, test_schemes_and_bad_headers);
    tcase_add_test(tc, test_redirects);
    tcase_add_test(tc, test_handle_reuse);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_url_for_log);
    tcase_add_test(tc, test_urlfetch_scheme);
    tcase_add_test(tc, test_urlfetch_errors);
    tcase_add_test(tc, test_urlfetch_size);
    tcase_add_test(tc, test_urlfetch_ok);
    suite_add_tcase(s, tc);
    return s;
}
