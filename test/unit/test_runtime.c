/* test_runtime.c: what a child's worker threads do at run time to memory shared between them
 * (issue 7 items 6 and 10): pchild's allocator, the token cache's lookup buffer, the wait for
 * a pooled RPC connection.
 *
 * Nothing allocates from pchild's allocator once the worker threads run.
 * httpd's pchild has an allocator without a mutex, meant for child_init. Components that
 * allocate at run time (the Keystone client's service token and discovery caches, the RPC
 * reslist's containers, the authurl step's remembered URL), each under its own lock, would
 * corrupt its free lists together. Each test builds its component on a pchild like httpd's,
 * then arms a trap: pchild's allocator gets a mutex that the test thread holds. Worker threads
 * drive the real run-time paths; one that touches pchild's allocator (a palloc that needs a
 * new block, a subpool created or destroyed) blocks on the trap instead of finishing. */
#include "heat_test.h"

#include <apr_atomic.h>

#include <apr_allocator.h>
#include <apr_network_io.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fake_keystone.h"
#include "heat_auth.h"
#include "heat_http.h"
#include "heat_json.h"
#include "heat_keystone.h"
#include "heat_pool.h"
#include "heat_rpc.h"

#if defined(__SANITIZE_ADDRESS__)
/* ASan's allocator replaces malloc (mallinfo2 knows nothing of it); from its interface header,
 * which not every compiler package installs */
size_t __sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif

#define WORKERS 4
#define ROUNDS 8

typedef struct {
    apr_pool_t *pchild;
    apr_allocator_t *alloc;
    apr_thread_mutex_t *trap; /* in heat_test_pool: held by the test thread while armed */
} fake_child_t;

/* Like httpd's pchild: an allocator of its own, without a mutex. */
static void child_make(fake_child_t *c)
{
    ck_assert_int_eq(apr_allocator_create(&c->alloc), APR_SUCCESS);
    ck_assert_int_eq(apr_pool_create_ex(&c->pchild, heat_test_pool, NULL, c->alloc), APR_SUCCESS);
    apr_allocator_owner_set(c->alloc, c->pchild);
    ck_assert_int_eq(apr_thread_mutex_create(&c->trap, APR_THREAD_MUTEX_DEFAULT, heat_test_pool),
                     APR_SUCCESS);
}

/* One round of a run-time path; returns whether it gave the expected answer. Workers do not
 * ck_assert: the runner does not fork, and a failed check jumps back to the test thread. */
typedef int worker_fn(void *baton, apr_pool_t *p, int round);

typedef struct {
    worker_fn *fn;
    void *baton;
    apr_thread_mutex_t *lock; /* guards done and bad */
    int done;
    int bad; /* rounds that gave an unexpected answer */
} run_t;

static void *APR_THREAD_FUNC worker(apr_thread_t *t, void *data)
{
    run_t *run = data;
    apr_pool_t *p;
    int i, bad = 0;

    (void)t;
    /* the request pool of a worker: its own allocator, as httpd's are */
    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    for (i = 0; i < ROUNDS; i++) {
        if (!run->fn(run->baton, p, i))
            bad++;
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    apr_thread_mutex_lock(run->lock);
    run->done++;
    run->bad += bad;
    apr_thread_mutex_unlock(run->lock);
    return NULL;
}

static int done_count(run_t *run)
{
    int n;
    apr_thread_mutex_lock(run->lock);
    n = run->done;
    apr_thread_mutex_unlock(run->lock);
    return n;
}

/* Runs fn in WORKERS threads with the trap armed; returns how many finished before the
 * deadline (a generous one: the machine may be loaded; a trapped worker never finishes). */
static int run_trapped(fake_child_t *c, worker_fn *fn, void *baton)
{
    apr_thread_t *th[WORKERS];
    run_t run = {fn, baton, NULL, 0, 0};
    apr_time_t deadline;
    apr_status_t rv;
    int i, finished;

    ck_assert_int_eq(apr_thread_mutex_create(&run.lock, APR_THREAD_MUTEX_DEFAULT, heat_test_pool),
                     APR_SUCCESS);
    /* APR's allocator takes its mutex only when it has free blocks to search (or to link a
     * subpool): give it some, so that any block a worker needs goes through the trap */
    {
        apr_memnode_t *nodes[16];
        for (i = 0; i < 16; i++)
            nodes[i] = apr_allocator_alloc(c->alloc, 64 * 1024);
        for (i = 0; i < 16; i++)
            apr_allocator_free(c->alloc, nodes[i]);
    }
    apr_thread_mutex_lock(c->trap);
    apr_allocator_mutex_set(c->alloc, c->trap);
    for (i = 0; i < WORKERS; i++)
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, worker, &run, heat_test_pool), APR_SUCCESS);
    deadline = apr_time_now() + apr_time_from_sec(20);
    while (done_count(&run) < WORKERS && apr_time_now() < deadline)
        apr_sleep(apr_time_from_msec(10));
    finished = done_count(&run);
    /* disarm: trapped workers go on (one at a time through the trap) and finish */
    apr_thread_mutex_unlock(c->trap);
    for (i = 0; i < WORKERS; i++)
        apr_thread_join(&rv, th[i]);
    apr_allocator_mutex_set(c->alloc, NULL);
    ck_assert_int_eq(run.bad, 0);
    return finished;
}

#define ASSERT_NO_PCHILD_USE(c, fn, baton)                                                        \
    ck_assert_msg(run_trapped((c), (fn), (baton)) == WORKERS,                                     \
                  "a worker thread allocated from pchild's (mutex-less) allocator at run time")

/* ---- the Keystone client ------------------------------------------------------------------ */

static fake_ks_t *fk;

static void ks_setup(void)
{
    heat_test_pool_setup();
    ck_assert_int_eq(heat_http_global_init(heat_test_pool), APR_SUCCESS);
    fk = fake_ks_start();
}

static void ks_teardown(void)
{
    fake_ks_stop(fk);
    fk = NULL;
    heat_test_pool_teardown();
}

static heat_keystone_settings_t service_settings(void)
{
    heat_keystone_settings_t s;
    heat_keystone_settings_init(&s);
    s.auth_url = apr_pstrcat(heat_test_pool, fk->base, "/v3", NULL);
    s.identity_uri = s.auth_url;
    s.username = "heat";
    s.password = "s3cret";
    s.user_domain_name = "Default";
    s.project_name = "service";
    s.project_domain_name = "Default";
    s.http_request_max_retries = 0;
    s.http_connect_timeout = 5;
    return s;
}

static int validate_worker(void *baton, apr_pool_t *p, int round)
{
    const char *raw, *token, *url;
    apr_size_t len;
    json_t *j;

    (void)round;
    /* the service token (fetched by the first caller, at run time), then a validation */
    return heat_keystone_service_token(baton, p, &token, &url) == HEAT_KS_VALID
           && heat_keystone_validate(baton, p, "good", 0, &raw, &len, &j) == HEAT_KS_VALID;
}

START_TEST(keystone_service_token_and_validation)
{
    fake_child_t c;
    heat_http_t *http;
    heat_keystone_t *ks;
    heat_keystone_settings_t s = service_settings();
    const char *err;

    child_make(&c);
    ck_assert_int_eq(heat_http_create(&http, c.pchild), APR_SUCCESS);
    ck_assert_int_eq(heat_keystone_create(&ks, c.pchild, http, &s, &err), APR_SUCCESS);
    ASSERT_NO_PCHILD_USE(&c, validate_worker, ks);
    ck_assert_int_eq(fk->n_post, 1); /* one service authentication, at run time */
    ck_assert_int_eq(fk->n_validate, WORKERS * ROUNDS);
}
END_TEST

typedef struct {
    heat_keystone_t *ks;
    const char *urls[WORKERS * ROUNDS];
    apr_thread_mutex_t *lock;
    int next;
} pw_baton_t;

static int password_worker(void *baton, apr_pool_t *p, int round)
{
    pw_baton_t *b = baton;
    heat_keystone_password_t req;
    heat_keystone_password_result_t res;

    (void)round;
    memset(&req, 0, sizeof(req));
    apr_thread_mutex_lock(b->lock);
    req.auth_url = b->urls[b->next++];
    apr_thread_mutex_unlock(b->lock);
    req.username = "alice";
    req.password = "wonderland";
    req.user_domain_id = "default";
    req.project_id = "p1";
    heat_keystone_password_auth(b->ks, p, &req, &res);
    return res.status == HEAT_KS_VALID;
}

/* Each round discovers another auth URL (multi_cloud allows many), remembered in the cache
 * (up to 32): long ones, so that the cache outgrows its pool's first block. */
START_TEST(keystone_password_discovery_cache)
{
    fake_child_t c;
    heat_http_t *http;
    heat_keystone_settings_t s;
    pw_baton_t b;
    const char *err;
    int i;

    child_make(&c);
    heat_keystone_settings_init(&s);
    s.standalone = 1;
    ck_assert_int_eq(heat_http_create(&http, c.pchild), APR_SUCCESS);
    ck_assert_int_eq(heat_keystone_create(&b.ks, c.pchild, http, &s, &err), APR_SUCCESS);
    ck_assert_int_eq(apr_thread_mutex_create(&b.lock, APR_THREAD_MUTEX_DEFAULT, heat_test_pool),
                     APR_SUCCESS);
    b.next = 0;
    for (i = 0; i < WORKERS * ROUNDS; i++) {
        /* http://<user>@127.0.0.1:<port>/: the fake answers discovery at / whoever asks */
        char user[301];
        memset(user, 'u', 300);
        user[300] = '\0';
        user[0] = (char)('a' + i % 26);
        user[1] = (char)('a' + i / 26);
        b.urls[i] = apr_psprintf(heat_test_pool, "http://%s@%s/", user, fk->base + 7);
    }
    ASSERT_NO_PCHILD_USE(&c, password_worker, &b);
    ck_assert_int_eq(fk->n_user_post, WORKERS * ROUNDS);
    ck_assert_int_eq(fk->n_root, WORKERS * ROUNDS); /* one discovery per URL */
}
END_TEST

static int authurl_worker(void *baton, apr_pool_t *p, int round)
{
    const char *url = heat_auth_url(baton, p);
    (void)round;
    return url && strcmp(url, apr_pstrcat(p, fk->base, "/v3/", NULL)) == 0;
}

START_TEST(authurl_remembered_url)
{
    fake_child_t c;
    heat_http_t *http;
    heat_auth_t *auth;
    heat_keystone_settings_t s = service_settings();
    const char *err;

    child_make(&c);
    ck_assert_int_eq(heat_http_create(&http, c.pchild), APR_SUCCESS);
    ck_assert_int_eq(heat_auth_create(&auth, c.pchild, http, &s, &err), APR_SUCCESS);
    heat_auth_set_clients_keystone_uri(auth, apr_pstrcat(heat_test_pool, fk->base, "/", NULL));
    ASSERT_NO_PCHILD_USE(&c, authurl_worker, auth);
    ck_assert_int_ge(fk->n_root, 1);
}
END_TEST

/* ---- the RPC connection pool -------------------------------------------------------------- */

static int rpc_worker(void *baton, apr_pool_t *p, int round)
{
    heat_rpc_reply_t reply;
    json_t *ctx = heat_json_own(p, json_pack("{s:s}", "request_id", "req-1"));

    (void)round;
    /* the broker is unreachable: each call still takes a connection from the reslist (its
     * constructor runs, a container is allocated) and gives it back */
    return heat_rpc_call(baton, p, ctx, "list_stacks", NULL, "1.33", apr_time_from_sec(5),
                         &reply)
           != HEAT_RPC_OK;
}

START_TEST(rpc_reslist)
{
    fake_child_t c;
    heat_rpc_settings_t s;
    heat_rpc_conf_t *conf;
    heat_rpc_pool_t *rp;

    child_make(&c);
    heat_rpc_settings_init(&s);
    s.transport_url = apr_psprintf(heat_test_pool, "rabbit://u:pw@127.0.0.1:%d/",
                                   heat_test_closed_port());
    ck_assert_ptr_null(heat_rpc_conf_make(heat_test_pool, &s, &conf));
    ck_assert_int_eq(heat_rpc_pool_create(c.pchild, conf, &rp), APR_SUCCESS);
    ASSERT_NO_PCHILD_USE(&c, rpc_worker, rp);
    apr_pool_destroy(c.pchild); /* stops the maintenance thread before the fake child goes */
}
END_TEST

/* Overload: a call that finds the process' only pooled connection taken waits at most
 * HEAT_RPC_POOL_WAIT for it and then is HEAT_RPC_BUSY (503), sending nothing; it used to wait up
 * to rpc_response_timeout, holding its Apache worker, and end in a timeout (500). The connection
 * is held by a call to a "broker" that accepts and never speaks, which ends only when its own,
 * much longer timeout does: the busy answer must come while it still holds the connection. */
typedef struct {
    heat_rpc_pool_t *rp;
    heat_rpc_outcome_t outcome;
    volatile apr_uint32_t done;
} holder_t;

#define HOLDER_TIMEOUT apr_time_from_sec(30)

static void *APR_THREAD_FUNC holder(apr_thread_t *t, void *data)
{
    holder_t *h = data;
    apr_pool_t *p;
    heat_rpc_reply_t reply;

    (void)t;
    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    h->outcome = heat_rpc_call(h->rp, p, heat_json_own(p, json_object()), "list_stacks", NULL,
                               "1.33", HOLDER_TIMEOUT, &reply);
    apr_pool_destroy(p);
    apr_atomic_set32(&h->done, 1);
    return NULL;
}

START_TEST(rpc_busy_pool_is_answered_before_the_connection_is_free)
{
    apr_socket_t *lsn, *conn;
    apr_sockaddr_t *sa;
    heat_rpc_settings_t s;
    heat_rpc_conf_t *conf;
    heat_rpc_pool_t *rp;
    heat_rpc_reply_t reply;
    heat_rpc_outcome_t outcome;
    holder_t h;
    apr_thread_t *th;
    apr_status_t rv;
    apr_pool_t *child;

    /* a "broker" that accepts connections and never answers */
    ck_assert_int_eq(apr_sockaddr_info_get(&sa, "127.0.0.1", APR_INET, 0, 0, heat_test_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_socket_create(&lsn, APR_INET, SOCK_STREAM, APR_PROTO_TCP, heat_test_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_socket_bind(lsn, sa), APR_SUCCESS);
    ck_assert_int_eq(apr_socket_listen(lsn, 8), APR_SUCCESS);
    ck_assert_int_eq(apr_socket_addr_get(&sa, APR_LOCAL, lsn), APR_SUCCESS);
    heat_rpc_settings_init(&s);
    s.transport_url = apr_psprintf(heat_test_pool, "rabbit://u:pw@127.0.0.1:%d/", (int)sa->port);
    s.rpc_conn_pool_size = 1;
    ck_assert_ptr_null(heat_rpc_conf_make(heat_test_pool, &s, &conf));
    ck_assert(conf->pool_wait > 0 && conf->pool_wait <= HEAT_RPC_POOL_WAIT);
    ck_assert(conf->pool_wait < conf->timeout);
    /* the holder's handshake waits for its own deadline, not the 5 s connect timeout */
    conf->amqp.connect_timeout = HOLDER_TIMEOUT;
    apr_pool_create(&child, heat_test_pool);
    ck_assert_int_eq(heat_rpc_pool_create(child, conf, &rp), APR_SUCCESS);

    h.rp = rp;
    h.outcome = HEAT_RPC_OK;
    apr_atomic_set32(&h.done, 0);
    ck_assert_int_eq(apr_thread_create(&th, NULL, holder, &h, heat_test_pool), APR_SUCCESS);
    /* the holder has the only connection once the broker sees it connect (polled, with a
     * generous deadline) */
    ck_assert_int_eq(apr_socket_opt_set(lsn, APR_SO_NONBLOCK, 1), APR_SUCCESS);
    {
        apr_time_t deadline = apr_time_now() + apr_time_from_sec(30);
        apr_status_t arv;
        while ((arv = apr_socket_accept(&conn, lsn, heat_test_pool)) != APR_SUCCESS
               && apr_time_now() < deadline)
            apr_sleep(apr_time_from_msec(10));
        if (arv != APR_SUCCESS)
            apr_thread_join(&rv, th);
        ck_assert_msg(arv == APR_SUCCESS, "the holder never connected");
    }
    /* timeout 0: rpc_response_timeout (60 s), far longer than the pool wait */
    outcome = heat_rpc_call(rp, heat_test_pool, heat_json_own(heat_test_pool, json_object()), "list_stacks",
                            NULL, "1.33", 0, &reply);
    ck_assert_msg(!apr_atomic_read32(&h.done), "the call waited until the holder gave the connection back");
    ck_assert_int_eq(outcome, HEAT_RPC_BUSY);
    ck_assert_ptr_null(reply.msg_id); /* nothing was sent */
    ck_assert_ptr_nonnull(strstr(reply.error, "rpc_conn_pool_size 1"));
    /* the holder ends when the broker goes away */
    apr_socket_close(conn);
    apr_socket_close(lsn);
    apr_thread_join(&rv, th);
    ck_assert_int_ne(h.outcome, HEAT_RPC_OK);
    apr_pool_destroy(child);
}
END_TEST

/* ---- the token cache's lookup buffer ------------------------------------------------------ */

#define SCRATCH_SIZE (256 * 1024) /* as HEAT_TOKEN_CACHE_MAX_VALUE */

/* Bytes the process has taken from the heap, plus its address space: APR's allocator may
 * mmap its blocks (Debian's does), which no heap counter sees. Large mallocs count twice,
 * which only makes the bound below harder to meet. */
static apr_size_t memory_in_use(void)
{
    unsigned long vm_pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    apr_size_t heap;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%lu", &vm_pages), 1);
    fclose(f);
#if defined(__SANITIZE_ADDRESS__)
    heap = __sanitizer_get_current_allocated_bytes();
#else
    {
        struct mallinfo2 mi = mallinfo2();
        heap = mi.uordblks + mi.hblkhd;
    }
#endif
    return heap + (apr_size_t)vm_pages * (apr_size_t)sysconf(_SC_PAGESIZE);
}

/* A hit of a token body's usual size (some KiB), as socache's retrieve gives it. */
static int small_hit(void *baton, unsigned char *buf, unsigned int *len)
{
    (void)baton;
    if (*len < 3000)
        return -1;
    memset(buf, 'x', 3000);
    *len = 3000;
    return 1;
}

/* What n lookups in one request pool cost the heap. */
static apr_size_t lookups_cost(heat_scratch_t *scratch, int n)
{
    apr_pool_t *p;
    apr_size_t before, after, len;
    const char *body;
    int i;

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    before = memory_in_use();
    for (i = 0; i < n; i++) {
        body = NULL;
        ck_assert_int_eq(heat_scratch_fetch(scratch, p, small_hit, NULL, &body, &len), 1);
        ck_assert_uint_eq(len, 3000);
        ck_assert_uint_eq(strlen(body), 3000);
    }
    after = memory_in_use();
    apr_pool_destroy(p);
    return after > before ? after - before : 0;
}

/* Every token cache lookup used to take the largest entry's size (256 KiB) from the request
 * pool: a request that looks up its token and the service token grew by 512 KiB. Now a
 * thread's lookups share one buffer and a hit costs the request its own size. */
START_TEST(cache_lookup_buffer_per_thread)
{
    heat_scratch_t *scratch;
    apr_size_t cost;

    ck_assert_int_eq(heat_scratch_create(&scratch, SCRATCH_SIZE, heat_test_pool), APR_SUCCESS);
    lookups_cost(scratch, 1); /* this thread's buffer is made on first use */
    /* 64 lookups: each costs its hit's copy (3 KB) and some pool block slack, not 256 KiB */
    cost = lookups_cost(scratch, 64);
    ck_assert_msg(cost < 64 * 8192, "64 lookups took %zu bytes", cost);
}
END_TEST

Suite *heat_test_runtime_suite(void)
{
    Suite *s = suite_create("runtime");
    TCase *tc = tcase_create("keystone");
    tcase_add_checked_fixture(tc, ks_setup, ks_teardown);
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, keystone_service_token_and_validation);
    tcase_add_test(tc, keystone_password_discovery_cache);
    tcase_add_test(tc, authurl_remembered_url);
    suite_add_tcase(s, tc);

    tc = tcase_create("rpc");
    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, rpc_reslist);
    tcase_add_test(tc, rpc_busy_pool_is_answered_before_the_connection_is_free);
    suite_add_tcase(s, tc);

    tc = tcase_create("cache");
    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, cache_lookup_buffer_per_thread);
    suite_add_tcase(s, tc);
    return s;
}
