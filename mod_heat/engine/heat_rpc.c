/* heat_rpc.c: the oslo.messaging RPC client (see heat_rpc.h): configuration checks, the
 * per-process connection pool, call/cast, and the pure envelope and reply functions.
 * Wire format: oslo.messaging's amqpdriver.py and _drivers/common.py (serialize_msg); the
 * goldens in test/golden/rpc were captured from heat's EngineClient and a real oslo.messaging
 * server. */
#include "heat_rpc.h"

#include "heat_body.h"
#include "heat_json.h"
#include "heat_log.h"
#include "heat_pool.h"
#include "heat_stats.h"

#include <amqp_ssl_socket.h>

#include <apr_atomic.h>
#include <apr_reslist.h>
#include <apr_strings.h>
#include <apr_general.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* kombu's connect_timeout; oslo sets no other. Applies per host. */
#define HEAT_RPC_CONNECT_TIMEOUT apr_time_from_sec(5)

/* ---- settings --------------------------------------------------------------------------- */

void heat_rpc_settings_init(heat_rpc_settings_t *s)
{
    memset(s, 0, sizeof(*s));
    s->transport_url = "rabbit://";
    s->control_exchange = "heat";
    s->rpc_response_timeout = 60;
    s->topic = "engine";
    s->ssl_version = "";
    s->ssl_key_file = "";
    s->ssl_cert_file = "";
    s->ssl_ca_file = "";
    s->heartbeat_timeout_threshold = 60;
    s->heartbeat_rate = 2;
    s->kombu_reconnect_delay = 1.0;
    s->kombu_failover_strategy = "round-robin";
    s->rabbit_login_method = "AMQPLAIN";
    s->rabbit_retry_interval = 1;
    s->rabbit_retry_backoff = 2;
    s->rabbit_interval_max = 30;
    s->rabbit_transient_queues_ttl = 1800;
    s->rpc_conn_pool_size = 30;
    s->conn_pool_ttl = 1200;
}

typedef enum { OPT_BOOL, OPT_INT, OPT_FLOAT, OPT_STR } opt_kind_t;

/* Every option of oslo.messaging 14.0.3's [oslo_messaging_rabbit] group (rabbit_opts,
 * amqp_opts, base_opts): a transport_url query may set any of them (ConfigOptsProxy) and
 * nothing else. offset < 0: accepted and type-checked, but it changes nothing in mod_heat. */
static const struct {
    const char *name;
    opt_kind_t kind;
    long offset;
    double min, max; /* numeric bounds (oslo's), when min < max */
} rabbit_opts[] = {
#define F(m) ((long)offsetof(heat_rpc_settings_t, m))
    {"ssl", OPT_BOOL, F(ssl), 0, 0},
    {"ssl_version", OPT_STR, F(ssl_version), 0, 0},
    {"ssl_key_file", OPT_STR, F(ssl_key_file), 0, 0},
    {"ssl_cert_file", OPT_STR, F(ssl_cert_file), 0, 0},
    {"ssl_ca_file", OPT_STR, F(ssl_ca_file), 0, 0},
    {"ssl_enforce_hostname_verification", OPT_BOOL, F(ssl_enforce_hostname_verification), 0, 0},
    {"ssl_enforce_fips_mode", OPT_BOOL, -1, 0, 0},
    {"heartbeat_in_pthread", OPT_BOOL, -1, 0, 0},
    {"kombu_reconnect_delay", OPT_FLOAT, F(kombu_reconnect_delay), 0.0, 4.5},
    {"kombu_compression", OPT_STR, F(kombu_compression), 0, 0},
    {"kombu_missing_consumer_retry_timeout", OPT_INT, -1, 0, 0},
    {"kombu_failover_strategy", OPT_STR, F(kombu_failover_strategy), 0, 0},
    {"rabbit_login_method", OPT_STR, F(rabbit_login_method), 0, 0},
    {"rabbit_retry_interval", OPT_INT, F(rabbit_retry_interval), 0, 0},
    {"rabbit_retry_backoff", OPT_INT, F(rabbit_retry_backoff), 0, 0},
    {"rabbit_interval_max", OPT_INT, F(rabbit_interval_max), 0, 0},
    {"rabbit_ha_queues", OPT_BOOL, F(rabbit_ha_queues), 0, 0},
    {"rabbit_quorum_queue", OPT_BOOL, F(rabbit_quorum_queue), 0, 0},
    {"rabbit_quorum_delivery_limit", OPT_INT, -1, 0, 0},
    {"rabbit_quroum_max_memory_length", OPT_INT, -1, 0, 0},
    {"rabbit_quroum_max_memory_bytes", OPT_INT, -1, 0, 0},
    {"rabbit_transient_queues_ttl", OPT_INT, F(rabbit_transient_queues_ttl), 1, 2147483},
    {"rabbit_qos_prefetch_count", OPT_INT, -1, 0, 0},
    {"heartbeat_timeout_threshold", OPT_INT, F(heartbeat_timeout_threshold), 0, 0},
    {"heartbeat_rate", OPT_INT, F(heartbeat_rate), 0, 0},
    {"direct_mandatory_flag", OPT_BOOL, -1, 0, 0},
    {"enable_cancel_on_failover", OPT_BOOL, F(enable_cancel_on_failover), 0, 0},
    {"amqp_durable_queues", OPT_BOOL, F(amqp_durable_queues), 0, 0},
    {"amqp_auto_delete", OPT_BOOL, F(amqp_auto_delete), 0, 0},
    {"rpc_conn_pool_size", OPT_INT, F(rpc_conn_pool_size), 1, 2147483647.0},
    {"conn_pool_min_size", OPT_INT, -1, 0, 0},
    {"conn_pool_ttl", OPT_INT, F(conn_pool_ttl), 0, 0},
#undef F
};

/* oslo.config's Boolean type. */
static int parse_bool(const char *v, int *out)
{
    static const char *const t[] = {"true", "1", "on", "yes"}, *const f[] = {"false", "0", "off", "no"};
    size_t i;
    for (i = 0; i < 4; i++) {
        if (!strcasecmp(v, t[i])) {
            *out = 1;
            return 1;
        }
        if (!strcasecmp(v, f[i])) {
            *out = 0;
            return 1;
        }
    }
    return 0;
}

/* Python's int() of a stripped string, within int range. */
static int parse_int(const char *v, int *out)
{
    char *end;
    long n;
    while (isspace((unsigned char)*v))
        v++;
    if (!*v)
        return 0;
    errno = 0;
    n = strtol(v, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end || n < -2147483647L - 1 || n > 2147483647L)
        return 0;
    *out = (int)n;
    return 1;
}

static const char *apply_query_option(apr_pool_t *p, heat_rpc_settings_t *s, const char *name,
                                      const char *value)
{
    size_t i;
    for (i = 0; i < sizeof(rabbit_opts) / sizeof(rabbit_opts[0]); i++) {
        void *field;
        if (strcmp(rabbit_opts[i].name, name))
            continue;
        field = rabbit_opts[i].offset >= 0 ? (char *)s + rabbit_opts[i].offset : NULL;
        switch (rabbit_opts[i].kind) {
        case OPT_BOOL: {
            int b;
            if (!parse_bool(value, &b))
                return apr_psprintf(p, "query option %s: '%s' is not a boolean", name, value);
            if (field)
                *(int *)field = b;
            return NULL;
        }
        case OPT_INT: {
            int n;
            if (!parse_int(value, &n))
                return apr_psprintf(p, "query option %s: '%s' is not an integer", name, value);
            if (rabbit_opts[i].min < rabbit_opts[i].max
                && (n < rabbit_opts[i].min || n > rabbit_opts[i].max))
                return apr_psprintf(p, "query option %s: %d is out of range", name, n);
            if (field)
                *(int *)field = n;
            return NULL;
        }
        case OPT_FLOAT: {
            char *end;
            double d = strtod(value, &end);
            while (isspace((unsigned char)*end))
                end++;
            if (end == value || *end || !isfinite(d))
                return apr_psprintf(p, "query option %s: '%s' is not a number", name, value);
            if (rabbit_opts[i].min < rabbit_opts[i].max
                && (d < rabbit_opts[i].min || d > rabbit_opts[i].max))
                return apr_psprintf(p, "query option %s: %s is out of range", name, value);
            if (field)
                *(double *)field = d;
            return NULL;
        }
        case OPT_STR:
            if (field)
                *(const char **)field = value;
            return NULL;
        }
    }
    return apr_psprintf(p, "unknown query option '%s' (only [oslo_messaging_rabbit] options may "
                           "be set in the URL)",
                        name);
}

static const char *nonempty(const char *s)
{
    return (s && *s) ? s : NULL;
}

const char *heat_rpc_conf_make(apr_pool_t *p, const heat_rpc_settings_t *in, heat_rpc_conf_t **out)
{
    heat_rpc_settings_t s = *in;
    heat_rpc_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    heat_amqp_conf_t *a = &conf->amqp;
    heat_amqp_url_t *url;
    const char *raw = nonempty(in->transport_url) ? in->transport_url : "rabbit://";
    const char *err, *redacted = heat_amqp_url_redact(p, raw);
    apr_table_t *from_url;
    const apr_array_header_t *qa;
    int i;

#define OPT_NAME(opt) \
    (apr_table_get(from_url, opt) ? "[DEFAULT] transport_url query option " opt \
                                  : "[oslo_messaging_rabbit] " opt)

    *out = NULL;
    if ((err = heat_amqp_url_parse(p, raw, &url)) != NULL)
        return apr_pstrcat(p, "[DEFAULT] transport_url: ", err, NULL);
    if (strcmp(url->scheme, "rabbit") && strcmp(url->scheme, "kombu"))
        return apr_psprintf(p, "[DEFAULT] transport_url: transport '%s' is not supported, only "
                               "rabbit:// (RabbitMQ) (%s)",
                            url->scheme, redacted);
    from_url = apr_table_make(p, 4);
    qa = apr_table_elts(url->query);
    for (i = 0; i < qa->nelts; i++) {
        const apr_table_entry_t *e = &APR_ARRAY_IDX(qa, i, apr_table_entry_t);
        if ((err = apply_query_option(p, &s, e->key, e->val)) != NULL)
            return apr_psprintf(p, "[DEFAULT] transport_url: %s (%s)", err, redacted);
        apr_table_setn(from_url, e->key, "1");
    }

    /* checks of the values, wherever they came from */
    if (s.rpc_response_timeout <= 0)
        return "[DEFAULT] rpc_response_timeout: must be a positive number of seconds";
    if (!nonempty(s.control_exchange))
        return "[DEFAULT] control_exchange: must not be empty";
    if (s.heartbeat_timeout_threshold < 0 || s.heartbeat_timeout_threshold > 65535)
        return apr_pstrcat(p, OPT_NAME("heartbeat_timeout_threshold"),
                           ": must be 0 (off) to 65535 seconds", NULL);
    if (s.heartbeat_rate <= 0)
        return apr_pstrcat(p, OPT_NAME("heartbeat_rate"), ": must be positive", NULL);
    if (s.rabbit_ha_queues && s.rabbit_quorum_queue)
        return "[oslo_messaging_rabbit] rabbit_quorum_queue and rabbit_ha_queues: both enabled, "
               "queue type is quorum or HA (mirrored) not both";
    if (s.rabbit_transient_queues_ttl < 1 || s.rabbit_transient_queues_ttl > 2147483)
        return apr_pstrcat(p, OPT_NAME("rabbit_transient_queues_ttl"),
                           ": must be 1 to 2147483 seconds", NULL);
    if (s.rpc_conn_pool_size < 1)
        return apr_pstrcat(p, OPT_NAME("rpc_conn_pool_size"), ": must be at least 1", NULL);
    if (s.conn_pool_ttl < 0)
        return apr_pstrcat(p, OPT_NAME("conn_pool_ttl"), ": must not be negative", NULL);
    if (s.rabbit_retry_interval < 0 || s.rabbit_retry_backoff < 0 || s.rabbit_interval_max < 0)
        return "[oslo_messaging_rabbit] rabbit_retry_interval, rabbit_retry_backoff, "
               "rabbit_interval_max: must not be negative";
    if (s.kombu_reconnect_delay < 0.0 || s.kombu_reconnect_delay > 4.5)
        return apr_pstrcat(p, OPT_NAME("kombu_reconnect_delay"), ": must be 0.0 to 4.5", NULL);
    if (nonempty(s.kombu_compression))
        return apr_pstrcat(p, OPT_NAME("kombu_compression"),
                           ": compressed messages are not supported by mod_heat (unset it for "
                           "heat-engine too)",
                           NULL);
    if (s.kombu_failover_strategy && strcmp(s.kombu_failover_strategy, "round-robin")
        && strcmp(s.kombu_failover_strategy, "shuffle"))
        return apr_psprintf(p, "%s: '%s' is not one of round-robin, shuffle",
                            OPT_NAME("kombu_failover_strategy"), s.kombu_failover_strategy);
    if (!s.rabbit_login_method || !strcmp(s.rabbit_login_method, "AMQPLAIN")
        || !strcmp(s.rabbit_login_method, "PLAIN"))
        a->sasl_external = 0;
    else if (!strcmp(s.rabbit_login_method, "EXTERNAL"))
        a->sasl_external = 1;
    else if (!strcmp(s.rabbit_login_method, "RABBIT-CR-DEMO"))
        return apr_pstrcat(p, OPT_NAME("rabbit_login_method"),
                           ": RABBIT-CR-DEMO is not supported by librabbitmq", NULL);
    else
        return apr_psprintf(p, "%s: '%s' is not one of PLAIN, AMQPLAIN, EXTERNAL, RABBIT-CR-DEMO",
                            OPT_NAME("rabbit_login_method"), s.rabbit_login_method);

    /* TLS: oslo's validate_ssl_version accepts these names, case-insensitively */
    a->ssl = s.ssl;
    if (s.ssl && nonempty(s.ssl_version)) {
        if (!strcasecmp(s.ssl_version, "tlsv1"))
            a->ssl_version = AMQP_TLSv1;
        else if (!strcasecmp(s.ssl_version, "tlsv1_1"))
            a->ssl_version = AMQP_TLSv1_1;
        else if (!strcasecmp(s.ssl_version, "tlsv1_2"))
            a->ssl_version = AMQP_TLSv1_2;
        else if (!strcasecmp(s.ssl_version, "sslv23"))
            a->ssl_version = 0;
        else
            return apr_psprintf(p, "%s: invalid SSL version '%s' (tlsv1, tlsv1_1, tlsv1_2, sslv23)",
                                OPT_NAME("ssl_version"), s.ssl_version);
    }
    a->ssl_ca_file = nonempty(s.ssl_ca_file);
    a->ssl_cert_file = nonempty(s.ssl_cert_file);
    a->ssl_key_file = nonempty(s.ssl_key_file);
    a->ssl_verify_hostname = s.ssl_enforce_hostname_verification && a->ssl_ca_file;

    /* hosts, with oslo's and kombu's defaults */
    a->hosts = apr_array_make(p, url->hosts->nelts ? url->hosts->nelts : 1, sizeof(heat_amqp_host_t));
    for (i = 0; i < url->hosts->nelts; i++) {
        const heat_amqp_host_t *h = &APR_ARRAY_IDX(url->hosts, i, heat_amqp_host_t);
        heat_amqp_host_t *d = apr_array_push(a->hosts);
        if (!h->host)
            return apr_psprintf(p, "[DEFAULT] transport_url: host %d has no host name (%s)", i + 1,
                                redacted);
        /* kombu connects to 127.0.0.1 for "localhost" (RabbitMQ often listens on IPv4 only);
         * not when the certificate's name is checked: librabbitmq checks the name it was
         * given, and only against DNS names */
        d->host = (strcmp(h->host, "localhost") || a->ssl_verify_hostname) ? h->host : "127.0.0.1";
        d->port = h->port ? h->port : 5672; /* even with ssl: oslo always writes a port */
        d->user = nonempty(h->user) ? h->user : "guest";
        d->password = nonempty(h->password) ? h->password : "guest";
    }
    if (a->hosts->nelts == 0) {
        heat_amqp_host_t *d = apr_array_push(a->hosts);
        d->host = "127.0.0.1";
        d->port = 5672;
        d->user = "guest";
        d->password = "guest";
    }
    a->vhost = nonempty(url->vhost) ? url->vhost : "/";
    a->redacted_url = redacted;
    a->heartbeat = s.heartbeat_timeout_threshold;
    a->connect_timeout = HEAT_RPC_CONNECT_TIMEOUT;
    a->exchange = s.control_exchange;
    a->exchange_durable = s.amqp_durable_queues || s.rabbit_quorum_queue;
    a->exchange_auto_delete = s.amqp_auto_delete;
    a->reply_expires_ms = s.rabbit_transient_queues_ttl * 1000;
    a->ha_queues = s.rabbit_ha_queues;
    a->cancel_on_failover = s.enable_cancel_on_failover;
    a->retry_interval = apr_time_from_sec(s.rabbit_retry_interval);
    a->retry_backoff = apr_time_from_sec(s.rabbit_retry_backoff);
    a->retry_max = apr_time_from_sec(s.rabbit_interval_max);

    conf->topic = nonempty(s.topic) ? s.topic : "engine";
    conf->timeout = apr_time_from_sec(s.rpc_response_timeout);
    conf->pool_max = s.rpc_conn_pool_size;
    conf->pool_ttl = apr_time_from_sec(s.conn_pool_ttl);
    conf->pool_wait = conf->timeout < HEAT_RPC_POOL_WAIT ? conf->timeout : HEAT_RPC_POOL_WAIT;
    *out = conf;
    return NULL;
#undef OPT_NAME
}

/* ---- pure functions --------------------------------------------------------------------- */

static void uuid_hex(char out[33])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    int i;

    if (apr_generate_random_bytes(b, sizeof(b)) != APR_SUCCESS) {
        /* /dev/urandom unreadable: still unique enough within a process for correlation */
        apr_uint64_t t = (apr_uint64_t)apr_time_now();
        static apr_uint32_t counter;
        memcpy(b, &t, 8);
        counter++;
        memcpy(b + 8, &counter, 4);
        memcpy(b + 12, &b[0], 4);
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    for (i = 0; i < 16; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[32] = '\0';
}

char *heat_rpc_uuid_hex(apr_pool_t *p)
{
    char buf[33];
    uuid_hex(buf);
    return apr_pstrdup(p, buf);
}

const char *heat_rpc_expiration(apr_pool_t *p, apr_interval_time_t timeout)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)(timeout / 1000));
}

const char heat_rpc_too_large[] = "the RPC message would exceed its maximum size";

static int count_until_cap(const char *buffer, size_t size, void *data)
{
    apr_size_t *n = data;
    (void)buffer;
    *n += size;
    return *n > HEAT_RPC_MAX_MESSAGE ? -1 : 0;
}

/* {"oslo.version": "2.0", "oslo.message": "<inner>"} as json.dumps writes it, straight from the
 * inner text into a buffer of its exact size. The inner text is heat_json_dump's, printable ASCII
 * only, so '"' and '\\' are all there is to escape. (Through a jansson string and a second dump,
 * three more copies of a message of up to 16 MiB were alive at once.) */
static char *envelope(apr_pool_t *p, const char *inner, apr_size_t *len)
{
    static const char head[] = "{\"oslo.version\": \"2.0\", \"oslo.message\": \"", tail[] = "\"}";
    apr_size_t n = sizeof(head) - 1 + sizeof(tail) - 1;
    const char *c;
    char *out, *o;

    for (c = inner; *c; c++)
        n += (*c == '"' || *c == '\\') ? 2 : 1;
    out = o = apr_palloc(p, n + 1);
    memcpy(o, head, sizeof(head) - 1);
    o += sizeof(head) - 1;
    for (c = inner; *c; c++) {
        if (*c == '"' || *c == '\\')
            *o++ = '\\';
        *o++ = *c;
    }
    memcpy(o, tail, sizeof(tail));
    *len = n;
    return out;
}

/* measured: the caller has measured args and context under HEAT_RPC_MAX_MESSAGE already
 * (rpc_send), so the message is at most a few hundred bytes over it and measuring it again
 * would only dump the whole message once more (a sixth of a token-cached stack list's
 * instructions); the exact check of the body below still refuses it. */
static const char *message_build(apr_pool_t *p, const json_t *context, const char *method, json_t *args,
                                 const char *version, const heat_rpc_ids_t *ids, int measured, char **body)
{
    json_t *msg;
    apr_pool_t *tmp;
    apr_size_t n = 0;
    const char *key;
    json_t *value;
    char *inner;

    *body = NULL;
    if (args && !json_is_object(args)) {
        json_decref(args);
        return "args must be a JSON object";
    }
    if (context && !json_is_object(context)) {
        json_decref(args);
        return "context must be a JSON object";
    }
    if (!method || !*method || !ids || !ids->unique_id || (ids->msg_id && !ids->reply_q)) {
        json_decref(args);
        return "method, unique_id (and reply_q for a call) are required";
    }
    /* key order of oslo's message: _make_message (method, args, version), then _send
     * (_msg_id, _reply_q, _timeout), _add_unique_id, pack_context */
    msg = heat_json_own(p, json_object());
    json_object_set_new(msg, "method", json_string(method));
    json_object_set_new(msg, "args", args ? args : json_object());
    json_object_set_new(msg, "version", json_string(version ? version : "1.0"));
    if (ids->msg_id) {
        json_object_set_new(msg, "_msg_id", json_string(ids->msg_id));
        json_object_set_new(msg, "_reply_q", json_string(ids->reply_q));
        json_object_set_new(msg, "_timeout", json_null()); /* heat never asks for call-monitor */
    }
    json_object_set_new(msg, "_unique_id", json_string(ids->unique_id));
    if (context) {
        /* jansson 2.14 iterates in insertion order, so this is to_dict()'s order */
        json_object_foreach((json_t *)context, key, value)
            json_object_set(msg, apr_pstrcat(p, "_context_", key, NULL), value);
    }
    if (!json_is_string(json_object_get(msg, "method")) || !json_is_string(json_object_get(msg, "version"))
        || !json_is_string(json_object_get(msg, "_unique_id")))
        return "method, version and ids must be valid UTF-8";
    /* Measured before it is written (aliases shared in the value are written out once per
     * reference): an oversize message is refused without building it. jansson's writer with
     * these flags writes what json.dumps writes, give or take a few bytes; the body is checked
     * exactly below. */
    if (!measured
        && json_dump_callback(msg, count_until_cap, &n, JSON_ENSURE_ASCII | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER))
        return heat_rpc_too_large;
    /* the inner text is needed only until the envelope is written: a pool of its own */
    if (apr_pool_create(&tmp, p) != APR_SUCCESS)
        return "out of memory";
    inner = heat_json_dump(tmp, msg, 0);
    *body = envelope(p, inner, &n);
    apr_pool_destroy(tmp);
    if (n > HEAT_RPC_MAX_MESSAGE)
        return heat_rpc_too_large;
    return NULL;
}

const char *heat_rpc_message_build(apr_pool_t *p, const json_t *context, const char *method,
                                   json_t *args, const char *version, const heat_rpc_ids_t *ids,
                                   char **body)
{
    return message_build(p, context, method, args, version, ids, 0, body);
}

static const char *json_str(apr_pool_t *p, const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? apr_pstrmemdup(p, json_string_value(v), json_string_length(v)) : NULL;
}

/* Copies a JSON value into p's ownership (a new reference). */
static json_t *json_keep(apr_pool_t *p, json_t *v)
{
    return heat_json_own(p, json_incref(v));
}

const char *heat_rpc_failure_decode(apr_pool_t *p, const json_t *failure, heat_rpc_failure_t *out)
{
    json_t *f = NULL, *v;
    const char *s;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (json_is_string(failure)) {
        json_error_t e;
        f = heat_json_own(p, json_loadb(json_string_value(failure), json_string_length(failure),
                                        JSON_DECODE_ANY | JSON_ALLOW_NUL, &e));
        if (!json_is_object(f)) {
            /* not the format oslo writes: keep the text as the message */
            out->cls = out->module = "";
            out->message = apr_pstrmemdup(p, json_string_value(failure), json_string_length(failure));
            out->args = heat_json_own(p, json_array());
            out->kwargs = heat_json_own(p, json_object());
            out->tb = heat_json_own(p, json_array());
            out->traceback = "";
            return "the failure is not a JSON object";
        }
    }
    else if (json_is_object(failure))
        f = (json_t *)failure;
    else
        return "no failure";
    out->cls = (s = json_str(p, f, "class")) ? s : "";
    out->module = (s = json_str(p, f, "module")) ? s : "";
    out->message = (s = json_str(p, f, "message")) ? s : "";
    v = json_object_get(f, "args");
    out->args = json_is_array(v) ? json_keep(p, v) : heat_json_own(p, json_array());
    v = json_object_get(f, "kwargs");
    out->kwargs = json_is_object(v) ? json_keep(p, v) : heat_json_own(p, json_object());
    v = json_object_get(f, "tb");
    out->tb = json_is_array(v) ? json_keep(p, v) : heat_json_own(p, json_array());
    out->traceback = "";
    for (i = 0; i < json_array_size(out->tb); i++) {
        const json_t *line = json_array_get(out->tb, i);
        if (json_is_string(line))
            out->traceback = apr_pstrcat(p, out->traceback, i ? "\n" : "", json_string_value(line), NULL);
    }
    return NULL;
}

/* oslo's version_is_compatible("2.0", v): same major, minor (and revision) not newer. */
static int envelope_version_ok(const char *v)
{
    char *end;
    long major, minor = 0, rev = 0;
    errno = 0;
    major = strtol(v, &end, 10);
    if (end == v || errno)
        return 0;
    if (*end == '.') {
        minor = strtol(end + 1, &end, 10);
        if (*end == '.')
            rev = strtol(end + 1, &end, 10);
    }
    return !*end && major == 2 && minor <= 0 && (minor < 0 || rev <= 0);
}

const char *heat_rpc_reply_parse(apr_pool_t *p, const char *body, apr_size_t len,
                                 heat_rpc_incoming_t *out)
{
    json_error_t e;
    json_t *outer, *inner, *v;

    memset(out, 0, sizeof(*out));
    outer = heat_json_own(p, json_loadb(body, len, JSON_DECODE_ANY, &e));
    if (!outer)
        return apr_psprintf(p, "not JSON: %s at line %d column %d", e.text, e.line, e.column);
    if (!json_is_object(outer))
        return "not a JSON object";
    v = json_object_get(outer, "oslo.message");
    if (json_object_get(outer, "oslo.version") && v) {
        const json_t *ver = json_object_get(outer, "oslo.version");
        if (!json_is_string(ver) || !envelope_version_ok(json_string_value(ver)))
            return "unsupported envelope version";
        if (!json_is_string(v))
            return "oslo.message is not a string";
        /* json.dumps wrote it: Python's rules read it whole, NUL characters in keys included
         * (jansson's loader refuses those) */
        const char *why;
        inner = heat_pyjson_loads(p, json_string_value(v), json_string_length(v), NULL, &why);
        if (!inner)
            return apr_psprintf(p, "oslo.message is not JSON: %s", why);
        if (!json_is_object(inner))
            return "oslo.message is not a JSON object";
    }
    else
        inner = outer; /* a message from before envelopes (oslo still reads those) */
    out->msg_id = json_str(p, inner, "_msg_id");
    out->unique_id = json_str(p, inner, "_unique_id");
    v = json_object_get(inner, "result");
    out->result = (v && !json_is_null(v)) ? v : NULL;
    v = json_object_get(inner, "failure");
    if (v && !json_is_null(v)) {
        out->failed = 1;
        heat_rpc_failure_decode(p, v, &out->failure);
    }
    out->ending = json_is_true(json_object_get(inner, "ending"));
    return NULL;
}

/* ---- the reply waiter ------------------------------------------------------------------- */

static int dedup_check_add(heat_rpc_dedup_t *d, const char *id)
{
    unsigned i;
    for (i = 0; i < 16; i++)
        if (!strcmp(d->ids[i], id))
            return 1;
    apr_cpystrn(d->ids[d->next % 16], id, sizeof(d->ids[0]));
    d->next = (d->next + 1) % 16;
    return 0;
}

void heat_rpc_waiter_init(heat_rpc_waiter_t *w, apr_pool_t *p, const char *msg_id,
                          heat_rpc_dedup_t *dedup)
{
    memset(w, 0, sizeof(*w));
    w->p = p;
    w->msg_id = msg_id;
    w->dedup = dedup;
}

int heat_rpc_waiter_feed(void *waiter, const char *body, apr_size_t len)
{
    heat_rpc_waiter_t *w = waiter;
    heat_rpc_incoming_t in;
    apr_pool_t *tmp;
    const char *err;

    /* parsed in a scratch pool: a stale or foreign message must not grow the request's pool */
    apr_pool_create(&tmp, w->p);
    if ((err = heat_rpc_reply_parse(tmp, body, len, &in)) != NULL) {
        w->garbage++;
        heat_log(HEAT_LOG_WARNING, "HEAT0520: RPC: dropping a message on the reply queue that is not a reply: %s",
                 err);
    }
    else if (!in.msg_id || !w->msg_id || strcmp(in.msg_id, w->msg_id)) {
        w->stale++;
        heat_log(HEAT_LOG_INFO, "RPC: no caller waiting for msg_id %s (a late reply to a timed-out "
                                "call?): dropped",
                 in.msg_id ? in.msg_id : "(none)");
    }
    else if (in.unique_id && w->dedup && dedup_check_add(w->dedup, in.unique_id)) {
        w->duplicates++;
        heat_log(HEAT_LOG_INFO, "RPC: duplicate reply %s for msg_id %s dropped", in.unique_id, in.msg_id);
    }
    else if (!w->done) {
        if (in.failed || in.result) {
            heat_rpc_incoming_t *f = &w->final;
            w->have_final = 1;
            memset(f, 0, sizeof(*f));
            f->msg_id = apr_pstrdup(w->p, in.msg_id);
            f->unique_id = in.unique_id ? apr_pstrdup(w->p, in.unique_id) : NULL;
            f->ending = in.ending;
            f->failed = in.failed;
            if (in.result)
                f->result = json_keep(w->p, in.result);
            if (in.failed) {
                heat_rpc_failure_t *d = &f->failure;
                d->cls = apr_pstrdup(w->p, in.failure.cls);
                d->module = apr_pstrdup(w->p, in.failure.module);
                d->message = apr_pstrdup(w->p, in.failure.message);
                d->traceback = apr_pstrdup(w->p, in.failure.traceback);
                d->args = json_keep(w->p, in.failure.args);
                d->kwargs = json_keep(w->p, in.failure.kwargs);
                d->tb = json_keep(w->p, in.failure.tb);
            }
        }
        else if (!in.ending) {
            w->heartbeats++;
            heat_log(HEAT_LOG_DEBUG, "RPC: call-monitor heartbeat for msg_id %s", in.msg_id);
        }
        if (in.ending)
            w->done = 1;
    }
    apr_pool_destroy(tmp);
    return w->done;
}

void heat_rpc_waiter_finish(const heat_rpc_waiter_t *w, heat_rpc_reply_t *reply)
{
    if (w->have_final && w->final.failed) {
        reply->outcome = HEAT_RPC_REMOTE_FAILURE;
        reply->failure = w->final.failure;
        reply->result = NULL;
    }
    else {
        reply->outcome = HEAT_RPC_OK;
        reply->result = (w->have_final && w->final.result) ? w->final.result
                                                           : heat_json_own(w->p, json_null());
    }
}

/* ---- the pool and the calls ------------------------------------------------------------- */

struct heat_rpc_pool_t {
    const heat_rpc_conf_t *conf;
    apr_reslist_t *rl;
    apr_pool_t *rl_pool; /* the reslist's pool: its own allocator, with a mutex */
    heat_amqp_health_t *health;
    /* reply queue names of destroyed connections, given to new ones: the queues outlive their
     * connections for rabbit_transient_queues_ttl, so reusing names keeps their number down */
    apr_thread_mutex_t *names_lock;
    char (*names)[6 + 33];
    int nnames;
    /* the maintenance thread */
    apr_thread_t *thread;
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *cond;
    int stopping;
    apr_interval_time_t period;
    /* overload reports (busy_log): requests answered busy since the last one, and its time */
    volatile apr_uint32_t busy_count;
    volatile apr_uint32_t busy_logged_at; /* apr_time_sec, 0: never */
};

/* What the reslist hands out: a connection and its reply queue's de-duplication memory. */
typedef struct {
    heat_amqp_conn_t *amqp;
    heat_rpc_dedup_t dedup;
} rpc_conn_t;

/* Called by apr_reslist under its lock, lazily: opens nothing (the first call connects). */
static apr_status_t rpc_conn_construct(void **resource, void *params, apr_pool_t *pool)
{
    heat_rpc_pool_t *rp = params;
    char reply_q[6 + 33] = "reply_";
    heat_amqp_conn_t *c;
    rpc_conn_t *rc;

    (void)pool; /* the connection gets a pool (and allocator) of its own instead */
    apr_thread_mutex_lock(rp->names_lock);
    if (rp->nnames > 0)
        memcpy(reply_q, rp->names[--rp->nnames], sizeof(reply_q));
    else
        uuid_hex(reply_q + 6);
    apr_thread_mutex_unlock(rp->names_lock);
    c = heat_amqp_conn_create(&rp->conf->amqp, rp->health, reply_q);
    if (!c)
        return APR_ENOMEM;
    rc = apr_pcalloc(heat_amqp_conn_pool(c), sizeof(*rc));
    rc->amqp = c;
    *resource = rc;
    heat_stats_gauge_add(HEAT_GAUGE_POOL_CONNECTIONS, 1);
    return APR_SUCCESS;
}

static apr_status_t rpc_conn_destruct(void *resource, void *params, apr_pool_t *pool)
{
    heat_rpc_pool_t *rp = params;
    rpc_conn_t *rc = resource;
    (void)pool;
    apr_thread_mutex_lock(rp->names_lock);
    if (rp->nnames < rp->conf->pool_max)
        apr_cpystrn(rp->names[rp->nnames++], heat_amqp_conn_reply_queue(rc->amqp), sizeof(rp->names[0]));
    apr_thread_mutex_unlock(rp->names_lock);
    heat_amqp_conn_destroy(rc->amqp); /* closes the connection, frees its pool */
    heat_stats_gauge_add(HEAT_GAUGE_POOL_CONNECTIONS, -1);
    return APR_SUCCESS;
}

/* librabbitmq only heartbeats inside its calls, so an idle pooled connection falls silent and
 * RabbitMQ drops it after two heartbeat intervals (logging "missed heartbeats from client").
 * The reslist's ttl is therefore at most one interval, and this thread expires idle
 * connections (apr_reslist_maintain, with a clean close) twice per interval, before the broker
 * does. Busy connections heartbeat while they wait for replies. */
static void *APR_THREAD_FUNC maintenance_thread(apr_thread_t *t, void *data)
{
    heat_rpc_pool_t *rp = data;
    apr_thread_mutex_lock(rp->lock);
    while (!rp->stopping) {
        apr_thread_cond_timedwait(rp->cond, rp->lock, rp->period);
        if (rp->stopping)
            break;
        apr_thread_mutex_unlock(rp->lock);
        apr_reslist_maintain(rp->rl);
        apr_thread_mutex_lock(rp->lock);
    }
    apr_thread_mutex_unlock(rp->lock);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static apr_status_t maintenance_stop(void *data)
{
    heat_rpc_pool_t *rp = data;
    apr_status_t trv;
    apr_thread_mutex_lock(rp->lock);
    rp->stopping = 1;
    apr_thread_cond_signal(rp->cond);
    apr_thread_mutex_unlock(rp->lock);
    apr_thread_join(&trv, rp->thread);
    return APR_SUCCESS;
}

apr_status_t heat_rpc_pool_create(apr_pool_t *pchild, const heat_rpc_conf_t *conf,
                                  heat_rpc_pool_t **out)
{
    heat_rpc_pool_t *rp = apr_pcalloc(pchild, sizeof(*rp));
    apr_interval_time_t ttl = conf->pool_ttl;
    apr_status_t rv;

    rp->conf = conf;
    if ((rv = heat_amqp_health_create(pchild, &conf->amqp, &rp->health)) != APR_SUCCESS)
        return rv;
    if ((rv = apr_thread_mutex_create(&rp->names_lock, APR_THREAD_MUTEX_DEFAULT, pchild)) != APR_SUCCESS)
        return rv;
    rp->names = apr_pcalloc(pchild, sizeof(*rp->names) * (apr_size_t)conf->pool_max);
    if (conf->amqp.heartbeat > 0 && (ttl == 0 || ttl > apr_time_from_sec(conf->amqp.heartbeat)))
        ttl = apr_time_from_sec(conf->amqp.heartbeat);
    /* The reslist allocates its containers at run time, from whichever thread acquires: it
     * gets a pool whose allocator has a mutex (pchild's has none, and others use it). */
    if ((rv = heat_pool_create_shared(&rp->rl_pool, pchild)) != APR_SUCCESS)
        return rv;
    /* min 0: connections are made on first use. smax 0 lets every idle connection expire
     * after ttl (a ttl of 0 would expire them at once: then no expiry at all). */
    rv = apr_reslist_create(&rp->rl, 0, ttl ? 0 : conf->pool_max, conf->pool_max, ttl,
                            rpc_conn_construct, rpc_conn_destruct, rp, rp->rl_pool);
    if (rv != APR_SUCCESS)
        return rv;
    /* with every connection busy, a caller waits at most pool_wait for one (see HEAT_RPC_POOL_WAIT) */
    apr_reslist_timeout_set(rp->rl, conf->pool_wait > 0 ? conf->pool_wait : conf->timeout);
    if (ttl) {
        rp->period = ttl / 2 > apr_time_from_sec(1) ? ttl / 2 : apr_time_from_sec(1);
        if ((rv = apr_thread_mutex_create(&rp->lock, APR_THREAD_MUTEX_DEFAULT, pchild)) != APR_SUCCESS
            || (rv = apr_thread_cond_create(&rp->cond, pchild)) != APR_SUCCESS
            || (rv = apr_thread_create(&rp->thread, NULL, maintenance_thread, rp, pchild)) != APR_SUCCESS)
            return rv;
        /* The reslist destroys its connections in a pre-cleanup of rl_pool, a subpool of
         * pchild; pchild runs its pre-cleanups before it destroys its subpools, so this one
         * stops the thread before the reslist goes. */
        apr_pool_pre_cleanup_register(pchild, rp, maintenance_stop);
    }
    *out = rp;
    heat_log(HEAT_LOG_DEBUG, "RPC pool: up to %d connections to %s, exchange %s, topic %s, idle "
                             "connections closed after %" APR_TIME_T_FMT " s",
             conf->pool_max, conf->amqp.redacted_url, conf->amqp.exchange, conf->topic,
             (apr_time_t)apr_time_sec(ttl));
    return APR_SUCCESS;
}

/* Under overload every request beyond the pool would log the same line: one warning per
 * HEAT_RPC_BUSY_LOG_PERIOD and process instead, with the count. */
#define HEAT_RPC_BUSY_LOG_PERIOD 10
static void busy_log(heat_rpc_pool_t *rp, const char *method)
{
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now());
    apr_uint32_t last = apr_atomic_read32(&rp->busy_logged_at);
    apr_uint32_t n;

    apr_atomic_inc32(&rp->busy_count);
    if (last && now - last < HEAT_RPC_BUSY_LOG_PERIOD)
        return;
    if (apr_atomic_cas32(&rp->busy_logged_at, now, last) != last)
        return; /* another thread reports */
    n = apr_atomic_xchg32(&rp->busy_count, 0);
    heat_log(HEAT_LOG_WARNING, "HEAT1550: RPC pool busy: %u request(s) (the last: %s) found all %d AMQP connections "
                               "of this process taken for %" APR_TIME_T_FMT " ms and were answered 503; heat-engine "
                               "is slower than the load (rpc_conn_pool_size, ThreadsPerChild: README \"MPM settings\")",
             n, method, rp->conf->pool_max, (apr_time_t)apr_time_as_msec(rp->conf->pool_wait));
}

static heat_rpc_outcome_t fail(heat_rpc_reply_t *reply, heat_rpc_outcome_t outcome, const char *error)
{
    reply->outcome = outcome;
    reply->error = error;
    return outcome;
}

/* A message too big to send is the client's fault (a 400), not the broker's (a 503) and not
 * worth a retry: it is answered as heat's RequestLimitExceeded, which every caller already
 * maps to 400 in both APIs. */
static heat_rpc_outcome_t fail_too_large(apr_pool_t *p, heat_rpc_reply_t *reply, const char *method,
                                         const char *why)
{
    heat_rpc_failure_t *f = &reply->failure;
    const char *msg = apr_psprintf(p, "Request limit exceeded: the request to heat-engine (%s) exceeds the maximum "
                                      "message size (%lu bytes).",
                                   method, (unsigned long)HEAT_RPC_MAX_MESSAGE);
    heat_log(HEAT_LOG_INFO, "HEAT0920 RPC %s not sent: %s", method, why);
    f->cls = "RequestLimitExceeded";
    f->module = "heat.common.exception";
    f->message = msg;
    f->args = heat_json_own(p, json_array());
    f->kwargs = heat_json_own(p, json_pack("{s:s}", "message", msg));
    f->tb = heat_json_own(p, json_array());
    f->traceback = "";
    return fail(reply, HEAT_RPC_REMOTE_FAILURE, why);
}

static heat_rpc_outcome_t rpc_send(heat_rpc_pool_t *rp, apr_pool_t *p, const json_t *context,
                                   const char *method, json_t *args, const char *version,
                                   apr_interval_time_t timeout, heat_rpc_reply_t *reply, int call)
{
    const heat_rpc_conf_t *conf = rp->conf;
    apr_time_t start = apr_time_now(), deadline;
    heat_rpc_ids_t ids;
    heat_rpc_waiter_t w;
    rpc_conn_t *rc;
    void *res;
    char *body;
    const char *err, *what = call ? "call" : "cast";
    apr_status_t rv;
    int attempt;

    memset(reply, 0, sizeof(*reply));
    if (timeout <= 0)
        timeout = conf->timeout;
    deadline = start + timeout;
    if ((args && !json_is_object(args)) || !json_is_object(context) || !method) {
        json_decref(args);
        return fail(reply, HEAT_RPC_UNREACHABLE, "invalid RPC request (context and args must be "
                                                 "JSON objects, method set)");
    }
    {
        /* what the message carries, measured before a connection is taken */
        apr_size_t n = 0;
        const size_t flags = JSON_ENSURE_ASCII | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER;
        if ((args && json_dump_callback(args, count_until_cap, &n, flags))
            || json_dump_callback(context, count_until_cap, &n, flags)) {
            json_decref(args);
            return fail_too_large(p, reply, method, heat_rpc_too_large);
        }
    }
    rv = apr_reslist_acquire(rp->rl, &res);
    if (rv != APR_SUCCESS) {
        json_decref(args);
        if (APR_STATUS_IS_TIMEUP(rv) || rv == APR_EAGAIN) {
            /* overload: answered at once, logged once in a while (busy_log), not per request */
            fail(reply, HEAT_RPC_BUSY,
                 apr_psprintf(p, "no connection to the message broker was free in this process within %"
                                 APR_TIME_T_FMT " ms (rpc_conn_pool_size %d)",
                              (apr_time_t)apr_time_as_msec(apr_time_now() - start), conf->pool_max));
            busy_log(rp, method);
        }
        else {
            heat_log(HEAT_LOG_ERR, "HEAT0521: RPC %s %s: no AMQP connection available (rpc_conn_pool_size %d): %d",
                     what, method, conf->pool_max, rv);
            fail(reply, HEAT_RPC_UNREACHABLE,
                 apr_psprintf(p, "no AMQP connection available in this process "
                                 "(rpc_conn_pool_size %d)",
                              conf->pool_max));
        }
        heat_stats_rpc(p, method, reply->outcome, apr_time_now() - start);
        return reply->outcome;
    }
    rc = res;
    heat_stats_gauge_add(HEAT_GAUGE_POOL_IN_USE, 1);
    if (apr_time_now() >= deadline) {
        /* the wait for a pooled connection used up the call's time: a timeout, as heat-api's
         * own wait for a connection ends, not "unreachable" */
        json_decref(args);
        fail(reply, HEAT_RPC_TIMEOUT, apr_psprintf(p, "Timed out waiting for an AMQP connection (rpc_conn_pool_size "
                                                      "%d)", conf->pool_max));
        goto out;
    }
    memset(&ids, 0, sizeof(ids));
    ids.unique_id = heat_rpc_uuid_hex(p);
    if (call) {
        ids.msg_id = heat_rpc_uuid_hex(p);
        ids.reply_q = heat_amqp_conn_reply_queue(rc->amqp);
    }
    reply->msg_id = ids.msg_id;
    /* a cast waits for nothing: its waiter just drops whatever the queue holds */
    heat_rpc_waiter_init(&w, p, call ? ids.msg_id : NULL, &rc->dedup);
    if ((err = message_build(p, context, method, args, version, &ids, 1, &body)) != NULL) {
        if (err == heat_rpc_too_large)
            fail_too_large(p, reply, method, err);
        else
            fail(reply, HEAT_RPC_UNREACHABLE, apr_pstrcat(p, "invalid RPC request: ", err, NULL));
        goto out;
    }
    heat_log(HEAT_LOG_DEBUG, "RPC %s %s version %s %s %s", what, method, version ? version : "1.0",
             call ? "msg_id" : "unique_id", call ? ids.msg_id : ids.unique_id);

    /* Publish; a connection found broken on the way is re-established once and the same
     * message (same ids: the engine drops a repeated _unique_id) sent again, as oslo's
     * ensure() retries a publish. */
    for (attempt = 0;; attempt++) {
        rv = heat_amqp_conn_ensure(rc->amqp, deadline, heat_rpc_waiter_feed, &w, &err);
        if (rv != APR_SUCCESS) {
            err = apr_pstrdup(p, err);
            if (apr_time_now() >= deadline) {
                fail(reply, HEAT_RPC_TIMEOUT, apr_psprintf(p, "Timed out sending message %s: %s",
                                                           call ? ids.msg_id : ids.unique_id, err));
                goto out;
            }
            heat_log(HEAT_LOG_ERR, "HEAT0522: RPC %s %s: %s", what, method, err);
            fail(reply, HEAT_RPC_UNREACHABLE, err);
            goto out;
        }
        rv = heat_amqp_publish(rc->amqp, conf->amqp.exchange, conf->topic, body, strlen(body),
                               call ? heat_rpc_expiration(p, timeout) : NULL, deadline,
                               heat_rpc_waiter_feed, &w, &err);
        if (rv == APR_SUCCESS)
            break;
        err = apr_pstrdup(p, err);
        if (rv == HEAT_AMQP_EREFUSED) {
            /* the broker refused this message (406, e.g. larger than its max_message_size):
             * sending it again would be refused again */
            if (strstr(err, "size"))
                fail_too_large(p, reply, method, err);
            else {
                heat_log(HEAT_LOG_ERR, "HEAT0921 RPC %s %s: %s", what, method, err);
                fail(reply, HEAT_RPC_UNREACHABLE, err);
            }
            goto out;
        }
        if (APR_STATUS_IS_TIMEUP(rv)) {
            fail(reply, HEAT_RPC_TIMEOUT, apr_psprintf(p, "Timed out sending message %s: %s",
                                                       call ? ids.msg_id : ids.unique_id, err));
            goto out;
        }
        /* a broker in a resource alarm (connection.blocked) answers at once, no retry */
        if (attempt >= 1 || rv == APR_EAGAIN || apr_time_now() >= deadline) {
            heat_log(HEAT_LOG_ERR, "HEAT0523: RPC %s %s: %s", what, method, err);
            fail(reply, HEAT_RPC_UNREACHABLE, err);
            goto out;
        }
        heat_log(HEAT_LOG_INFO, "RPC %s %s: %s; reconnecting to send it again", what, method, err);
    }
    if (!call) {
        reply->outcome = HEAT_RPC_OK;
        goto out;
    }

    /* Wait. If the connection breaks meanwhile, the reply queue outlives it (it is neither
     * exclusive nor auto-delete; after a broker restart it is declared again): reconnect and
     * keep waiting until the deadline, as oslo's ReplyWaiter does, then time out. */
    while (!w.done) {
        rv = heat_amqp_consume(rc->amqp, deadline, heat_rpc_waiter_feed, &w, &err);
        if (rv == APR_SUCCESS)
            break;
        if (APR_STATUS_IS_TIMEUP(rv)) {
            heat_log(HEAT_LOG_WARNING, "HEAT0524: RPC call %s: no reply to msg_id %s in %" APR_TIME_T_FMT " ms",
                     method, ids.msg_id, (apr_time_t)apr_time_as_msec(timeout));
            fail(reply, HEAT_RPC_TIMEOUT,
                 apr_psprintf(p, "Timed out waiting for a reply to message ID %s", ids.msg_id));
            goto out;
        }
        heat_log(HEAT_LOG_INFO, "RPC call %s: %s while waiting for msg_id %s; reconnecting", method,
                 err, ids.msg_id);
        while (heat_amqp_conn_ensure(rc->amqp, deadline, heat_rpc_waiter_feed, &w, &err) != APR_SUCCESS) {
            apr_interval_time_t left = deadline - apr_time_now();
            if (left <= 0) {
                err = apr_pstrdup(p, err);
                heat_log(HEAT_LOG_WARNING, "HEAT0525: RPC call %s: no reply to msg_id %s: %s", method,
                         ids.msg_id, err);
                fail(reply, HEAT_RPC_TIMEOUT,
                     apr_psprintf(p, "Timed out waiting for a reply to message ID %s (connection "
                                     "lost: %s)",
                                  ids.msg_id, err));
                goto out;
            }
            apr_sleep(left < apr_time_from_sec(1) ? left : apr_time_from_sec(1));
        }
    }
    heat_rpc_waiter_finish(&w, reply);

out:
    apr_reslist_release(rp->rl, rc);
    heat_stats_gauge_add(HEAT_GAUGE_POOL_IN_USE, -1);
    heat_stats_rpc(p, method, reply->outcome, apr_time_now() - start);
    if (heat_log_enabled(HEAT_LOG_DEBUG))
        heat_log(HEAT_LOG_DEBUG, "RPC %s %s: %s%s%s in %" APR_TIME_T_FMT " ms", what, method,
                 reply->outcome == HEAT_RPC_OK ? "ok"
                 : reply->outcome == HEAT_RPC_REMOTE_FAILURE ? "remote failure "
                 : reply->outcome == HEAT_RPC_TIMEOUT ? "timeout"
                 : reply->outcome == HEAT_RPC_BUSY   ? "busy"
                                                      : "unreachable",
                 reply->outcome == HEAT_RPC_REMOTE_FAILURE ? reply->failure.module : "",
                 reply->outcome == HEAT_RPC_REMOTE_FAILURE
                     ? apr_pstrcat(p, ".", reply->failure.cls, NULL) : "",
                 (apr_time_t)apr_time_as_msec(apr_time_now() - start));
    return reply->outcome;
}

heat_rpc_outcome_t heat_rpc_call(heat_rpc_pool_t *rp, apr_pool_t *p, const json_t *context,
                                 const char *method, json_t *args, const char *version,
                                 apr_interval_time_t timeout, heat_rpc_reply_t *reply)
{
    return rpc_send(rp, p, context, method, args, version, timeout, reply, 1);
}

heat_rpc_outcome_t heat_rpc_cast(heat_rpc_pool_t *rp, apr_pool_t *p, const json_t *context,
                                 const char *method, json_t *args, const char *version,
                                 heat_rpc_reply_t *reply)
{
    return rpc_send(rp, p, context, method, args, version, 0, reply, 0);
}
