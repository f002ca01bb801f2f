/* heat_amqp.c: transport_url parsing and one AMQP connection's life cycle (see heat_amqp.h).
 *
 * Why the connection looks like this (oslo.messaging's rabbit driver and amqpdriver.py on
 * kombu/py-amqp, and what RabbitMQ and librabbitmq 0.11 were seen to do):
 * - channel 1 only, confirm.select on it, so that every publish is acknowledged by the broker
 *   (kombu's confirm_publish); confirms and reply deliveries arrive interleaved on that
 *   channel, so frames are read one by one with amqp_simple_wait_frame_noblock and dispatched
 *   here (amqp_consume_message stops on a basic.ack).
 * - message contents are assembled here from header and body frames with the caller's deadline
 *   (amqp_read_message would block without one).
 * - librabbitmq only sends and checks heartbeats inside its calls: an idle pooled connection
 *   is checked and, past one heartbeat interval, replaced when it is taken (ensure), instead of
 *   keeping a thread per process to service it. */
#include "heat_amqp.h"
#include "heat_util.h"

#include "heat_log.h"
#include "heat_stats.h"

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* kombu/py-amqp's frame_max; RabbitMQ was seen to grant it unchanged. */
#define HEAT_AMQP_FRAME_MAX 131072
/* A reply bigger than this is refused (a protocol error closes the connection). */
#define HEAT_AMQP_MAX_BODY (256u * 1024 * 1024)
#define HEAT_AMQP_CHANNEL 1
/* Free memory a connection's allocator keeps for reuse. */
#define HEAT_AMQP_MAX_FREE (1024 * 1024)

/* ---- transport_url ---------------------------------------------------------------------- */


/* urllib's urlsplit drops these anywhere in the URL, and leading C0 controls and spaces. */
static char *url_clean(apr_pool_t *p, const char *url)
{
    char *out = apr_palloc(p, strlen(url) + 1);
    char *o = out;

    while (*url && (unsigned char)*url <= ' ')
        url++;
    for (; *url; url++)
        if (*url != '\t' && *url != '\r' && *url != '\n')
            *o++ = *url;
    *o = '\0';
    return out;
}

/* Points at the netloc of an absolute URL: sets *start and *end, or returns 0. */
static int url_netloc(const char *url, const char **start, const char **end)
{
    const char *c = strchr(url, ':');
    if (!c || c == url || c[1] != '/' || c[2] != '/')
        return 0;
    *start = c + 3;
    *end = *start + strcspn(*start, "/?#");
    return 1;
}

const char *heat_amqp_url_redact(apr_pool_t *p, const char *url)
{
    const char *ns, *ne, *item;
    char *out;

    if (!url)
        return "(null)";
    url = url_clean(p, url);
    if (!url_netloc(url, &ns, &ne))
        return url;
    /* A password the operator did not percent-encode may hold '/', '?', '#' or ',' (base64
     * ones do): the credentials run to the last '@', wherever the netloc seemed to end. */
    {
        const char *last_at = strrchr(ns, '@');
        if (last_at && last_at >= ne)
            ne = last_at + 1 + strcspn(last_at + 1, "/?#");
    }
    out = apr_pstrndup(p, url, (apr_size_t)(ns - url));
    item = ns;
    while (item <= ne) {
        const char *comma = memchr(item, ',', (apr_size_t)(ne - item));
        const char *iend = comma ? comma : ne;
        const char *at = NULL, *c, *colon;
        char *part;

        /* "user:pa" before ",ss@host": an item without '@' whose text after ':' is no port
         * number, followed by an '@', is the head of a password with a ',' in it */
        while (comma && !memchr(item, '@', (apr_size_t)(iend - item)) &&
               memchr(iend, '@', (apr_size_t)(ne - iend))) {
            const char *colon1 = memchr(item, ':', (apr_size_t)(iend - item));
            const char *d;
            int port = 1;
            if (!colon1)
                break;
            for (d = colon1 + 1; d < iend; d++)
                if (!apr_isdigit(*d))
                    port = 0;
            if (port)
                break;
            comma = memchr(comma + 1, ',', (apr_size_t)(ne - comma - 1));
            iend = comma ? comma : ne;
        }
        for (c = item; c < iend; c++)
            if (*c == '@')
                at = c;
        colon = at ? memchr(item, ':', (apr_size_t)(at - item)) : NULL;
        if (colon)
            part = apr_pstrcat(p, apr_pstrndup(p, item, (apr_size_t)(colon - item)), ":***",
                               apr_pstrndup(p, at, (apr_size_t)(iend - at)), NULL);
        else
            part = apr_pstrndup(p, item, (apr_size_t)(iend - item));
        out = apr_pstrcat(p, out, part, comma ? "," : "", NULL);
        if (!comma)
            break;
        item = comma + 1;
    }
    return apr_pstrcat(p, out, ne, NULL);
}

static const char *url_error(apr_pool_t *p, const char *url, const char *why)
{
    return apr_psprintf(p, "%s (%s)", why, heat_amqp_url_redact(p, url));
}

static const char *parse_host(apr_pool_t *p, const char *url, const char *item, apr_size_t len,
                              heat_amqp_host_t *h)
{
    const char *end = item + len, *at = NULL, *c, *hostname, *port = NULL;
    apr_size_t hostlen;
    const char *err = NULL;

    memset(h, 0, sizeof(*h));
    for (c = item; c < end; c++)
        if (*c == '@')
            at = c; /* the last '@' ends the credentials (oslo: rsplit('@', 1)) */
    hostname = item;
    if (at) {
        const char *colon = memchr(item, ':', (apr_size_t)(at - item));
        if (colon) {
            h->password = heat_unquote(p, colon + 1, (apr_size_t)(at - colon - 1), 0, &err);
            h->user = heat_unquote(p, item, (apr_size_t)(colon - item), 0, &err);
        }
        else
            h->user = heat_unquote(p, item, (apr_size_t)(at - item), 0, &err);
        if (err)
            return url_error(p, url, apr_pstrcat(p, "credentials contain ", err, NULL));
        hostname = at + 1;
    }
    hostlen = (apr_size_t)(end - hostname);
    if (hostlen && hostname[0] == '[') {
        const char *close = memchr(hostname, ']', hostlen);
        if (!close)
            return url_error(p, url, "invalid IPv6 host: no ']'");
        if (close + 1 < end) {
            if (close[1] != ':')
                return url_error(p, url, "invalid IPv6 host: junk after ']'");
            port = close + 2;
        }
        h->host = heat_unquote(p, hostname + 1, (apr_size_t)(close - hostname - 1), 0, &err);
    }
    else if (hostlen) {
        const char *colon = memchr(hostname, ':', hostlen);
        if (colon)
            port = colon + 1;
        h->host = heat_unquote(p, hostname, (apr_size_t)((colon ? colon : end) - hostname), 0,
                                    &err);
    }
    if (err)
        return url_error(p, url, apr_pstrcat(p, "host contains ", err, NULL));
    if (h->host) {
        char *l;
        for (l = (char *)h->host; *l; l++) /* kombu reads it back through urlparse().hostname */
            *l = (char)tolower((unsigned char)*l);
        if (!*h->host)
            h->host = NULL;
    }
    if (port && port < end) {
        long v = 0;
        for (c = port; c < end; c++) {
            if (!isdigit((unsigned char)*c) || v > 65535)
                return url_error(p, url, apr_psprintf(p, "invalid port '%s'",
                                                      apr_pstrndup(p, port, (apr_size_t)(end - port))));
            v = v * 10 + (*c - '0');
        }
        if (v > 65535)
            return url_error(p, url, apr_psprintf(p, "port %ld out of range", v));
        h->port = (int)v;
    }
    return NULL;
}

const char *heat_amqp_url_parse(apr_pool_t *p, const char *raw, heat_amqp_url_t **out)
{
    heat_amqp_url_t *u = apr_pcalloc(p, sizeof(*u));
    const char *url, *c, *rest, *ns = NULL, *ne = NULL;
    char *scheme, *path, *query = NULL, *hash;
    const char *err = NULL;

    *out = NULL;
    if (!raw)
        return "no URL";
    url = url_clean(p, raw);
    /* scheme: a letter, then letters, digits, '+', '-', '.', then ':' (urlsplit) */
    c = url;
    if (!isalpha((unsigned char)*c))
        return url_error(p, raw, "no scheme specified");
    while (isalnum((unsigned char)*c) || *c == '+' || *c == '-' || *c == '.')
        c++;
    if (*c != ':')
        return url_error(p, raw, "no scheme specified");
    scheme = apr_pstrndup(p, url, (apr_size_t)(c - url));
    for (path = scheme; *path; path++)
        *path = (char)tolower((unsigned char)*path);
    u->scheme = scheme;
    rest = c + 1;
    if (rest[0] == '/' && rest[1] == '/') {
        ns = rest + 2;
        ne = ns + strcspn(ns, "/?#");
        if ((memchr(ns, '[', (apr_size_t)(ne - ns)) != NULL)
            != (memchr(ns, ']', (apr_size_t)(ne - ns)) != NULL))
            return url_error(p, raw, "invalid IPv6 URL");
        rest = ne;
    }
    path = apr_pstrdup(p, rest);
    if ((hash = strchr(path, '#')) != NULL)
        *hash = '\0';
    if ((query = strchr(path, '?')) != NULL)
        *query++ = '\0';

    /* vhost: oslo unquotes path[1:], hands it to kombu inside a URL, and kombu unquotes it
     * again (kombu/utils/url.py url_to_parts): "%2F" and "%252F" both mean "/". */
    if (path[0] == '/') {
        char *once = heat_unquote(p, path + 1, strlen(path + 1), 0, &err);
        if (once)
            u->vhost = heat_unquote(p, once, strlen(once), 0, &err);
        if (err)
            return url_error(p, raw, apr_pstrcat(p, "virtual host contains ", err, NULL));
    }

    u->hosts = apr_array_make(p, 2, sizeof(heat_amqp_host_t));
    if (ns) {
        const char *item = ns;
        while (item <= ne) {
            const char *comma = memchr(item, ',', (apr_size_t)(ne - item));
            const char *iend = comma ? comma : ne;
            if (iend > item) {
                heat_amqp_host_t *h = apr_array_push(u->hosts);
                if ((err = parse_host(p, raw, item, (apr_size_t)(iend - item), h)) != NULL)
                    return err;
            }
            if (!comma)
                break;
            item = comma + 1;
        }
    }

    /* query: parse_qs with keep_blank_values=False; repeated keys joined with ',' (oslo) */
    u->query = apr_table_make(p, 4);
    if (query) {
        char *state = NULL, *pair;
        for (pair = apr_strtok(query, "&", &state); pair; pair = apr_strtok(NULL, "&", &state)) {
            char *eq = strchr(pair, '=');
            const char *k, *v, *old;
            if (!eq || !eq[1])
                continue;
            k = heat_unquote(p, pair, (apr_size_t)(eq - pair), 1, &err);
            v = k ? heat_unquote(p, eq + 1, strlen(eq + 1), 1, &err) : NULL;
            if (err)
                return url_error(p, raw, apr_pstrcat(p, "query contains ", err, NULL));
            old = apr_table_get(u->query, k);
            apr_table_set(u->query, k, old ? apr_pstrcat(p, old, ",", v, NULL) : v);
        }
    }
    *out = u;
    return NULL;
}

/* ---- shared health ---------------------------------------------------------------------- */

struct heat_amqp_health_t {
    apr_thread_mutex_t *mutex;
    const heat_amqp_conf_t *conf;
    unsigned failed_passes;
    apr_time_t down_until;
    const char *last_error; /* static text or from the health pool; guarded by mutex */
    char last_error_buf[512];
};

apr_status_t heat_amqp_health_create(apr_pool_t *p, const heat_amqp_conf_t *conf,
                                     heat_amqp_health_t **out)
{
    heat_amqp_health_t *h = apr_pcalloc(p, sizeof(*h));
    apr_status_t rv = apr_thread_mutex_create(&h->mutex, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS)
        return rv;
    h->conf = conf;
    *out = h;
    return APR_SUCCESS;
}

/* Whether attempts are suspended; copies the last error into the caller's pool. */
static int health_suspended(heat_amqp_health_t *h, apr_pool_t *p, const char **err)
{
    int down = 0;
    if (!h)
        return 0;
    apr_thread_mutex_lock(h->mutex);
    if (h->down_until && apr_time_now() < h->down_until) {
        down = 1;
        *err = apr_psprintf(p, "%s (not retried for %" APR_TIME_T_FMT " ms more)",
                            h->last_error_buf,
                            (apr_time_t)apr_time_as_msec(h->down_until - apr_time_now()));
    }
    apr_thread_mutex_unlock(h->mutex);
    return down;
}

static void health_report(heat_amqp_health_t *h, int ok, const char *err)
{
    if (!h)
        return;
    apr_thread_mutex_lock(h->mutex);
    if (ok) {
        h->failed_passes = 0;
        h->down_until = 0;
    }
    else {
        apr_interval_time_t wait = h->conf->retry_interval
                                   + (apr_interval_time_t)h->failed_passes * h->conf->retry_backoff;
        if (wait > h->conf->retry_max)
            wait = h->conf->retry_max;
        h->failed_passes++;
        h->down_until = apr_time_now() + wait;
        apr_cpystrn(h->last_error_buf, err ? err : "unknown error", sizeof(h->last_error_buf));
    }
    apr_thread_mutex_unlock(h->mutex);
}

/* ---- one connection --------------------------------------------------------------------- */

struct heat_amqp_conn_t {
    apr_pool_t *pool;    /* own allocator; lives as long as the object */
    apr_pool_t *msgpool; /* one delivery's body; cleared after it was dispatched */
    apr_pool_t *errpool; /* error texts of the current operation; cleared at each entry */
    const heat_amqp_conf_t *conf;
    heat_amqp_health_t *health;
    const char *reply_queue;
    amqp_connection_state_t state; /* NULL when not connected */
    int host_index;                /* the host in use, or to try first */
    char peer[300];                /* host:port in use, for logs */
    int heartbeat;                 /* negotiated */
    uint64_t published;            /* publishes on the current channel = last delivery tag */
    uint64_t acked;                /* highest confirmed tag */
    uint64_t nacked;               /* highest refused tag */
    int closed_code;               /* reply code of the broker's last channel close */
    apr_time_t last_io;            /* last successful read or write */
    /* connection.blocked (a resource alarm) until connection.unblocked: publishing would
     * wait for as long as the alarm lasts, so publishes fail at once meanwhile */
    int blocked;
    char blocked_reason[128];
    heat_amqp_stats_t stats;
};

static apr_status_t conn_state_cleanup(void *data)
{
    heat_amqp_conn_t *c = data;
    if (c->state) {
        amqp_destroy_connection(c->state); /* also closes the socket */
        c->state = NULL;
    }
    return APR_SUCCESS;
}

heat_amqp_conn_t *heat_amqp_conn_create(const heat_amqp_conf_t *conf, heat_amqp_health_t *health,
                                        const char *reply_queue)
{
    apr_allocator_t *alloc;
    apr_pool_t *pool;
    heat_amqp_conn_t *c;

    /* Own allocator: this object is used by whichever worker thread holds it, while pools
     * sharing pchild's (mutex-less) allocator are used by others. */
    if (apr_allocator_create(&alloc) != APR_SUCCESS)
        return NULL;
    if (apr_pool_create_unmanaged_ex(&pool, NULL, alloc) != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return NULL;
    }
    apr_allocator_owner_set(alloc, pool);
    /* a large reply's blocks go back to the system once its pool is cleared, instead of staying
     * with this pooled connection for its lifetime */
    apr_allocator_max_free_set(alloc, HEAT_AMQP_MAX_FREE);
    c = apr_pcalloc(pool, sizeof(*c));
    c->pool = pool;
    c->conf = conf;
    c->health = health;
    c->reply_queue = apr_pstrdup(pool, reply_queue);
    apr_pool_create(&c->msgpool, pool);
    apr_pool_create(&c->errpool, pool);
    /* the librabbitmq handle is freed with the pool, whatever path destroys it */
    apr_pool_cleanup_register(pool, c, conn_state_cleanup, apr_pool_cleanup_null);
    return c;
}

void heat_amqp_conn_destroy(heat_amqp_conn_t *c)
{
    if (!c)
        return;
    heat_amqp_conn_close(c);
    apr_pool_destroy(c->pool);
}

const char *heat_amqp_conn_reply_queue(const heat_amqp_conn_t *c)
{
    return c->reply_queue;
}

apr_pool_t *heat_amqp_conn_pool(const heat_amqp_conn_t *c)
{
    return c->pool;
}

const char *heat_amqp_conn_peer(const heat_amqp_conn_t *c)
{
    return c->state ? c->peer : NULL;
}

void heat_amqp_conn_stats(const heat_amqp_conn_t *c, heat_amqp_stats_t *out)
{
    *out = c->stats;
}

/* Drops the connection without the closing handshake (it is broken or its state unknown). */
static void conn_drop(heat_amqp_conn_t *c)
{
    if (c->state) {
        amqp_destroy_connection(c->state);
        c->state = NULL;
        c->stats.failures++;
    }
}

void heat_amqp_conn_close(heat_amqp_conn_t *c)
{
    struct timeval tv = {1, 0};
    apr_time_t idle;

    if (!c->state)
        return;
    idle = apr_time_now() - c->last_io;
    /* RabbitMQ drops a client silent for two heartbeat intervals: past that, no handshake,
     * which would wait for a close-ok that never comes. */
    if (c->heartbeat == 0 || idle < apr_time_from_sec(2 * c->heartbeat)) {
        amqp_set_rpc_timeout(c->state, &tv);
        amqp_connection_close(c->state, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(c->state);
    c->state = NULL;
}

static struct timeval tv_until(apr_time_t deadline)
{
    struct timeval tv = {0, 0};
    apr_time_t left = deadline - apr_time_now();
    if (left > 0) {
        tv.tv_sec = (time_t)apr_time_sec(left);
        tv.tv_usec = (suseconds_t)apr_time_usec(left);
    }
    return tv;
}

static const char *bytes_str(apr_pool_t *p, amqp_bytes_t b)
{
    return apr_pstrndup(p, b.bytes ? b.bytes : "", b.len);
}

/* Text of an amqp_rpc_reply_t failure. */
static const char *rpc_reply_error(apr_pool_t *p, amqp_rpc_reply_t r, const char *what)
{
    switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return NULL;
    case AMQP_RESPONSE_NONE:
        return apr_psprintf(p, "%s: no reply from the broker", what);
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        return apr_psprintf(p, "%s: %s", what, amqp_error_string2(r.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
            amqp_connection_close_t *m = r.reply.decoded;
            return apr_psprintf(p, "%s: broker closed the connection: %u %s", what, m->reply_code,
                                bytes_str(p, m->reply_text));
        }
        if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *m = r.reply.decoded;
            return apr_psprintf(p, "%s: broker closed the channel: %u %s", what, m->reply_code,
                                bytes_str(p, m->reply_text));
        }
        return apr_psprintf(p, "%s: unexpected broker method 0x%08x", what, r.reply.id);
    }
    return apr_psprintf(p, "%s: failed", what);
}

/* Makes OpenSSL verify that the broker's certificate names host (an IP address or a DNS name). */
static int expect_host(amqp_socket_t *sock, const char *host)
{
    SSL_CTX *ctx = amqp_ssl_socket_get_context(sock);
    X509_VERIFY_PARAM *param = ctx ? SSL_CTX_get0_param(ctx) : NULL;
    unsigned char addr[16];
    int is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;

    if (!param)
        return 0;
    return is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1
                 : X509_VERIFY_PARAM_set1_host(param, host, 0) == 1;
}

/* Opens the connection to one host; NULL or an error text. */
static const char *conn_open_host(heat_amqp_conn_t *c, const heat_amqp_host_t *h, apr_time_t deadline)
{
    const heat_amqp_conf_t *conf = c->conf;
    apr_pool_t *p = c->errpool;
    amqp_socket_t *sock;
    struct timeval tv;
    apr_time_t until = apr_time_now() + conf->connect_timeout;
    amqp_rpc_reply_t r;
    amqp_table_entry_t cap_entries[3], prop_entries[2], qargs[2], cargs[1];
    amqp_table_t caps, props, qtable, ctable;
    const char *name, *err;
    int rc, nq = 0;

    if (deadline < until)
        until = deadline;
    tv = tv_until(until);
    if (tv.tv_sec == 0 && tv.tv_usec == 0)
        return "deadline reached before connecting";

    c->state = amqp_new_connection();
    if (!c->state)
        return "out of memory";
    c->published = c->acked = c->nacked = 0;
    c->blocked = 0;
    c->blocked_reason[0] = '\0';
    if (conf->ssl) {
        sock = amqp_ssl_socket_new(c->state);
        if (!sock)
            return "cannot create a TLS socket";
        /* Python verifies the broker's certificate in every case: against ssl_ca_file, else
         * the system store; the host name only when asked
         * (impl_rabbit.py _fetch_ssl_params). */
        rc = amqp_ssl_socket_set_cacert(sock, conf->ssl_ca_file ? conf->ssl_ca_file
                                                                : "/etc/ssl/certs/ca-certificates.crt");
        if (rc != AMQP_STATUS_OK)
            return apr_psprintf(p, "ssl_ca_file: %s", amqp_error_string2(rc));
        amqp_ssl_socket_set_verify_peer(sock, 1);
        /* ssl_enforce_hostname_verification: OpenSSL checks the name during the handshake, an
         * IP address against the certificate's IP addresses as Python's ssl does (librabbitmq's
         * own check knows DNS names only) */
        amqp_ssl_socket_set_verify_hostname(sock, 0);
        if (conf->ssl_verify_hostname && !expect_host(sock, h->host))
            return "cannot set the host name to verify";
        if (conf->ssl_cert_file) {
            rc = amqp_ssl_socket_set_key(sock, conf->ssl_cert_file,
                                         conf->ssl_key_file ? conf->ssl_key_file : conf->ssl_cert_file);
            if (rc != AMQP_STATUS_OK)
                return apr_psprintf(p, "ssl_cert_file/ssl_key_file: %s", amqp_error_string2(rc));
        }
        if (conf->ssl_version) {
            rc = amqp_ssl_socket_set_ssl_versions(sock, (amqp_tls_version_t)conf->ssl_version,
                                                  (amqp_tls_version_t)conf->ssl_version);
            if (rc != AMQP_STATUS_OK)
                return apr_psprintf(p, "ssl_version: %s", amqp_error_string2(rc));
        }
    }
    else {
        sock = amqp_tcp_socket_new(c->state);
        if (!sock)
            return "cannot create a socket";
    }
    rc = amqp_socket_open_noblock(sock, h->host, h->port, &tv);
    if (rc == AMQP_STATUS_SOCKET_ERROR) /* librabbitmq keeps the reason (SO_ERROR) to itself */
        return "cannot connect (refused, unreachable or reset)";
    if (rc != AMQP_STATUS_OK)
        return apr_psprintf(p, "connect: %s", amqp_error_string2(rc));
    {
        int fd = amqp_get_sockfd(c->state), one = 1;
        /* oslo sets TCP_USER_TIMEOUT to the heartbeat threshold: unacknowledged data on a dead
         * peer then fails the socket instead of hanging. Keepalive covers heartbeat 0. */
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        {
            /* a write the broker stops reading (flow control, a full buffer) fails after the
             * connect timeout instead of blocking the thread without deadline */
            apr_interval_time_t st = conf->connect_timeout > 0 ? conf->connect_timeout
                                                               : apr_time_from_sec(5);
            struct timeval snd = {(time_t)apr_time_sec(st), (suseconds_t)apr_time_usec(st)};
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd));
        }
#ifdef TCP_USER_TIMEOUT
        if (conf->heartbeat > 0) {
            unsigned int ms = (unsigned int)conf->heartbeat * 1000u;
            setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
        }
#endif
    }
    tv = tv_until(until);
    amqp_set_handshake_timeout(c->state, &tv);
    amqp_set_rpc_timeout(c->state, &tv);

    name = apr_psprintf(p, "mod_heat:%ld:%s", (long)getpid(), c->reply_queue + 6);
    cap_entries[0].key = amqp_cstring_bytes("authentication_failure_close");
    cap_entries[0].value.kind = AMQP_FIELD_KIND_BOOLEAN;
    cap_entries[0].value.value.boolean = 1;
    cap_entries[1].key = amqp_cstring_bytes("connection.blocked");
    cap_entries[1].value.kind = AMQP_FIELD_KIND_BOOLEAN;
    cap_entries[1].value.value.boolean = 1;
    cap_entries[2].key = amqp_cstring_bytes("consumer_cancel_notify");
    cap_entries[2].value.kind = AMQP_FIELD_KIND_BOOLEAN;
    cap_entries[2].value.value.boolean = 1;
    caps.num_entries = 3;
    caps.entries = cap_entries;
    prop_entries[0].key = amqp_cstring_bytes("capabilities");
    prop_entries[0].value.kind = AMQP_FIELD_KIND_TABLE;
    prop_entries[0].value.value.table = caps;
    prop_entries[1].key = amqp_cstring_bytes("connection_name");
    prop_entries[1].value.kind = AMQP_FIELD_KIND_UTF8;
    prop_entries[1].value.value.bytes = amqp_cstring_bytes(name);
    props.num_entries = 2;
    props.entries = prop_entries;
    if (conf->sasl_external)
        r = amqp_login_with_properties(c->state, conf->vhost, 0, HEAT_AMQP_FRAME_MAX, conf->heartbeat,
                                       &props, AMQP_SASL_METHOD_EXTERNAL, h->user);
    else
        r = amqp_login_with_properties(c->state, conf->vhost, 0, HEAT_AMQP_FRAME_MAX, conf->heartbeat,
                                       &props, AMQP_SASL_METHOD_PLAIN, h->user, h->password);
    if ((err = rpc_reply_error(p, r, "login")) != NULL)
        return err;
    c->heartbeat = amqp_get_heartbeat(c->state);

    amqp_channel_open(c->state, HEAT_AMQP_CHANNEL);
    if ((err = rpc_reply_error(p, amqp_get_rpc_reply(c->state), "channel.open")) != NULL)
        return err;
    amqp_confirm_select(c->state, HEAT_AMQP_CHANNEL);
    if ((err = rpc_reply_error(p, amqp_get_rpc_reply(c->state), "confirm.select")) != NULL)
        return err;
    /* The engine's flags (amqp_durable_queues, amqp_auto_delete), or the broker closes the
     * channel with 406 PRECONDITION_FAILED. */
    amqp_exchange_declare(c->state, HEAT_AMQP_CHANNEL, amqp_cstring_bytes(conf->exchange),
                          amqp_cstring_bytes("topic"), 0, conf->exchange_durable ? 1 : 0,
                          conf->exchange_auto_delete ? 1 : 0, 0, amqp_empty_table);
    if ((err = rpc_reply_error(p, amqp_get_rpc_reply(c->state),
                               apr_psprintf(p, "declaring exchange '%s' (durable %d, auto_delete %d: "
                                               "must match heat-engine's amqp_durable_queues, "
                                               "rabbit_quorum_queue and amqp_auto_delete)",
                                            conf->exchange, conf->exchange_durable ? 1 : 0,
                                            conf->exchange_auto_delete ? 1 : 0)))
        != NULL)
        return err;
    /* oslo's reply queue: not durable, not exclusive, not auto-delete, x-expires, unbound. */
    if (conf->reply_expires_ms > 0) {
        qargs[nq].key = amqp_cstring_bytes("x-expires");
        qargs[nq].value.kind = AMQP_FIELD_KIND_I32;
        qargs[nq].value.value.i32 = conf->reply_expires_ms;
        nq++;
    }
    if (conf->ha_queues) {
        qargs[nq].key = amqp_cstring_bytes("x-ha-policy");
        qargs[nq].value.kind = AMQP_FIELD_KIND_UTF8;
        qargs[nq].value.value.bytes = amqp_cstring_bytes("all");
        nq++;
    }
    qtable.num_entries = nq;
    qtable.entries = qargs;
    amqp_queue_declare(c->state, HEAT_AMQP_CHANNEL, amqp_cstring_bytes(c->reply_queue), 0, 0, 0, 0,
                       qtable);
    if ((err = rpc_reply_error(p, amqp_get_rpc_reply(c->state),
                               apr_psprintf(p, "declaring queue '%s'", c->reply_queue)))
        != NULL)
        return err;
    ctable.num_entries = 0;
    ctable.entries = cargs;
    if (conf->cancel_on_failover) {
        cargs[0].key = amqp_cstring_bytes("x-cancel-on-ha-failover");
        cargs[0].value.kind = AMQP_FIELD_KIND_BOOLEAN;
        cargs[0].value.value.boolean = 1;
        ctable.num_entries = 1;
    }
    amqp_basic_consume(c->state, HEAT_AMQP_CHANNEL, amqp_cstring_bytes(c->reply_queue),
                       amqp_empty_bytes, 0, 0, 0, ctable);
    if ((err = rpc_reply_error(p, amqp_get_rpc_reply(c->state), "basic.consume")) != NULL)
        return err;
    amqp_maybe_release_buffers(c->state);
    return NULL;
}

/* Tries every host once, starting with the one last used (round-robin failover, in the order
 * of transport_url). */
static apr_status_t conn_open(heat_amqp_conn_t *c, apr_time_t deadline, const char **err)
{
    const apr_array_header_t *hosts = c->conf->hosts;
    const char *errors = NULL;
    int i;

    if (health_suspended(c->health, c->errpool, err))
        return APR_ECONNREFUSED;
    for (i = 0; i < hosts->nelts; i++) {
        int idx = (c->host_index + i) % hosts->nelts;
        const heat_amqp_host_t *h = &APR_ARRAY_IDX(hosts, idx, heat_amqp_host_t);
        const char *e = conn_open_host(c, h, deadline);
        const char *peer = strchr(h->host, ':') ? apr_psprintf(c->errpool, "[%s]:%d", h->host, h->port)
                                                : apr_psprintf(c->errpool, "%s:%d", h->host, h->port);
        if (!e) {
            c->host_index = idx;
            apr_cpystrn(c->peer, peer, sizeof(c->peer));
            c->last_io = apr_time_now();
            heat_stats_broker_connect(c->stats.connects > 0);
            c->stats.connects++;
            health_report(c->health, 1, NULL);
            heat_log(HEAT_LOG_DEBUG, "AMQP connected to %s vhost %s (heartbeat %d s), reply queue %s",
                     peer, c->conf->vhost, c->heartbeat, c->reply_queue);
            return APR_SUCCESS;
        }
        conn_drop(c);
        heat_log(HEAT_LOG_WARNING, "HEAT0500: AMQP server %s unreachable: %s", peer, e);
        errors = errors ? apr_psprintf(c->errpool, "%s; %s: %s", errors, peer, e)
                        : apr_psprintf(c->errpool, "%s: %s", peer, e);
        if (apr_time_now() >= deadline)
            break;
    }
    c->host_index = (c->host_index + 1) % hosts->nelts;
    *err = apr_psprintf(c->errpool, "no AMQP server reachable for %s: %s", c->conf->redacted_url,
                        errors ? errors : "no time left");
    health_report(c->health, 0, *err);
    return APR_ECONNREFUSED;
}

/* Waits for one frame. AMQP status. */
static int wait_frame(heat_amqp_conn_t *c, apr_time_t deadline, amqp_frame_t *f)
{
    struct timeval tv = tv_until(deadline);
    int rc = amqp_simple_wait_frame_noblock(c->state, f, &tv);
    if (rc == AMQP_STATUS_OK)
        c->last_io = apr_time_now();
    return rc;
}

/* Reads a delivery's header and body frames into msgpool. */
static apr_status_t read_content(heat_amqp_conn_t *c, apr_time_t deadline, char **body,
                                 apr_size_t *len, const char **err)
{
    amqp_frame_t f;
    uint64_t size, got = 0;
    char *buf;
    int rc;

    /* Content frames follow their method at once: give them the connect timeout even when
     * the caller only drains what is pending (deadline 0); a stall is a broken connection. */
    if (deadline < apr_time_now() + c->conf->connect_timeout)
        deadline = apr_time_now() + c->conf->connect_timeout;
    rc = wait_frame(c, deadline, &f);
    if (rc != AMQP_STATUS_OK) {
        *err = apr_psprintf(c->errpool, "reading a message header: %s", amqp_error_string2(rc));
        return APR_EGENERAL;
    }
    if (f.frame_type != AMQP_FRAME_HEADER || f.channel != HEAT_AMQP_CHANNEL) {
        *err = "protocol error: no content header after basic.deliver";
        return APR_EGENERAL;
    }
    size = f.payload.properties.body_size;
    if (size > HEAT_AMQP_MAX_BODY) {
        *err = apr_psprintf(c->errpool, "message of %" APR_UINT64_T_FMT " bytes refused", size);
        return APR_EGENERAL;
    }
    buf = apr_palloc(c->msgpool, (apr_size_t)size + 1);
    while (got < size) {
        rc = wait_frame(c, deadline, &f);
        if (rc != AMQP_STATUS_OK) {
            *err = apr_psprintf(c->errpool, "reading a message body: %s", amqp_error_string2(rc));
            return APR_EGENERAL;
        }
        if (f.frame_type != AMQP_FRAME_BODY || f.channel != HEAT_AMQP_CHANNEL
            || f.payload.body_fragment.len > size - got) {
            *err = "protocol error in a message body";
            return APR_EGENERAL;
        }
        memcpy(buf + got, f.payload.body_fragment.bytes, f.payload.body_fragment.len);
        got += f.payload.body_fragment.len;
    }
    buf[size] = '\0';
    *body = buf;
    *len = (apr_size_t)size;
    return APR_SUCCESS;
}

/* Reads and handles one frame: deliveries go to fn (*done set when fn is satisfied), confirms
 * are recorded, a broker's close ends the connection. APR_SUCCESS, APR_TIMEUP, or an error
 * after which the connection is dropped. */
static apr_status_t process_frame(heat_amqp_conn_t *c, apr_time_t deadline, heat_amqp_delivery_fn *fn,
                                  void *baton, int *done, const char **err)
{
    amqp_frame_t f;
    int rc = wait_frame(c, deadline, &f);
    apr_status_t rv = APR_SUCCESS;

    if (rc == AMQP_STATUS_TIMEOUT)
        return APR_TIMEUP;
    if (rc != AMQP_STATUS_OK) {
        *err = apr_psprintf(c->errpool, "connection to %s lost: %s", c->peer, amqp_error_string2(rc));
        conn_drop(c);
        return APR_ECONNRESET;
    }
    if (f.frame_type != AMQP_FRAME_METHOD) {
        amqp_maybe_release_buffers(c->state);
        return APR_SUCCESS; /* stray content frame: nothing waits for it */
    }
    switch (f.payload.method.id) {
    case AMQP_BASIC_DELIVER_METHOD: {
        amqp_basic_deliver_t *d = f.payload.method.decoded;
        uint64_t tag = d->delivery_tag;
        char *body;
        apr_size_t len;
        if ((rv = read_content(c, deadline, &body, &len, err)) != APR_SUCCESS)
            break;
        /* acknowledged before it is processed, as oslo's ReplyWaiter does */
        if ((rc = amqp_basic_ack(c->state, HEAT_AMQP_CHANNEL, tag, 0)) != AMQP_STATUS_OK) {
            *err = apr_psprintf(c->errpool, "basic.ack: %s", amqp_error_string2(rc));
            rv = APR_EGENERAL;
            break;
        }
        c->last_io = apr_time_now();
        c->stats.deliveries++;
        amqp_maybe_release_buffers(c->state);
        if (fn && fn(baton, body, len))
            *done = 1;
        apr_pool_clear(c->msgpool);
        return APR_SUCCESS;
    }
    case AMQP_BASIC_ACK_METHOD: {
        amqp_basic_ack_t *a = f.payload.method.decoded;
        if (a->delivery_tag > c->acked)
            c->acked = a->delivery_tag;
        if (a->delivery_tag == 0 && a->multiple) /* "everything so far" */
            c->acked = c->published;
        break;
    }
    case AMQP_BASIC_NACK_METHOD: {
        amqp_basic_nack_t *n = f.payload.method.decoded;
        c->nacked = n->delivery_tag ? n->delivery_tag : c->published;
        break;
    }
    case AMQP_BASIC_RETURN_METHOD: {
        char *body;
        apr_size_t len;
        /* only mandatory publishes come back, and ours are not: read it and forget it */
        rv = read_content(c, deadline, &body, &len, err);
        apr_pool_clear(c->msgpool);
        break;
    }
    case AMQP_BASIC_CANCEL_METHOD:
        *err = apr_psprintf(c->errpool, "the broker cancelled the consumer of %s (queue deleted?)",
                            c->reply_queue);
        rv = APR_ECONNRESET;
        break;
    case AMQP_CHANNEL_CLOSE_METHOD: {
        amqp_channel_close_t *m = f.payload.method.decoded;
        amqp_channel_close_ok_t ok = {0};
        *err = apr_psprintf(c->errpool, "broker closed the channel: %u %s", m->reply_code,
                            bytes_str(c->errpool, m->reply_text));
        c->closed_code = m->reply_code;
        amqp_send_method(c->state, HEAT_AMQP_CHANNEL, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
        rv = APR_ECONNRESET;
        break;
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
        amqp_connection_close_t *m = f.payload.method.decoded;
        amqp_connection_close_ok_t ok = {0};
        *err = apr_psprintf(c->errpool, "broker closed the connection: %u %s", m->reply_code,
                            bytes_str(c->errpool, m->reply_text));
        amqp_send_method(c->state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        rv = APR_ECONNRESET;
        break;
    }
    case AMQP_CONNECTION_BLOCKED_METHOD: {
        amqp_connection_blocked_t *b = f.payload.method.decoded;
        if (!c->blocked)
            heat_log(HEAT_LOG_WARNING, "HEAT0962: AMQP server %s blocks publishing (%s): RPC "
                     "requests on this connection fail until it unblocks", c->peer,
                     bytes_str(c->errpool, b->reason));
        c->blocked = 1;
        apr_cpystrn(c->blocked_reason, bytes_str(c->errpool, b->reason), sizeof(c->blocked_reason));
        break;
    }
    case AMQP_CONNECTION_UNBLOCKED_METHOD:
        if (c->blocked)
            heat_log(HEAT_LOG_NOTICE, "AMQP server %s unblocked publishing", c->peer);
        c->blocked = 0;
        break;
    default:
        break;
    }
    if (rv != APR_SUCCESS) {
        heat_log(HEAT_LOG_WARNING, "HEAT0501: AMQP: %s", *err);
        conn_drop(c);
        return rv;
    }
    if (c->state)
        amqp_maybe_release_buffers(c->state);
    return APR_SUCCESS;
}

apr_status_t heat_amqp_conn_ensure(heat_amqp_conn_t *c, apr_time_t deadline,
                                   heat_amqp_delivery_fn *fn, void *baton, const char **err)
{
    apr_pool_clear(c->errpool);
    if (c->state && c->heartbeat > 0
        && apr_time_now() - c->last_io >= apr_time_from_sec(c->heartbeat)) {
        /* Idle for a heartbeat interval: RabbitMQ drops a client silent for about two, and
         * librabbitmq sent nothing meanwhile. Reconnecting is cheaper than finding out. */
        heat_log(HEAT_LOG_DEBUG, "AMQP connection to %s idle for %" APR_TIME_T_FMT " s: reconnecting",
                 c->peer, (apr_time_t)apr_time_sec(apr_time_now() - c->last_io));
        heat_amqp_conn_close(c);
    }
    if (c->state) {
        /* Read whatever is pending without waiting: heartbeats, late replies, a close, EOF. */
        int done = 0;
        apr_status_t rv;
        do
            rv = process_frame(c, 0, fn, baton, &done, err);
        while (rv == APR_SUCCESS);
        if (rv == APR_TIMEUP)
            return APR_SUCCESS;
        heat_log(HEAT_LOG_INFO, "AMQP pooled connection found dead (%s): reconnecting", *err);
        apr_pool_clear(c->errpool);
    }
    return conn_open(c, deadline, err);
}

static const char *blocked_error(heat_amqp_conn_t *c)
{
    return apr_psprintf(c->errpool, "AMQP server %s blocks publishing (%s)", c->peer,
                        c->blocked_reason[0] ? c->blocked_reason : "resource alarm");
}

int heat_amqp_conn_blocked(const heat_amqp_conn_t *c)
{
    return c->blocked;
}

apr_status_t heat_amqp_publish(heat_amqp_conn_t *c, const char *exchange, const char *routing_key,
                               const char *body, apr_size_t len, const char *expiration,
                               apr_time_t deadline, heat_amqp_delivery_fn *fn, void *baton,
                               const char **err)
{
    amqp_basic_properties_t props;
    amqp_bytes_t content;
    uint64_t tag;
    apr_time_t confirm_by;
    int rc, done = 0;

    apr_pool_clear(c->errpool);
    if (!c->state) {
        *err = "not connected";
        return APR_ENOTSOCK;
    }
    if (c->blocked) {
        *err = blocked_error(c);
        return APR_EAGAIN;
    }
    memset(&props, 0, sizeof(props));
    props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_CONTENT_ENCODING_FLAG
                   | AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_PRIORITY_FLAG;
    props.content_type = amqp_cstring_bytes("application/json");
    props.content_encoding = amqp_cstring_bytes("utf-8");
    props.headers = amqp_empty_table;
    props.delivery_mode = 2;
    props.priority = 0;
    if (expiration) {
        props._flags |= AMQP_BASIC_EXPIRATION_FLAG;
        props.expiration = amqp_cstring_bytes(expiration);
    }
    content.bytes = (void *)body;
    content.len = len;
    rc = amqp_basic_publish(c->state, HEAT_AMQP_CHANNEL, amqp_cstring_bytes(exchange),
                            amqp_cstring_bytes(routing_key), 0, 0, &props, content);
    if (rc != AMQP_STATUS_OK) {
        *err = apr_psprintf(c->errpool, "publish to %s: %s", c->peer, amqp_error_string2(rc));
        heat_log(HEAT_LOG_INFO, "AMQP: %s", *err);
        conn_drop(c);
        return APR_ECONNRESET;
    }
    c->last_io = apr_time_now();
    tag = ++c->published;
    c->closed_code = 0;
    /* The confirm was seen to take under a millisecond; one that does not come
     * within the connect timeout means a dead connection, worth a reconnect and a retry. */
    confirm_by = c->last_io + c->conf->connect_timeout;
    if (confirm_by > deadline)
        confirm_by = deadline;
    while (c->acked < tag && c->nacked < tag) {
        apr_status_t rv;
        if (c->blocked) {
            /* the broker holds the message until the alarm clears: do not wait for it */
            *err = blocked_error(c);
            return APR_EAGAIN;
        }
        rv = process_frame(c, confirm_by, fn, baton, &done, err);
        if (rv == APR_TIMEUP) {
            if (confirm_by >= deadline) {
                *err = "no publisher confirm before the deadline";
                return APR_TIMEUP;
            }
            *err = apr_psprintf(c->errpool, "no publisher confirm from %s", c->peer);
            conn_drop(c);
            return APR_ECONNRESET;
        }
        if (rv != APR_SUCCESS)
            /* 406 PRECONDITION_FAILED answers the message itself (too large, a bad property) */
            return c->closed_code == AMQP_PRECONDITION_FAILED ? HEAT_AMQP_EREFUSED : rv;
    }
    if (c->nacked >= tag) {
        *err = apr_psprintf(c->errpool, "%s refused the message (basic.nack)", c->peer);
        conn_drop(c);
        return APR_EGENERAL;
    }
    (void)done; /* a reply seen before the confirm was given to fn already */
    return APR_SUCCESS;
}

apr_status_t heat_amqp_consume(heat_amqp_conn_t *c, apr_time_t deadline, heat_amqp_delivery_fn *fn,
                               void *baton, const char **err)
{
    int done = 0;

    apr_pool_clear(c->errpool);
    if (!c->state) {
        *err = "not connected";
        return APR_ENOTSOCK;
    }
    while (!done) {
        apr_status_t rv = process_frame(c, deadline, fn, baton, &done, err);
        if (rv != APR_SUCCESS)
            return rv;
    }
    return APR_SUCCESS;
}
