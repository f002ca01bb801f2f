/* mod_heat_cache.c: the shared Keystone token cache on socache (see mod_heat_cache.h).
 * The life cycle follows modules/aaa/mod_authn_socache.c: the mutex name is registered in
 * pre_config (so `Mutex` can tune it), the provider is picked by the directive or defaults to
 * shmcb, post_config creates the global mutex and initialises the instance (cleanups on
 * pconf), child_init re-attaches the mutex. As modules/ssl/ssl_scache.c does, the lock is
 * taken around store *and* retrieve when the provider is not multi-process safe
 * (AP_SOCACHE_FLAG_NOTMPSAFE: shmcb), and post_config does nothing on the first,
 * throw-away configuration pass. */
#include "mod_heat.h"
#include "mod_heat_cache.h"

#include <ap_provider.h>
#include <ap_socache.h>
#include <apr_global_mutex.h>
#include <apr_strings.h>
#include <http_core.h>
#include <util_mutex.h>

#include "heat_outage.h"
#include "heat_pool.h"
#include <string.h>

/* socache consumer name: at most 16 characters, used in file names */
#define CACHE_CNAME "mod_heat-tokens"
#define SECTION_VALID 't'
#define SECTION_INVALID 'n'

/* One cache for the whole server (all vhosts): module-wide state, reset in pre_config. */
static const ap_socache_provider_t *cache_provider;
static ap_socache_instance_t *cache_instance;
static const char *cache_provider_name; /* for messages */
static int cache_disabled;              /* HeatTokenCache none */
static int cache_ready;                 /* post_config succeeded */
static apr_global_mutex_t *cache_mutex;
static int invalid_ttl = HEAT_INVALID_TOKEN_CACHE_TIME_DEFAULT;
/* A cache that fails (memcached stopped) is left alone until a store, tried once per interval,
 * succeeds again: tokens go to Keystone meanwhile, and the outage is logged once per child,
 * neither by us nor by the socache provider per request. */
#define HEAT_CACHE_RETRY apr_time_from_sec(30)
static heat_outage_t cache_outage;

static apr_status_t remove_lock(void *unused)
{
    (void)unused;
    if (cache_mutex) {
        apr_global_mutex_destroy(cache_mutex);
        cache_mutex = NULL;
    }
    return APR_SUCCESS;
}

static apr_status_t destroy_cache(void *data)
{
    if (cache_instance && cache_provider) {
        cache_provider->destroy(cache_instance, (server_rec *)data);
        cache_instance = NULL;
    }
    cache_ready = 0;
    return APR_SUCCESS;
}

const char *heat_cmd_token_cache_set(cmd_parms *cmd, void *cfg, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *sep, *name, *args = NULL;
    const ap_socache_provider_t *provider;

    (void)cfg;
    if (err)
        return err;
    if (strcasecmp(arg, "none") == 0) {
        cache_disabled = 1;
        cache_provider = NULL;
        cache_instance = NULL;
        return NULL;
    }
    /* 'name:args' or just 'name' */
    sep = ap_strchr_c(arg, ':');
    if (sep) {
        name = apr_pstrmemdup(cmd->pool, arg, (apr_size_t)(sep - arg));
        args = sep + 1;
    }
    else {
        name = arg;
    }
    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name, AP_SOCACHE_PROVIDER_VERSION);
    if (!provider)
        return apr_psprintf(cmd->pool, "%s: unknown socache provider '%s'. Maybe you need to load "
                            "the appropriate socache module (mod_socache_%s?)",
                            HEAT_DIRECTIVE_TOKEN_CACHE, name, name);
    err = provider->create(&cache_instance, args, cmd->temp_pool, cmd->pool);
    if (err)
        return apr_psprintf(cmd->pool, "%s: %s", HEAT_DIRECTIVE_TOKEN_CACHE, err);
    cache_provider = provider;
    cache_provider_name = name;
    cache_disabled = 0;
    return NULL;
}

const char *heat_cmd_invalid_token_cache_time_set(cmd_parms *cmd, void *cfg, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    apr_int64_t v;

    (void)cfg;
    if (err)
        return err;
    v = apr_strtoi64(arg, &end, 10);
    if (!*arg || *end || v < 0 || v > 86400)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds between 0 and 86400",
                            HEAT_DIRECTIVE_INVALID_TOKEN_CACHE_TIME, arg);
    invalid_ttl = (int)v;
    return NULL;
}

int heat_cache_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    apr_status_t rv;

    (void)ptemp;
    rv = ap_mutex_register(pconf, HEAT_TOKEN_CACHE_MUTEX, NULL, APR_LOCK_DEFAULT, 0);
    if (rv != APR_SUCCESS) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, rv, plog, "HEAT0200: failed to register the %s mutex",
                      HEAT_TOKEN_CACHE_MUTEX);
        return 500; /* an HTTP status would be a misnomer, but it is what hooks return */
    }
    /* A new configuration cycle starts from the defaults (the previous instance died with
     * the previous pconf). */
    cache_provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "shmcb",
                                        AP_SOCACHE_PROVIDER_VERSION);
    cache_provider_name = "shmcb";
    cache_instance = NULL;
    cache_disabled = 0;
    cache_ready = 0;
    invalid_ttl = HEAT_INVALID_TOKEN_CACHE_TIME_DEFAULT;
    return OK;
}

/* [keystone_authtoken] memcached_servers of the first server that reads a heat.conf, as the
 * memcache provider's argument ("host:port,host:port"); NULL when unset. python-memcached's
 * "inet:" prefix is dropped. */
static const char *conf_memcached_servers(apr_pool_t *p, server_rec *s)
{
    server_rec *vs;

    for (vs = s; vs; vs = vs->next) {
        const heat_server_conf_t *sc = ap_get_module_config(vs->module_config, &heat_module);
        const apr_array_header_t *list;
        const char *out = NULL;
        int i;

        if (!sc || !sc->conf)
            continue;
        list = heat_conf_list(sc->conf, "keystone_authtoken", "memcached_servers");
        for (i = 0; list && i < list->nelts; i++) {
            const char *one = APR_ARRAY_IDX(list, i, const char *);
            if (!one || !*one)
                continue;
            if (strncmp(one, "inet:", 5) == 0)
                one += 5;
            out = out ? apr_pstrcat(p, out, ",", one, NULL) : one;
        }
        return out;
    }
    return NULL;
}

/* No HeatTokenCache directive: keystonemiddleware's memcached_servers, when set, is the
 * shared cache (through mod_socache_memcache); otherwise the default shmcb. */
static void use_conf_memcached(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    const char *servers = conf_memcached_servers(ptemp, s);
    const ap_socache_provider_t *mc;
    ap_socache_instance_t *inst = NULL;
    const char *err;

    if (!servers)
        return;
    mc = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "memcache", AP_SOCACHE_PROVIDER_VERSION);
    if (!mc) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "HEAT0942: [keystone_authtoken] "
                     "memcached_servers is set but mod_socache_memcache is not loaded: the token "
                     "cache is %s, not shared with other nodes", cache_provider_name);
        return;
    }
    err = mc->create(&inst, apr_pstrdup(pconf, servers), ptemp, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "HEAT0943: [keystone_authtoken] "
                     "memcached_servers: %s; the token cache is %s", err, cache_provider_name);
        return;
    }
    cache_provider = mc;
    cache_instance = inst;
    cache_provider_name = "memcache";
}

int heat_cache_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    /* Token bodies with a catalog are a few kilobytes; 33-byte keys. */
    static const struct ap_socache_hints hints = {33, 8192, apr_time_from_sec(60)};
    const char *err;
    apr_status_t rv;

    (void)ptemp;
    /* httpd reads the configuration twice at startup; the first pass is thrown away */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    if (cache_disabled) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "HEAT0201: %s none: Keystone tokens are "
                     "validated on every request", HEAT_DIRECTIVE_TOKEN_CACHE);
        return OK;
    }
    if (!cache_instance)
        use_conf_memcached(pconf, ptemp, s);
    if (!cache_provider) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "HEAT0202: no socache provider for the "
                     "Keystone token cache (load mod_socache_shmcb, or set %s); tokens are "
                     "validated on every request", HEAT_DIRECTIVE_TOKEN_CACHE);
        return OK;
    }
    if (!cache_instance) {
        /* The default: shmcb with HEAT_TOKEN_CACHE_DEFAULT_SIZE bytes. The file name only
         * matters where anonymous shared memory is not available. */
        const char *arg = apr_psprintf(pconf, "%s(%d)",
                                       ap_runtime_dir_relative(pconf, "mod_heat-tokens"),
                                       HEAT_TOKEN_CACHE_DEFAULT_SIZE);
        err = cache_provider->create(&cache_instance, arg, ptemp, pconf);
        if (err) {
            ap_log_perror(APLOG_MARK, APLOG_CRIT, 0, plog, "HEAT0203: cannot create the %s token "
                          "cache: %s", cache_provider_name, err);
            return 500;
        }
    }
    if (cache_provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = ap_global_mutex_create(&cache_mutex, NULL, HEAT_TOKEN_CACHE_MUTEX, NULL, s, pconf, 0);
        if (rv != APR_SUCCESS) {
            ap_log_perror(APLOG_MARK, APLOG_CRIT, rv, plog, "HEAT0204: failed to create the %s "
                          "mutex", HEAT_TOKEN_CACHE_MUTEX);
            return 500;
        }
        apr_pool_cleanup_register(pconf, NULL, remove_lock, apr_pool_cleanup_null);
    }
    rv = cache_provider->init(cache_instance, CACHE_CNAME, &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, rv, plog, "HEAT0205: failed to initialise the %s "
                      "token cache", cache_provider_name);
        return 500;
    }
    /* Registered after remove_lock, so it runs before it (cleanups are LIFO). */
    apr_pool_cleanup_register(pconf, s, destroy_cache, apr_pool_cleanup_null);
    cache_ready = 1;
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "HEAT0206: Keystone token cache: %s, invalid "
                 "tokens remembered for %d s", cache_provider_name, invalid_ttl);
    return OK;
}

/* socache retrieves into a caller's buffer as large as the largest entry may be: each thread
 * keeps one (heat_pool.h), and a hit is copied into the request pool at its own size. */
static heat_scratch_t *lookup_scratch;

void heat_cache_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    if (!cache_ready)
        return;
    rv = heat_scratch_create(&lookup_scratch, HEAT_TOKEN_CACHE_MAX_VALUE, pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, "HEAT0961: no per-thread token cache "
                     "buffer; token cache lookups allocate from the request pool");
    }
    if (!cache_mutex)
        return;
    rv = apr_global_mutex_child_init(&cache_mutex, apr_global_mutex_lockfile(cache_mutex), pchild);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "HEAT0207: failed to initialise the %s mutex "
                     "in child_init", HEAT_TOKEN_CACHE_MUTEX);
}

int heat_cache_enabled(void)
{
    return cache_ready;
}

static int cache_lock(server_rec *s)
{
    apr_status_t rv;

    if (!cache_mutex)
        return 1;
    rv = apr_global_mutex_lock(cache_mutex);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "HEAT0208: cannot lock the token cache");
        return 0;
    }
    return 1;
}

static void cache_unlock(server_rec *s)
{
    apr_status_t rv;

    if (!cache_mutex)
        return;
    rv = apr_global_mutex_unlock(cache_mutex);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "HEAT0209: cannot unlock the token cache");
}

static void make_id(unsigned char id[33], const unsigned char key[32], char section)
{
    memcpy(id, key, 32);
    id[32] = (unsigned char)section;
}

static void cache_failed(server_rec *s, apr_status_t rv, const char *what)
{
    if (heat_outage_failed(&cache_outage, apr_time_now(), HEAT_CACHE_RETRY))
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, "HEAT1500: token cache (%s) %s failed: "
                     "tokens are validated with Keystone until it answers again (tried every "
                     "%d s; logged once per outage)", cache_provider_name, what,
                     (int)apr_time_sec(HEAT_CACHE_RETRY));
    else
        ap_log_error(APLOG_MARK, APLOG_DEBUG, rv, s, "HEAT1502: token cache (%s) %s failed again",
                     cache_provider_name, what);
}

static void cache_answered(server_rec *s)
{
    if (heat_outage_ok(&cache_outage))
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "HEAT1501: token cache (%s) answers again",
                     cache_provider_name);
}

/* One retrieve; returns 1 (found), 0 (not found) or -1 (error). */
static int retrieve(server_rec *s, apr_pool_t *p, const unsigned char key[32], char section,
                    unsigned char *buf, unsigned int *len)
{
    unsigned char id[33];
    apr_status_t rv;

    /* during an outage only a store probes (a lookup cannot tell a miss from a dead server) */
    if (heat_outage_down(&cache_outage))
        return 0;
    make_id(id, key, section);
    if (!cache_lock(s))
        return -1;
    rv = cache_provider->retrieve(cache_instance, s, id, sizeof(id), buf, len, p);
    cache_unlock(s);
    if (rv == APR_SUCCESS) {
        cache_answered(s);
        return 1;
    }
    if (APR_STATUS_IS_NOTFOUND(rv))
        return 0;
    cache_failed(s, rv, "lookup");
    return -1;
}

/* heat_scratch_fill_fn over retrieve() */
typedef struct {
    server_rec *s;
    apr_pool_t *p;
    const unsigned char *key;
} lookup_baton_t;

static int lookup_fill(void *baton, unsigned char *buf, unsigned int *len)
{
    lookup_baton_t *b = baton;
    return retrieve(b->s, b->p, b->key, SECTION_VALID, buf, len);
}

int heat_cache_lookup(server_rec *s, apr_pool_t *p, const unsigned char key[32], int negative_ok,
                      const char **body, apr_size_t *len)
{
    lookup_baton_t b = {s, p, key};
    unsigned int n;
    unsigned char tiny[8];

    *body = NULL;
    *len = 0;
    if (!cache_ready || !lookup_scratch)
        return 0;
    if (heat_scratch_fetch(lookup_scratch, p, lookup_fill, &b, body, len) == 1)
        return 1;
    if (negative_ok && invalid_ttl > 0) {
        n = sizeof(tiny);
        if (retrieve(s, p, key, SECTION_INVALID, tiny, &n) == 1)
            return -1;
    }
    return 0;
}

void heat_cache_store(server_rec *s, apr_pool_t *p, const unsigned char key[32], const char *body,
                      apr_size_t len, apr_time_t expiry)
{
    unsigned char id[33];
    unsigned char marker[1] = {'1'};
    apr_status_t rv;

    if (!cache_ready)
        return;
    if (body) {
        if (expiry <= apr_time_now())
            return;
        if (len > HEAT_TOKEN_CACHE_MAX_VALUE) {
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "HEAT0211: token body of %" APR_SIZE_T_FMT
                         " bytes not cached (limit %d)", len, HEAT_TOKEN_CACHE_MAX_VALUE);
            return;
        }
        make_id(id, key, SECTION_VALID);
    }
    else {
        if (invalid_ttl <= 0)
            return;
        expiry = apr_time_now() + apr_time_from_sec(invalid_ttl);
        make_id(id, key, SECTION_INVALID);
    }
    if (!heat_outage_try(&cache_outage, apr_time_now(), HEAT_CACHE_RETRY))
        return;
    if (!cache_lock(s))
        return;
    rv = cache_provider->store(cache_instance, s, id, sizeof(id), expiry,
                               body ? (unsigned char *)body : marker,
                               body ? (unsigned int)len : (unsigned int)sizeof(marker), p);
    cache_unlock(s);
    if (rv == APR_SUCCESS)
        cache_answered(s);
    else
        cache_failed(s, rv, body ? "store of a valid token" : "store of an invalid token");
}
