/* test_rpc.c: the RPC client without a broker. transport_url parsing and the configuration
 * checks (oslo's TransportURL.parse and ConfigOptsProxy rules); request bodies
 * byte for byte against test/golden/rpc (captured from heat's EngineClient and a real
 * oslo.messaging server by test/golden/rpc/capture.py); reply and failure decoding, including
 * the payloads observed from the real engine (UnsupportedVersion, EntityNotFound); the reply
 * waiter's stale/duplicate/heartbeat/ending rules (oslo's ReplyWaiter); and the pool's fast
 * failure when no broker listens (a closed loopback port, no broker needed). */
#include "heat_test.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_amqp.h"
#include "heat_fault.h"
#include "heat_result.h"
#include "heat_json.h"
#include "heat_pool.h"
#include "heat_rpc.h"

#include <apr_thread_proc.h>

/* ---- helpers ---------------------------------------------------------------------------- */

static const char *make_conf(const char *url, heat_rpc_conf_t **conf)
{
    heat_rpc_settings_t s;
    heat_rpc_settings_init(&s);
    s.transport_url = url;
    return heat_rpc_conf_make(heat_test_pool, &s, conf);
}

static const heat_amqp_host_t *host(const heat_rpc_conf_t *conf, int i)
{
    ck_assert_int_gt(conf->amqp.hosts->nelts, i);
    return &APR_ARRAY_IDX(conf->amqp.hosts, i, heat_amqp_host_t);
}

static json_t *load_golden(const char *name)
{
    json_error_t e;
    const char *text = heat_test_read_file(heat_test_golden(apr_pstrcat(heat_test_pool, "rpc/", name, NULL)),
                                           NULL);
    json_t *j = heat_json_own(heat_test_pool, json_loads(text, 0, &e));
    ck_assert_msg(j != NULL, "%s: %s", name, e.text);
    return j;
}

/* A reply body as the engine writes it: the inner object dumped, wrapped in envelope 2.0. */
static const char *reply_body(const char *inner_json)
{
    json_error_t e;
    json_t *inner = heat_json_own(heat_test_pool, json_loads(inner_json, 0, &e));
    json_t *env;
    ck_assert_msg(inner != NULL, "%s", e.text);
    env = heat_json_own(heat_test_pool, json_pack("{s:s, s:s}", "oslo.version", "2.0", "oslo.message",
                                                  heat_json_dump(heat_test_pool, inner, 0)));
    return heat_json_dump(heat_test_pool, env, 0);
}

/* A reply whose "failure" is the JSON text of the given object. */
static const char *failure_body(const char *msg_id, const char *failure_json)
{
    json_error_t e;
    json_t *f = heat_json_own(heat_test_pool, json_loads(failure_json, 0, &e));
    json_t *inner;
    ck_assert_msg(f != NULL, "%s", e.text);
    inner = heat_json_own(heat_test_pool,
                          json_pack("{s:n, s:s, s:b, s:s, s:s}", "result", "failure",
                                    heat_json_dump(heat_test_pool, f, 0), "ending", 1, "_msg_id", msg_id,
                                    "_unique_id", "5e75f1d70aa94717854a0e45cae925c5"));
    return reply_body(heat_json_dump(heat_test_pool, inner, 0));
}

static int feed(heat_rpc_waiter_t *w, const char *body)
{
    return heat_rpc_waiter_feed(w, body, strlen(body));
}

/* ---- transport_url ---------------------------------------------------------------------- */

START_TEST(url_multi_host_failover_order)
{
    heat_rpc_conf_t *conf;
    const char *err = make_conf("rabbit://heat:s3cret@h1.example:5672,u2:p%3Aw%40d%2F2@h2:5673/openstack", &conf);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(conf->amqp.hosts->nelts, 2);
    ck_assert_str_eq(host(conf, 0)->host, "h1.example");
    ck_assert_int_eq(host(conf, 0)->port, 5672);
    ck_assert_str_eq(host(conf, 0)->user, "heat");
    ck_assert_str_eq(host(conf, 0)->password, "s3cret");
    ck_assert_str_eq(host(conf, 1)->host, "h2");
    ck_assert_int_eq(host(conf, 1)->port, 5673);
    ck_assert_str_eq(host(conf, 1)->user, "u2");
    ck_assert_str_eq(host(conf, 1)->password, "p:w@d/2"); /* split at the first ':' after decoding */
    ck_assert_str_eq(conf->amqp.vhost, "openstack");
    ck_assert_str_eq(conf->amqp.redacted_url, "rabbit://heat:***@h1.example:5672,u2:***@h2:5673/openstack");
}
END_TEST

START_TEST(url_defaults)
{
    heat_rpc_conf_t *conf;
    /* heat's default transport_url: kombu's guest/guest on localhost (kombu: 127.0.0.1) */
    ck_assert_ptr_null(make_conf("rabbit://", &conf));
    ck_assert_int_eq(conf->amqp.hosts->nelts, 1);
    ck_assert_str_eq(host(conf, 0)->host, "127.0.0.1");
    ck_assert_int_eq(host(conf, 0)->port, 5672);
    ck_assert_str_eq(host(conf, 0)->user, "guest");
    ck_assert_str_eq(host(conf, 0)->password, "guest");
    ck_assert_str_eq(conf->amqp.vhost, "/");
    ck_assert_ptr_null(make_conf(NULL, &conf));
    ck_assert_str_eq(host(conf, 0)->host, "127.0.0.1");
    /* a host without credentials, no port, no path; "kombu" is an alias */
    ck_assert_ptr_null(make_conf("kombu://Broker.Example", &conf));
    ck_assert_str_eq(host(conf, 0)->host, "broker.example");
    ck_assert_int_eq(host(conf, 0)->port, 5672);
    ck_assert_str_eq(host(conf, 0)->user, "guest");
    ck_assert_str_eq(conf->amqp.vhost, "/");
    /* user without password: kombu fills the password with guest; port 0 counts as none */
    ck_assert_ptr_null(make_conf("rabbit://heat@localhost:0/", &conf));
    ck_assert_str_eq(host(conf, 0)->user, "heat");
    ck_assert_str_eq(host(conf, 0)->password, "guest");
    ck_assert_str_eq(host(conf, 0)->host, "127.0.0.1");
    ck_assert_int_eq(host(conf, 0)->port, 5672);
    ck_assert_str_eq(conf->amqp.vhost, "/");
    /* ssl does not change the default port (oslo always writes one into kombu's URL) */
    ck_assert_ptr_null(make_conf("rabbit://h/?ssl=true", &conf));
    ck_assert_int_eq(conf->amqp.ssl, 1);
    ck_assert_int_eq(host(conf, 0)->port, 5672);
}
END_TEST

START_TEST(url_vhost_and_decoding)
{
    heat_rpc_conf_t *conf;
    ck_assert_ptr_null(make_conf("rabbit://h/%2F", &conf));
    ck_assert_str_eq(conf->amqp.vhost, "/");
    /* oslo unquotes, then kombu unquotes the URL oslo built again */
    ck_assert_ptr_null(make_conf("rabbit://h/%252F", &conf));
    ck_assert_str_eq(conf->amqp.vhost, "/");
    ck_assert_ptr_null(make_conf("rabbit://h/a%20b#frag", &conf));
    ck_assert_str_eq(conf->amqp.vhost, "a b");
    /* invalid escapes stay as they are; '+' is not a space outside the query */
    ck_assert_ptr_null(make_conf("rabbit://u:p%zz+%4@h/v", &conf));
    ck_assert_str_eq(host(conf, 0)->password, "p%zz+%4");
    /* the last '@' ends the credentials */
    ck_assert_ptr_null(make_conf("rabbit://u:p@ss@h/", &conf));
    ck_assert_str_eq(host(conf, 0)->password, "p@ss");
    /* tabs and newlines vanish anywhere, leading blanks too (urlsplit) */
    ck_assert_ptr_null(make_conf("  rabbit://u:p\t@h\n:5673/v", &conf));
    ck_assert_str_eq(host(conf, 0)->host, "h");
    ck_assert_int_eq(host(conf, 0)->port, 5673);
}
END_TEST

START_TEST(url_ipv6_and_empty_items)
{
    heat_rpc_conf_t *conf;
    ck_assert_ptr_null(make_conf("rabbit://u:p@[::1]:5673,,[fe80::1]/", &conf));
    ck_assert_int_eq(conf->amqp.hosts->nelts, 2);
    ck_assert_str_eq(host(conf, 0)->host, "::1");
    ck_assert_int_eq(host(conf, 0)->port, 5673);
    ck_assert_str_eq(host(conf, 1)->host, "fe80::1");
    ck_assert_int_eq(host(conf, 1)->port, 5672);
    ck_assert_str_eq(host(conf, 1)->user, "guest"); /* no credentials on that host */
}
END_TEST

START_TEST(url_query_overrides)
{
    heat_rpc_conf_t *conf;
    /* any [oslo_messaging_rabbit] option; its value wins over heat.conf; blank values are
     * dropped like parse_qs does */
    ck_assert_ptr_null(make_conf("rabbit://h/v?heartbeat_timeout_threshold=0&amqp_durable_queues=YES"
                                 "&rabbit_transient_queues_ttl=60&rabbit_ha_queues=on&ssl=&"
                                 "rabbit_qos_prefetch_count=5&enable_cancel_on_failover=1",
                                 &conf));
    ck_assert_int_eq(conf->amqp.heartbeat, 0);
    ck_assert_int_eq(conf->amqp.exchange_durable, 1);
    ck_assert_int_eq(conf->amqp.reply_expires_ms, 60000);
    ck_assert_int_eq(conf->amqp.ha_queues, 1);
    ck_assert_int_eq(conf->amqp.ssl, 0);
    ck_assert_int_eq(conf->amqp.cancel_on_failover, 1);
    ck_assert_str_eq(conf->amqp.vhost, "v");
}
END_TEST

START_TEST(url_errors_name_the_option_and_hide_the_password)
{
    static const struct {
        const char *url, *expect;
    } cases[] = {
        {"heat", "no scheme"},
        {"amqp://u:s3cret@h/", "transport 'amqp' is not supported"},
        {"rabbit://u:s3cret@h:abc/", "invalid port 'abc'"},
        {"rabbit://u:s3cret@h:70000/", "out of range"},
        {"rabbit://u:s3cret@[::1/", "invalid IPv6"},
        {"rabbit://u:s3cret@[::1]x/", "invalid IPv6"},
        {"rabbit://u:s3cret@/v", "has no host name"},
        {"rabbit://u:s3cret%00@h/", "NUL"},
        {"rabbit://u:s3cret@h/?bogus=1", "unknown query option 'bogus'"},
        {"rabbit://u:s3cret@h/?ssl=maybe", "query option ssl: 'maybe' is not a boolean"},
        {"rabbit://u:s3cret@h/?rpc_conn_pool_size=0", "out of range"},
        {"rabbit://u:s3cret@h/?heartbeat_timeout_threshold=x", "not an integer"},
        {"rabbit://u:s3cret@h/?ssl=1&ssl_version=a&ssl_version=b",
         "transport_url query option ssl_version: invalid SSL version 'a,b'"},
        {"rabbit://u:s3cret@h/?rabbit_ha_queues=1&rabbit_quorum_queue=1", "not both"},
        {"rabbit://u:s3cret@h/?kombu_compression=gzip", "compressed messages are not supported"},
        {"rabbit://u:s3cret@h/?rabbit_login_method=RABBIT-CR-DEMO", "not supported by librabbitmq"},
        {"rabbit://u:s3cret@h/?kombu_reconnect_delay=9", "out of range"},
    };
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        heat_rpc_conf_t *conf = (void *)1;
        const char *err = make_conf(cases[i].url, &conf);
        ck_assert_msg(err != NULL, "%s accepted", cases[i].url);
        ck_assert_ptr_null(conf);
        ck_assert_msg(strstr(err, cases[i].expect) != NULL, "%s: %s", cases[i].url, err);
        ck_assert_msg(strstr(err, "s3cret") == NULL, "password in %s", err);
        ck_assert_msg(strncmp(err, "[DEFAULT] transport_url", 23) == 0 || strstr(err, "[oslo_messaging_rabbit]"),
                      "option not named: %s", err);
    }
}
END_TEST

START_TEST(settings_checks)
{
    heat_rpc_settings_t s;
    heat_rpc_conf_t *conf;
    const char *err;

    heat_rpc_settings_init(&s);
    ck_assert_str_eq(s.control_exchange, "heat");
    ck_assert_int_eq(s.rpc_response_timeout, 60);
    ck_assert_int_eq(s.heartbeat_timeout_threshold, 60);
    ck_assert_int_eq(s.rabbit_transient_queues_ttl, 1800);
    s.rabbit_quorum_queue = 1; /* forces a durable exchange, as on the engine */
    s.amqp_auto_delete = 1;
    s.rpc_response_timeout = 30;
    s.ssl = 1;
    s.ssl_version = "TLSv1_2";
    s.ssl_ca_file = "/ca.pem";
    s.ssl_enforce_hostname_verification = 1;
    s.rabbit_login_method = "EXTERNAL";
    ck_assert_ptr_null(heat_rpc_conf_make(heat_test_pool, &s, &conf));
    ck_assert_int_eq(conf->amqp.exchange_durable, 1);
    ck_assert_int_eq(conf->amqp.exchange_auto_delete, 1);
    ck_assert_int_eq(conf->amqp.reply_expires_ms, 1800000);
    ck_assert_int_eq(conf->amqp.ha_queues, 0);
    ck_assert(conf->timeout == apr_time_from_sec(30));
    ck_assert_str_eq(conf->amqp.exchange, "heat");
    ck_assert_str_eq(conf->topic, "engine");
    ck_assert_int_eq(conf->pool_max, 30);
    ck_assert_int_ne(conf->amqp.ssl_version, 0);
    ck_assert_str_eq(conf->amqp.ssl_ca_file, "/ca.pem");
    ck_assert_int_eq(conf->amqp.ssl_verify_hostname, 1);
    ck_assert_int_eq(conf->amqp.sasl_external, 1);
    /* "localhost" is kept when the certificate's name is checked */
    s.transport_url = "rabbit://localhost:5671/";
    ck_assert_ptr_null(heat_rpc_conf_make(heat_test_pool, &s, &conf));
    ck_assert_str_eq(host(conf, 0)->host, "localhost");
    s.ssl_enforce_hostname_verification = 0;
    ck_assert_ptr_null(heat_rpc_conf_make(heat_test_pool, &s, &conf));
    ck_assert_str_eq(host(conf, 0)->host, "127.0.0.1");

    heat_rpc_settings_init(&s);
    s.ssl = 1;
    s.ssl_version = "sslv3";
    err = heat_rpc_conf_make(heat_test_pool, &s, &conf);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "[oslo_messaging_rabbit] ssl_version"));
    heat_rpc_settings_init(&s);
    s.rpc_response_timeout = 0;
    ck_assert_ptr_nonnull(heat_rpc_conf_make(heat_test_pool, &s, &conf));
    heat_rpc_settings_init(&s);
    s.heartbeat_timeout_threshold = -1;
    ck_assert_ptr_nonnull(heat_rpc_conf_make(heat_test_pool, &s, &conf));
    heat_rpc_settings_init(&s);
    s.rabbit_login_method = "plain"; /* oslo's choices are case-sensitive */
    ck_assert_ptr_nonnull(heat_rpc_conf_make(heat_test_pool, &s, &conf));
}
END_TEST

/* Threads that each create, fill and destroy subpools of one shared pool: its allocator's
 * mutex keeps the free lists whole (ASan catches what a mutex-less allocator would break). */
static void *APR_THREAD_FUNC pool_worker(apr_thread_t *t, void *data)
{
    apr_pool_t *shared = data, *sub;
    int i, k;
    (void)t;
    for (i = 0; i < 2000; i++) {
        apr_pool_create(&sub, shared);
        for (k = 0; k < 8; k++)
            memset(apr_palloc(sub, 1024 + (apr_size_t)(i % 7) * 4096), k, 64);
        apr_pool_destroy(sub);
    }
    return NULL;
}

START_TEST(shared_pool)
{
    enum { N = 6 };
    apr_pool_t *shared, *plain, *pchild;
    apr_allocator_t *alloc;
    apr_thread_t *th[N];
    apr_status_t rv;
    int i;

    /* like httpd's pchild: an allocator of its own, without a mutex */
    ck_assert_int_eq(apr_allocator_create(&alloc), APR_SUCCESS);
    ck_assert_int_eq(apr_pool_create_ex(&pchild, heat_test_pool, NULL, alloc), APR_SUCCESS);
    apr_allocator_owner_set(alloc, pchild);
    apr_pool_create(&plain, pchild);
    ck_assert(!heat_pool_is_shared(plain));
    ck_assert_int_eq(heat_pool_create_shared(&shared, pchild), APR_SUCCESS);
    ck_assert(heat_pool_is_shared(shared));
    for (i = 0; i < N; i++)
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, pool_worker, shared, heat_test_pool),
                         APR_SUCCESS);
    for (i = 0; i < N; i++)
        apr_thread_join(&rv, th[i]);
    apr_pool_destroy(pchild); /* the shared pool, its allocator and mutex go with it */
}
END_TEST

START_TEST(url_redaction)
{
    ck_assert_str_eq(heat_amqp_url_redact(heat_test_pool, "rabbit://a:b@h1,c@h2,d:e:f@h3/v?x=1"),
                     "rabbit://a:***@h1,c@h2,d:***@h3/v?x=1");
    ck_assert_str_eq(heat_amqp_url_redact(heat_test_pool, "rabbit://"), "rabbit://");
    ck_assert_str_eq(heat_amqp_url_redact(heat_test_pool, "garbage"), "garbage");
    /* passwords that were not percent-encoded: base64 ones hold '/', '+', '=' */
    ck_assert_str_eq(heat_amqp_url_redact(heat_test_pool, "rabbit://u:ab/c+d=@h:5672/vh"),
                     "rabbit://u:***@h:5672/vh");
    ck_assert_str_eq(heat_amqp_url_redact(heat_test_pool, "rabbit://u:a?b#c@h/"),
                     "rabbit://u:***@h/");
    ck_assert_str_eq(heat_amqp_url_redact(heat_test_pool, "rabbit://u:p,q/r@h1,v:s@h2:5672/"),
                     "rabbit://u:***@h1,v:***@h2:5672/");
    ck_assert_str_eq(heat_amqp_url_redact(heat_test_pool, "rabbit://h0:5672,u:x/y@h1/"),
                     "rabbit://h0:5672,u:***@h1/");
    ck_assert_ptr_null(strstr(heat_amqp_url_redact(heat_test_pool,
                                                   "rabbit://guest:Zm9v/YmFy+Kw==@127.0.0.1:5672/"),
                              "YmFy"));
}
END_TEST

/* ---- requests ----------------------------------------------------------------------------- */

/* Rebuilds a captured request from its input and ids; the bytes must be identical. */
static void check_request_golden(const char *name)
{
    json_t *g = load_golden(name);
    json_t *input = json_object_get(g, "input");
    json_t *props = json_object_get(g, "properties");
    const char *body = json_string_value(json_object_get(g, "body"));
    const char *kind = json_string_value(json_object_get(g, "kind"));
    json_error_t e;
    json_t *env = heat_json_own(heat_test_pool, json_loads(body, 0, &e));
    json_t *inner;
    heat_rpc_ids_t ids;
    char *built;
    const char *err;

    ck_assert_ptr_nonnull(env);
    inner = heat_json_own(heat_test_pool,
                          json_loads(json_string_value(json_object_get(env, "oslo.message")), 0, &e));
    ck_assert_ptr_nonnull(inner);
    memset(&ids, 0, sizeof(ids));
    ids.unique_id = json_string_value(json_object_get(inner, "_unique_id"));
    ids.msg_id = json_string_value(json_object_get(inner, "_msg_id"));
    ids.reply_q = json_string_value(json_object_get(inner, "_reply_q"));
    ck_assert_int_eq(!strcmp(kind, "call"), ids.msg_id != NULL);
    err = heat_rpc_message_build(heat_test_pool, json_object_get(input, "context"),
                                 json_string_value(json_object_get(input, "method")),
                                 json_deep_copy(json_object_get(input, "args")),
                                 json_string_value(json_object_get(input, "version")), &ids, &built);
    ck_assert_ptr_null(err);
    ck_assert_str_eq(built, body);

    /* what heat_amqp_publish sets: the same properties kombu sent */
    ck_assert_str_eq(json_string_value(json_object_get(g, "exchange")), "heat");
    ck_assert_str_eq(json_string_value(json_object_get(g, "routing_key")), "engine");
    ck_assert(json_is_false(json_object_get(g, "mandatory")));
    ck_assert_str_eq(json_string_value(json_object_get(props, "content_type")), "application/json");
    ck_assert_str_eq(json_string_value(json_object_get(props, "content_encoding")), "utf-8");
    ck_assert_int_eq(json_integer_value(json_object_get(props, "delivery_mode")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(props, "priority")), 0);
    ck_assert_int_eq(json_object_size(json_object_get(props, "headers")), 0);
    if (ids.msg_id)
        ck_assert_str_eq(json_string_value(json_object_get(props, "expiration")),
                         heat_rpc_expiration(heat_test_pool,
                                             apr_time_from_sec(json_integer_value(json_object_get(input, "timeout")))));
    else
        ck_assert_ptr_null(json_object_get(props, "expiration"));
}

START_TEST(request_list_stacks_as_heat_api)
{
    check_request_golden("list_stacks.request.json");
}
END_TEST

START_TEST(request_create_stack_non_ascii)
{
    /* escapes at both levels: é, ☃, an astral emoji, quote, backslash, tab, newline */
    check_request_golden("create_stack_exists.request.json");
}
END_TEST

START_TEST(request_empty_args_and_cast)
{
    check_request_golden("unsupported_version.request.json");
    check_request_golden("cast.request.json");
}
END_TEST

START_TEST(request_spec_example_bytes)
{
    /* list_stacks as heat's EngineClient publishes it (context shortened to two keys) */
    json_error_t e;
    json_t *ctx = heat_json_own(heat_test_pool,
                                json_loads("{\"auth_token\": \"gAAAAABmMj...\", \"request_id\": "
                                           "\"req-11111111-2222-3333-4444-555555555555\"}",
                                           0, &e));
    json_t *args = json_loads("{\"limit\": null, \"sort_keys\": null, \"marker\": null, \"sort_dir\": null, "
                              "\"filters\": null, \"show_deleted\": false, \"show_nested\": false, "
                              "\"show_hidden\": false, \"tags\": null, \"tags_any\": null, \"not_tags\": "
                              "null, \"not_tags_any\": null}",
                              0, &e);
    heat_rpc_ids_t ids = {"83e891d676f9484c99c8759f1a5457ac", "reply_c246c6bab889480b83eb1442ab947986",
                          "f67ddb563b62476bbfbfb255b6484590"};
    char *body;
    ck_assert_ptr_null(heat_rpc_message_build(heat_test_pool, ctx, "list_stacks", args, "1.33", &ids, &body));
    ck_assert_str_eq(
        body,
        "{\"oslo.version\": \"2.0\", \"oslo.message\": \"{\\\"method\\\": \\\"list_stacks\\\", \\\"args\\\": "
        "{\\\"limit\\\": null, \\\"sort_keys\\\": null, \\\"marker\\\": null, \\\"sort_dir\\\": null, "
        "\\\"filters\\\": null, \\\"show_deleted\\\": false, \\\"show_nested\\\": false, \\\"show_hidden\\\": "
        "false, \\\"tags\\\": null, \\\"tags_any\\\": null, \\\"not_tags\\\": null, \\\"not_tags_any\\\": "
        "null}, \\\"version\\\": \\\"1.33\\\", \\\"_msg_id\\\": \\\"83e891d676f9484c99c8759f1a5457ac\\\", "
        "\\\"_reply_q\\\": \\\"reply_c246c6bab889480b83eb1442ab947986\\\", \\\"_timeout\\\": null, "
        "\\\"_unique_id\\\": \\\"f67ddb563b62476bbfbfb255b6484590\\\", \\\"_context_auth_token\\\": "
        "\\\"gAAAAABmMj...\\\", \\\"_context_request_id\\\": "
        "\\\"req-11111111-2222-3333-4444-555555555555\\\"}\"}");
}
END_TEST

START_TEST(request_defaults_and_errors)
{
    json_t *ctx = heat_json_own(heat_test_pool, json_object());
    heat_rpc_ids_t cast = {NULL, NULL, "f67ddb563b62476bbfbfb255b6484590"};
    char *body;

    /* no version: heat's BASE_RPC_API_VERSION; no args: {} */
    ck_assert_ptr_null(heat_rpc_message_build(heat_test_pool, ctx, "get_revision", NULL, NULL, &cast, &body));
    ck_assert_str_eq(body, "{\"oslo.version\": \"2.0\", \"oslo.message\": \"{\\\"method\\\": "
                           "\\\"get_revision\\\", \\\"args\\\": {}, \\\"version\\\": \\\"1.0\\\", "
                           "\\\"_unique_id\\\": \\\"f67ddb563b62476bbfbfb255b6484590\\\"}\"}");
    /* args is stolen on every path (ASan would report a leak otherwise) */
    ck_assert_ptr_nonnull(heat_rpc_message_build(heat_test_pool, ctx, "m", json_array(), NULL, &cast, &body));
    ck_assert_ptr_null(body);
    ck_assert_ptr_nonnull(heat_rpc_message_build(heat_test_pool, ctx, NULL, json_object(), NULL, &cast, &body));
    ck_assert_ptr_nonnull(heat_rpc_message_build(heat_test_pool, heat_json_own(heat_test_pool, json_array()),
                                                 "m", json_object(), NULL, &cast, &body));
}
END_TEST

START_TEST(ids_and_expiration)
{
    int i;
    for (i = 0; i < 50; i++) {
        const char *u = heat_rpc_uuid_hex(heat_test_pool);
        ck_assert_uint_eq(strlen(u), 32);
        ck_assert_uint_eq(strspn(u, "0123456789abcdef"), 32);
        ck_assert_int_eq(u[12], '4');
        ck_assert_ptr_nonnull(strchr("89ab", u[16]));
    }
    ck_assert_str_ne(heat_rpc_uuid_hex(heat_test_pool), heat_rpc_uuid_hex(heat_test_pool));
    ck_assert_str_eq(heat_rpc_expiration(heat_test_pool, apr_time_from_sec(60)), "60000");
    ck_assert_str_eq(heat_rpc_expiration(heat_test_pool, apr_time_from_msec(1500)), "1500");
}
END_TEST

/* ---- replies ------------------------------------------------------------------------------ */

START_TEST(reply_golden_result)
{
    json_t *g = load_golden("list_stacks.reply.json");
    const char *body = json_string_value(json_object_get(g, "body"));
    heat_rpc_incoming_t in;
    ck_assert_ptr_null(heat_rpc_reply_parse(heat_test_pool, body, strlen(body), &in));
    ck_assert(in.ending);
    ck_assert(!in.failed);
    ck_assert_uint_eq(strlen(in.msg_id), 32);
    ck_assert_uint_eq(strlen(in.unique_id), 32);
    ck_assert(json_is_array(in.result));
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(in.result, 0), "stack_name")), "bench-stack");
    /* non-ASCII arrives as \u escapes inside the string inside the string */
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(in.result, 0), "description")),
                     "caf\xc3\xa9 \xe2\x98\x83");
}
END_TEST

START_TEST(reply_golden_failures)
{
    json_t *g = load_golden("create_stack_exists.reply.json");
    const char *body = json_string_value(json_object_get(g, "body"));
    heat_rpc_incoming_t in;
    size_t n;

    ck_assert_str_eq(json_string_value(json_object_get(g, "exchange")), "");
    ck_assert(json_is_true(json_object_get(g, "mandatory")));
    ck_assert_ptr_null(heat_rpc_reply_parse(heat_test_pool, body, strlen(body), &in));
    ck_assert(in.failed);
    ck_assert(in.ending);
    ck_assert_ptr_null(in.result);
    ck_assert_str_eq(in.failure.cls, "StackExists");
    ck_assert_str_eq(in.failure.module, "heat.common.exception");
    ck_assert_str_eq(in.failure.message, "The Stack (caf\xc3\xa9-stack) already exists.");
    ck_assert_int_eq(json_array_size(in.failure.args), 0);
    ck_assert_str_eq(json_string_value(json_object_get(in.failure.kwargs, "stack_name")), "caf\xc3\xa9-stack");
    n = json_array_size(in.failure.tb);
    ck_assert_uint_ge(n, 3);
    ck_assert_str_eq(json_string_value(json_array_get(in.failure.tb, 0)), "Traceback (most recent call last):\n");
    ck_assert_str_eq(json_string_value(json_array_get(in.failure.tb, n - 1)),
                     "heat.common.exception.StackExists: The Stack (caf\xc3\xa9-stack) already exists.\n");
    /* "\n".join(tb), as oslo appends it to the message */
    ck_assert_ptr_nonnull(strstr(in.failure.traceback, "last):\n\n  File "));

    g = load_golden("unsupported_version.reply.json");
    body = json_string_value(json_object_get(g, "body"));
    ck_assert_ptr_null(heat_rpc_reply_parse(heat_test_pool, body, strlen(body), &in));
    ck_assert_str_eq(in.failure.cls, "UnsupportedVersion");
    ck_assert_str_eq(in.failure.module, "oslo_messaging.rpc.dispatcher");
    ck_assert_str_eq(in.failure.message, "Endpoint does not support RPC version 1.37. Attempted method: list_stacks");
    ck_assert_str_eq(json_string_value(json_array_get(in.failure.args, 0)), in.failure.message);
    ck_assert_int_eq(json_object_size(in.failure.kwargs), 0);
}
END_TEST

START_TEST(reply_engine_payloads_verified)
{
    /* failures a real heat-engine sent back, tb shortened */
    static const struct {
        const char *failure, *cls, *module, *message;
        int nargs;
        const char *kwarg, *kwval;
    } cases[] = {
        {"{\"class\": \"UnsupportedVersion\", \"module\": \"oslo_messaging.rpc.dispatcher\", \"message\": "
         "\"Endpoint does not support RPC version 9.9. Attempted method: list_stacks\", \"tb\": [\"a\\n\", "
         "\"b\\n\", \"c\\n\", \"d\\n\"], \"args\": [\"Endpoint does not support RPC version 9.9. Attempted "
         "method: list_stacks\"], \"kwargs\": {}}",
         "UnsupportedVersion", "oslo_messaging.rpc.dispatcher",
         "Endpoint does not support RPC version 9.9. Attempted method: list_stacks", 1, NULL, NULL},
        {"{\"class\": \"EntityNotFound\", \"module\": \"heat.common.exception\", \"message\": \"The Stack "
         "(rpcspike-no-such-stack) could not be found.\", \"tb\": [\"Traceback (most recent call last):\\n\", "
         "\"  File \\\"/usr/lib/python3/dist-packages/heat/common/context.py\\\", line 391, in wrapped\\n    "
         "return func(self, ctx, *args, **kwargs)\\n           ^^^^^^\\n\", \"x\\n\", "
         "\"heat.common.exception.EntityNotFound: The Stack (rpcspike-no-such-stack) could not be found.\\n\"], "
         "\"args\": [], \"kwargs\": {\"entity\": \"Stack\", \"name\": \"rpcspike-no-such-stack\"}}",
         "EntityNotFound", "heat.common.exception", "The Stack (rpcspike-no-such-stack) could not be found.", 0,
         "entity", "Stack"},
        {"{\"class\": \"NoSuchMethod\", \"module\": \"oslo_messaging.rpc.dispatcher\", \"message\": \"Endpoint "
         "does not support RPC method nope\", \"tb\": [], \"args\": [\"Endpoint does not support RPC method "
         "nope\"], \"kwargs\": {}}",
         "NoSuchMethod", "oslo_messaging.rpc.dispatcher", "Endpoint does not support RPC method nope", 1, NULL, NULL},
        {"{\"class\": \"TypeError\", \"module\": \"builtins\", \"message\": \"EngineService.identify_stack() got "
         "an unexpected keyword argument 'stack_nam'\", \"tb\": [\"t\\n\"], \"args\": [\"EngineService."
         "identify_stack() got an unexpected keyword argument 'stack_nam'\"], \"kwargs\": {}}",
         "TypeError", "builtins", "EngineService.identify_stack() got an unexpected keyword argument 'stack_nam'",
         1, NULL, NULL},
    };
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *body = failure_body("64e34cf8997f45edb9d2e9ab3c2cd220", cases[i].failure);
        heat_rpc_incoming_t in;
        ck_assert_ptr_null(heat_rpc_reply_parse(heat_test_pool, body, strlen(body), &in));
        ck_assert(in.failed && in.ending);
        ck_assert_str_eq(in.msg_id, "64e34cf8997f45edb9d2e9ab3c2cd220");
        ck_assert_str_eq(in.failure.cls, cases[i].cls);
        ck_assert_str_eq(in.failure.module, cases[i].module);
        ck_assert_str_eq(in.failure.message, cases[i].message);
        ck_assert_int_eq((int)json_array_size(in.failure.args), cases[i].nargs);
        if (cases[i].kwarg)
            ck_assert_str_eq(json_string_value(json_object_get(in.failure.kwargs, cases[i].kwarg)), cases[i].kwval);
    }
}
END_TEST

START_TEST(reply_malformed)
{
    heat_rpc_incoming_t in;
    heat_rpc_failure_t f;
    const char *b;

    ck_assert_ptr_nonnull(heat_rpc_reply_parse(heat_test_pool, "nope", 4, &in));
    ck_assert_ptr_nonnull(heat_rpc_reply_parse(heat_test_pool, "[1]", 3, &in));
    b = "{\"oslo.version\": \"3.0\", \"oslo.message\": \"{}\"}";
    ck_assert_ptr_nonnull(heat_rpc_reply_parse(heat_test_pool, b, strlen(b), &in));
    b = "{\"oslo.version\": \"2.1\", \"oslo.message\": \"{}\"}";
    ck_assert_ptr_nonnull(heat_rpc_reply_parse(heat_test_pool, b, strlen(b), &in));
    b = "{\"oslo.version\": \"2.0\", \"oslo.message\": {}}";
    ck_assert_ptr_nonnull(heat_rpc_reply_parse(heat_test_pool, b, strlen(b), &in));
    b = "{\"oslo.version\": \"2.0\", \"oslo.message\": \"[]\"}";
    ck_assert_ptr_nonnull(heat_rpc_reply_parse(heat_test_pool, b, strlen(b), &in));
    /* a dict without the envelope keys is an old (v1) message: read as is */
    b = "{\"result\": 5, \"failure\": null, \"ending\": true, \"_msg_id\": \"m\"}";
    ck_assert_ptr_null(heat_rpc_reply_parse(heat_test_pool, b, strlen(b), &in));
    ck_assert_int_eq(json_integer_value(in.result), 5);
    ck_assert_str_eq(in.msg_id, "m");
    /* a failure that is not oslo's JSON: its text becomes the message */
    ck_assert_ptr_nonnull(heat_rpc_failure_decode(heat_test_pool,
                                                  heat_json_own(heat_test_pool, json_string("boom")), &f));
    ck_assert_str_eq(f.message, "boom");
    ck_assert_str_eq(f.cls, "");
    ck_assert(json_is_array(f.tb) && json_is_array(f.args) && json_is_object(f.kwargs));
    /* fields missing: defaults */
    ck_assert_ptr_null(heat_rpc_failure_decode(heat_test_pool,
                                               heat_json_own(heat_test_pool, json_string("{\"class\": \"X\"}")), &f));
    ck_assert_str_eq(f.cls, "X");
    ck_assert_str_eq(f.module, "");
    ck_assert_str_eq(f.traceback, "");
}
END_TEST

/* ---- the waiter ----------------------------------------------------------------------------- */

#define MSG "83e891d676f9484c99c8759f1a5457ac"

START_TEST(waiter_drops_stale_replies)
{
    heat_rpc_dedup_t dedup = {{{0}}, 0};
    heat_rpc_waiter_t w;
    heat_rpc_reply_t reply;

    heat_rpc_waiter_init(&w, heat_test_pool, MSG, &dedup);
    /* a late answer to an earlier, timed-out call on the same reply queue */
    ck_assert(!feed(&w, reply_body("{\"result\": \"old\", \"failure\": null, \"ending\": true, \"_msg_id\": "
                                   "\"00000000000000000000000000000000\", \"_unique_id\": \"u1\"}")));
    ck_assert_uint_eq(w.stale, 1);
    ck_assert(!feed(&w, "not json"));
    ck_assert_uint_eq(w.garbage, 1);
    ck_assert(feed(&w, reply_body("{\"result\": {\"a\": [1]}, \"failure\": null, \"ending\": true, \"_msg_id\": \""
                                  MSG "\", \"_unique_id\": \"u2\"}")));
    memset(&reply, 0, sizeof(reply));
    heat_rpc_waiter_finish(&w, &reply);
    ck_assert_int_eq(reply.outcome, HEAT_RPC_OK);
    ck_assert_str_eq(heat_json_dump(heat_test_pool, reply.result, 0), "{\"a\": [1]}");
}
END_TEST

START_TEST(waiter_call_monitor_and_old_style_ending)
{
    heat_rpc_dedup_t dedup = {{{0}}, 0};
    heat_rpc_waiter_t w;
    heat_rpc_reply_t reply;

    heat_rpc_waiter_init(&w, heat_test_pool, MSG, &dedup);
    /* call-monitor heartbeat */
    ck_assert(!feed(&w, reply_body("{\"result\": null, \"failure\": null, \"ending\": false, \"_msg_id\": \"" MSG
                                   "\", \"_unique_id\": \"h1\"}")));
    ck_assert_uint_eq(w.heartbeats, 1);
    /* pre-N servers: the result with ending false, then an ending-only message */
    ck_assert(!feed(&w, reply_body("{\"result\": [\"kept\"], \"failure\": null, \"ending\": false, \"_msg_id\": \"" MSG
                                   "\", \"_unique_id\": \"r1\"}")));
    /* the same message again (redelivered): dropped by its _unique_id */
    ck_assert(!feed(&w, reply_body("{\"result\": [\"dup\"], \"failure\": null, \"ending\": true, \"_msg_id\": \"" MSG
                                   "\", \"_unique_id\": \"r1\"}")));
    ck_assert_uint_eq(w.duplicates, 1);
    ck_assert(feed(&w, reply_body("{\"result\": null, \"failure\": null, \"ending\": true, \"_msg_id\": \"" MSG
                                  "\", \"_unique_id\": \"e1\"}")));
    memset(&reply, 0, sizeof(reply));
    heat_rpc_waiter_finish(&w, &reply);
    ck_assert_int_eq(reply.outcome, HEAT_RPC_OK);
    ck_assert_str_eq(heat_json_dump(heat_test_pool, reply.result, 0), "[\"kept\"]");
}
END_TEST

START_TEST(waiter_failure_and_null_result)
{
    heat_rpc_dedup_t dedup = {{{0}}, 0};
    heat_rpc_waiter_t w;
    heat_rpc_reply_t reply;
    int i;

    heat_rpc_waiter_init(&w, heat_test_pool, MSG, &dedup);
    ck_assert(feed(&w, failure_body(MSG, "{\"class\": \"StackExists\", \"module\": \"heat.common.exception\", "
                                         "\"message\": \"The Stack (s) already exists.\", \"tb\": [\"a\\n\", "
                                         "\"b\\n\"], \"args\": [], \"kwargs\": {\"stack_name\": \"s\"}}")));
    memset(&reply, 0, sizeof(reply));
    heat_rpc_waiter_finish(&w, &reply);
    ck_assert_int_eq(reply.outcome, HEAT_RPC_REMOTE_FAILURE);
    ck_assert_ptr_null(reply.result);
    ck_assert_str_eq(reply.failure.cls, "StackExists");
    ck_assert_str_eq(reply.failure.traceback, "a\n\nb\n");
    ck_assert_str_eq(json_string_value(json_object_get(reply.failure.kwargs, "stack_name")), "s");

    /* None returned: JSON null, outcome OK */
    heat_rpc_waiter_init(&w, heat_test_pool, MSG, &dedup);
    ck_assert(feed(&w, reply_body("{\"result\": null, \"failure\": null, \"ending\": true, \"_msg_id\": \"" MSG
                                  "\", \"_unique_id\": \"n1\"}")));
    memset(&reply, 0, sizeof(reply));
    heat_rpc_waiter_finish(&w, &reply);
    ck_assert_int_eq(reply.outcome, HEAT_RPC_OK);
    ck_assert(json_is_null(reply.result));

    /* the de-duplication memory keeps the last 16 ids */
    for (i = 0; i < 16; i++)
        ck_assert_int_eq(dedup.ids[i][0] != '\0', i < 2);
}
END_TEST

/* ---- the pool without a broker ---------------------------------------------------------- */

START_TEST(pool_unreachable_is_fast_and_leak_free)
{
    heat_rpc_settings_t s;
    heat_rpc_conf_t *conf;
    heat_rpc_pool_t *rp;
    heat_rpc_reply_t reply;
    apr_pool_t *child;
    json_t *ctx = heat_json_own(heat_test_pool, json_pack("{s:s}", "auth_token", "secret"));
    apr_time_t t0;

    heat_rpc_settings_init(&s);
    /* port 1 on loopback: refused at once; two hosts to go through the failover loop */
    s.transport_url = "rabbit://u:pw@127.0.0.1:1,u:pw@127.0.0.1:1/";
    ck_assert_ptr_null(heat_rpc_conf_make(heat_test_pool, &s, &conf));
    apr_pool_create(&child, heat_test_pool);
    ck_assert_int_eq(heat_rpc_pool_create(child, conf, &rp), APR_SUCCESS);
    t0 = apr_time_now();
    ck_assert_int_eq(heat_rpc_call(rp, heat_test_pool, ctx, "list_stacks", json_object(), "1.33", 0, &reply),
                     HEAT_RPC_UNREACHABLE);
    ck_assert_ptr_nonnull(strstr(reply.error, "no AMQP server reachable"));
    ck_assert_ptr_null(strstr(reply.error, "pw@"));
    ck_assert_uint_eq(strlen(reply.msg_id), 32);
    /* within the fail-fast window: not even tried */
    ck_assert_int_eq(heat_rpc_cast(rp, heat_test_pool, ctx, "stack_cancel_update", json_object(), "1.14", &reply),
                     HEAT_RPC_UNREACHABLE);
    ck_assert_ptr_nonnull(strstr(reply.error, "not retried"));
    ck_assert_ptr_null(reply.msg_id);
    ck_assert(apr_time_now() - t0 < apr_time_from_sec(2));
    /* a bad request is refused before anything is sent, and args is still freed */
    ck_assert_int_eq(heat_rpc_call(rp, heat_test_pool, ctx, "m", json_array(), NULL, 0, &reply),
                     HEAT_RPC_UNREACHABLE);
    apr_pool_destroy(child); /* stops the maintenance thread, destroys the connections */
}
END_TEST

/* An oversize request is refused before a connection is taken, as heat's RequestLimitExceeded
 * (a 400 for both APIs), not UNREACHABLE (503) after a retry. */
static json_t *big_args(apr_size_t size)
{
    char *s = apr_palloc(heat_test_pool, size + 1);
    memset(s, 'x', size);
    s[size] = '\0';
    return json_pack("{s:s}", "template", s);
}

START_TEST(request_over_the_cap_is_never_built)
{
    heat_rpc_ids_t ids = {NULL, NULL, "0123456789abcdef0123456789abcdef"};
    json_t *ctx = heat_json_own(heat_test_pool, json_object());
    char *body = NULL;

    ck_assert_ptr_eq(heat_rpc_message_build(heat_test_pool, ctx, "create_stack", big_args(HEAT_RPC_MAX_MESSAGE), "1.36",
                                            &ids, &body),
                     heat_rpc_too_large);
    ck_assert_ptr_null(body);
    /* escaping counts: quotes double in the envelope */
    {
        char *q = apr_palloc(heat_test_pool, HEAT_RPC_MAX_MESSAGE / 2 + 2);
        memset(q, '"', HEAT_RPC_MAX_MESSAGE / 2 + 1);
        q[HEAT_RPC_MAX_MESSAGE / 2 + 1] = '\0';
        ck_assert_ptr_eq(heat_rpc_message_build(heat_test_pool, ctx, "m", json_pack("{s:s}", "a", q), NULL, &ids, &body),
                         heat_rpc_too_large);
    }
    ck_assert_ptr_null(heat_rpc_message_build(heat_test_pool, ctx, "m", big_args(1024 * 1024), NULL, &ids, &body));
    ck_assert_uint_gt(strlen(body), 1024 * 1024);
}
END_TEST

START_TEST(pool_refuses_oversize_and_times_out_in_time)
{
    heat_rpc_settings_t s;
    heat_rpc_conf_t *conf;
    heat_rpc_pool_t *rp;
    heat_rpc_reply_t reply;
    heat_result_t fault;
    apr_pool_t *child;
    json_t *ctx = heat_json_own(heat_test_pool, json_pack("{s:s}", "auth_token", "secret"));
    apr_time_t t0;

    heat_rpc_settings_init(&s);
    s.transport_url = "rabbit://u:pw@127.0.0.1:1/";
    ck_assert_ptr_null(heat_rpc_conf_make(heat_test_pool, &s, &conf));
    apr_pool_create(&child, heat_test_pool);
    ck_assert_int_eq(heat_rpc_pool_create(child, conf, &rp), APR_SUCCESS);
    t0 = apr_time_now();
    ck_assert_int_eq(heat_rpc_call(rp, heat_test_pool, ctx, "validate_template", big_args(HEAT_RPC_MAX_MESSAGE + 1),
                                   "1.36", 0, &reply),
                     HEAT_RPC_REMOTE_FAILURE);
    ck_assert(apr_time_now() - t0 < apr_time_from_sec(1));
    ck_assert_str_eq(reply.failure.cls, "RequestLimitExceeded");
    ck_assert_str_eq(reply.failure.module, "heat.common.exception");
    ck_assert_ptr_nonnull(strstr(reply.failure.message, "Request limit exceeded: "));
    heat_result_from_remote(heat_test_pool, reply.failure.cls, reply.failure.module, reply.failure.message,
                           reply.failure.args, reply.failure.kwargs, reply.failure.traceback, 0, &fault);
    ck_assert_int_eq(fault.status, 400);
    ck_assert_str_eq(fault.type, "RequestLimitExceeded");
    /* args and context just under the cap: the call measures them once and does not measure the
     * whole message again, but the envelope's few hundred bytes more still make it refused */
    ck_assert_int_eq(heat_rpc_call(rp, heat_test_pool, ctx, "validate_template",
                                   big_args(HEAT_RPC_MAX_MESSAGE - 64), "1.36", 0, &reply),
                     HEAT_RPC_REMOTE_FAILURE);
    ck_assert_str_eq(reply.failure.cls, "RequestLimitExceeded");
    /* a call whose time is used up before it could send is a timeout, not "unreachable" */
    ck_assert_int_eq(heat_rpc_call(rp, heat_test_pool, ctx, "list_stacks", json_object(), "1.33", 1, &reply),
                     HEAT_RPC_TIMEOUT);
    apr_pool_destroy(child);
}
END_TEST

Suite *heat_test_rpc_suite(void)
{
    Suite *s = suite_create("rpc");
    TCase *tc = tcase_create("url");
    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, url_multi_host_failover_order);
    tcase_add_test(tc, url_defaults);
    tcase_add_test(tc, url_vhost_and_decoding);
    tcase_add_test(tc, url_ipv6_and_empty_items);
    tcase_add_test(tc, url_query_overrides);
    tcase_add_test(tc, url_errors_name_the_option_and_hide_the_password);
    tcase_add_test(tc, settings_checks);
    tcase_add_test(tc, url_redaction);
    tcase_add_test(tc, shared_pool);
    suite_add_tcase(s, tc);

    tc = tcase_create("request");
    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, request_list_stacks_as_heat_api);
    tcase_add_test(tc, request_create_stack_non_ascii);
    tcase_add_test(tc, request_empty_args_and_cast);
    tcase_add_test(tc, request_spec_example_bytes);
    tcase_add_test(tc, request_defaults_and_errors);
    tcase_add_test(tc, ids_and_expiration);
    tcase_add_test(tc, request_over_the_cap_is_never_built);
    suite_add_tcase(s, tc);

    tc = tcase_create("reply");
    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, reply_golden_result);
    tcase_add_test(tc, reply_golden_failures);
    tcase_add_test(tc, reply_engine_payloads_verified);
    tcase_add_test(tc, reply_malformed);
    tcase_add_test(tc, waiter_drops_stale_replies);
    tcase_add_test(tc, waiter_call_monitor_and_old_style_ending);
    tcase_add_test(tc, waiter_failure_and_null_result);
    suite_add_tcase(s, tc);

    tc = tcase_create("pool");
    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, pool_unreachable_is_fast_and_leak_free);
    tcase_add_test(tc, pool_refuses_oversize_and_times_out_in_time);
    suite_add_tcase(s, tc);
    return s;
}
