/* mod_heat_cache.h: the token cache shared by all children, on httpd's socache API
 * (mod_authn_socache's life cycle, ssl_scache's locking rule).
 *
 *   HeatTokenCache provider[:args]     server config only; default "shmcb" with 4 MiB of
 *                                      shared memory, or "memcache" on heat.conf's
 *                                      [keystone_authtoken] memcached_servers when set;
 *                                      e.g. "shmcb:/run/heat-tokens(8388608)",
 *                                      "memcache:127.0.0.1:11211", "redis:...", or "none"
 *   HeatInvalidTokenCacheTime seconds  how long a token Keystone reported as not found (404)
 *                                      is answered 401 without asking again; default 10,
 *                                      0 disables (doc/differences.md)
 *   Mutex <mechanism> heat-tokencache  tunes the lock taken around store and retrieve when
 *                                      the provider is not multi-process safe (shmcb)
 *
 * Entries: key = SHA-256 digest of the token (heat_keystone_cache_key: never the token)
 * followed by one section byte, 't' for a validated token, 'n' for a Keystone 404. The digest
 * comes first because shmcb picks its subcache from the first byte of the key. Valid entries
 * hold Keystone's raw validation body (no token inside) and expire at
 * min(token expires_at, now + token_cache_time); Keystone errors are never stored. With
 * memcache_security_strategy the digest is the derived key and the value a protected entry
 * (heat_keystone.h, heat_tokencrypt.h): this file stores bytes and knows nothing of it. */
#ifndef MOD_HEAT_CACHE_H
#define MOD_HEAT_CACHE_H

#include <httpd.h>
#include <http_config.h>

#define HEAT_DIRECTIVE_TOKEN_CACHE "HeatTokenCache"
#define HEAT_DIRECTIVE_INVALID_TOKEN_CACHE_TIME "HeatInvalidTokenCacheTime"
/* The Mutex directive's name for the cache lock. */
#define HEAT_TOKEN_CACHE_MUTEX "heat-tokencache"
#define HEAT_TOKEN_CACHE_DEFAULT_SIZE 4194304
#define HEAT_INVALID_TOKEN_CACHE_TIME_DEFAULT 10
/* Values larger than this are not cached (retrieval needs a buffer of the largest size). */
#define HEAT_TOKEN_CACHE_MAX_VALUE (256 * 1024)

/* Directive setters (RSRC_CONF, global only). */
const char *heat_cmd_token_cache_set(cmd_parms *cmd, void *cfg, const char *arg);
const char *heat_cmd_invalid_token_cache_time_set(cmd_parms *cmd, void *cfg, const char *arg);

/* Entries for the lead's command table. */
#define HEAT_CACHE_COMMANDS                                                                    \
    AP_INIT_TAKE1(HEAT_DIRECTIVE_TOKEN_CACHE, heat_cmd_token_cache_set, NULL, RSRC_CONF,        \
                  "socache provider for the Keystone token cache: provider[:args], or none"),  \
    AP_INIT_TAKE1(HEAT_DIRECTIVE_INVALID_TOKEN_CACHE_TIME,                                      \
                  heat_cmd_invalid_token_cache_time_set, NULL, RSRC_CONF,                       \
                  "seconds a token Keystone does not know is remembered as invalid (0: off)")

/* The hooks (heat_cache_pre_config, _post_config, _child_init) are declared in mod_heat.h,
 * where mod_heat.c finds them. */

/* Whether a cache is configured and initialised. */
int heat_cache_enabled(void);

/* 1: a valid entry (*body, *len in p, NUL-terminated); -1: a remembered 404 (only looked up
 * when negative_ok); 0: nothing (or no cache, or an error, which is logged). */
int heat_cache_lookup(server_rec *s, apr_pool_t *p, const unsigned char key[32], int negative_ok,
                      const char **body, apr_size_t *len);

/* body != NULL: a validation body until expiry (absolute; ignored if not in the future);
 * body == NULL: a Keystone 404, for HeatInvalidTokenCacheTime seconds. */
void heat_cache_store(server_rec *s, apr_pool_t *p, const unsigned char key[32], const char *body,
                      apr_size_t len, apr_time_t expiry);

#endif
