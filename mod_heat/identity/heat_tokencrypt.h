/* heat_tokencrypt.h: integrity and secrecy of the shared token cache's entries, as
 * keystonemiddleware's auth_token protects memcached entries ([keystone_authtoken]
 * memcache_security_strategy = MAC or ENCRYPT, memcache_secret_key), with the same key
 * derivation and entry format:
 *
 *   digest     = HMAC-SHA384(secret, token || strategy)          (strategy as configured)
 *   cache key  = digest[0:16]   ("tokens/" + base64 of it is keystonemiddleware's memcached key)
 *   MAC key    = digest[16:32]
 *   AES key    = digest[32:48]  (AES-128-CBC, random 16-byte IV in front, PKCS#7 padding)
 *   entry      = base64(HMAC-SHA384(MAC key, b64)) || b64,
 *                b64 = base64(data) with MAC, base64(IV || ciphertext) with ENCRYPT
 *
 * Only someone who knows the secret can compute where a token's entry lives or write one that
 * verifies; an entry copied under another token's key fails its MAC. Primitives are OpenSSL's
 * libcrypto. Key material is wiped with OPENSSL_cleanse (heat_tokencrypt_wipe). */
#ifndef HEAT_TOKENCRYPT_H
#define HEAT_TOKENCRYPT_H

#include <apr_pools.h>

typedef enum {
    HEAT_TOKENCRYPT_NONE = 0,
    HEAT_TOKENCRYPT_MAC,
    HEAT_TOKENCRYPT_ENCRYPT
} heat_tokencrypt_strategy_t;

#define HEAT_TOKENCRYPT_KEY_LEN 16

typedef struct {
    heat_tokencrypt_strategy_t strategy;
    unsigned char cache_key[HEAT_TOKENCRYPT_KEY_LEN];
    unsigned char mac_key[HEAT_TOKENCRYPT_KEY_LEN];
    unsigned char enc_key[HEAT_TOKENCRYPT_KEY_LEN];
} heat_tokencrypt_keys_t;

/* "None" (or NULL, ""), "MAC", "ENCRYPT", any case (oslo's choices with ignore_case); -1 for
 * anything else. */
int heat_tokencrypt_strategy(const char *name);

/* Derives the three keys of token. strategy_name: the option's value as written (it is part
 * of the derivation, as in keystonemiddleware). Returns 0, or -1 when libcrypto fails or the
 * strategy is not MAC or ENCRYPT. */
int heat_tokencrypt_derive(const char *secret, const char *token, const char *strategy_name,
                           heat_tokencrypt_keys_t *out);

/* keystonemiddleware's memcached key for these keys: "tokens/" + base64(cache_key). */
const char *heat_tokencrypt_memcache_key(apr_pool_t *p, const heat_tokencrypt_keys_t *k);

/* The protected entry of data (len bytes), NUL-terminated in p. Returns 0 or -1. */
int heat_tokencrypt_protect(apr_pool_t *p, const heat_tokencrypt_keys_t *k, const char *data,
                            apr_size_t len, char **out, apr_size_t *out_len);

/* Verifies the MAC (constant time) and, with ENCRYPT, decrypts: 0 with *out (NUL-terminated
 * in p), or -1 (*out NULL) when the entry does not verify or does not decrypt. */
int heat_tokencrypt_unprotect(apr_pool_t *p, const heat_tokencrypt_keys_t *k, const char *entry,
                              apr_size_t len, char **out, apr_size_t *out_len);

void heat_tokencrypt_wipe(heat_tokencrypt_keys_t *k);

/* SHA-256 of data into digest (libcrypto). */
void heat_tokencrypt_sha256(const void *data, apr_size_t len, unsigned char digest[32]);

#endif
