/* heat_tokencrypt.c: keystonemiddleware's memcache entry protection on libcrypto (see
 * heat_tokencrypt.h). */
#include "heat_tokencrypt.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define DIGEST_LEN 48     /* SHA-384 */
#define MAC_B64_LEN 64    /* base64 of 48 bytes, no padding needed */
#define IV_LEN 16

int heat_tokencrypt_strategy(const char *name)
{
    if (!name || !*name || strcasecmp(name, "None") == 0)
        return HEAT_TOKENCRYPT_NONE;
    if (strcasecmp(name, "MAC") == 0)
        return HEAT_TOKENCRYPT_MAC;
    if (strcasecmp(name, "ENCRYPT") == 0)
        return HEAT_TOKENCRYPT_ENCRYPT;
    return -1;
}

int heat_tokencrypt_derive(const char *secret, const char *token, const char *strategy_name,
                           heat_tokencrypt_keys_t *out)
{
    int strategy = heat_tokencrypt_strategy(strategy_name);
    apr_size_t tl = strlen(token), sl;
    unsigned char digest[DIGEST_LEN];
    unsigned int n = 0;
    unsigned char *msg;
    int ok;

    memset(out, 0, sizeof(*out));
    if (strategy != HEAT_TOKENCRYPT_MAC && strategy != HEAT_TOKENCRYPT_ENCRYPT)
        return -1;
    sl = strlen(strategy_name);
    msg = OPENSSL_malloc(tl + sl + 1);
    if (!msg)
        return -1;
    memcpy(msg, token, tl);
    memcpy(msg + tl, strategy_name, sl);
    ok = HMAC(EVP_sha384(), secret, (int)strlen(secret), msg, tl + sl, digest, &n) != NULL &&
         n == DIGEST_LEN;
    OPENSSL_clear_free(msg, tl + sl + 1); /* holds the token */
    if (!ok)
        return -1;
    out->strategy = (heat_tokencrypt_strategy_t)strategy;
    memcpy(out->cache_key, digest, HEAT_TOKENCRYPT_KEY_LEN);
    memcpy(out->mac_key, digest + HEAT_TOKENCRYPT_KEY_LEN, HEAT_TOKENCRYPT_KEY_LEN);
    memcpy(out->enc_key, digest + 2 * HEAT_TOKENCRYPT_KEY_LEN, HEAT_TOKENCRYPT_KEY_LEN);
    OPENSSL_cleanse(digest, sizeof(digest));
    return 0;
}

static char *b64(apr_pool_t *p, const unsigned char *data, apr_size_t len, apr_size_t *out_len)
{
    char *out = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)len));
    int n = apr_base64_encode(out, (const char *)data, (int)len); /* counts the NUL */
    if (out_len)
        *out_len = (apr_size_t)(n > 0 ? n - 1 : 0);
    return out;
}

const char *heat_tokencrypt_memcache_key(apr_pool_t *p, const heat_tokencrypt_keys_t *k)
{
    return apr_pstrcat(p, "tokens/", b64(p, k->cache_key, sizeof(k->cache_key), NULL), NULL);
}

/* base64(HMAC-SHA384(mac_key, text)) into out (MAC_B64_LEN characters and a NUL) */
static int sign(const heat_tokencrypt_keys_t *k, const char *text, apr_size_t len,
                char out[MAC_B64_LEN + 1])
{
    unsigned char mac[DIGEST_LEN];
    unsigned int n = 0;

    if (!HMAC(EVP_sha384(), k->mac_key, sizeof(k->mac_key), (const unsigned char *)text, len,
              mac, &n) || n != DIGEST_LEN)
        return -1;
    apr_base64_encode(out, (const char *)mac, DIGEST_LEN);
    return 0;
}

/* AES-128-CBC with PKCS#7 padding (EVP's default): one call either way. */
static int aes_cbc(int encrypt, const unsigned char *key, const unsigned char *iv,
                   const unsigned char *in, apr_size_t len, unsigned char *out, apr_size_t *out_len)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0, ok;

    if (!ctx || len > (apr_size_t)(1 << 30)) {
        EVP_CIPHER_CTX_free(ctx);
        return -1;
    }
    ok = EVP_CipherInit_ex(ctx, EVP_aes_128_cbc(), NULL, key, iv, encrypt) == 1 &&
         EVP_CipherUpdate(ctx, out, &n1, in, (int)len) == 1 &&
         EVP_CipherFinal_ex(ctx, out + n1, &n2) == 1;
    EVP_CIPHER_CTX_free(ctx);
    *out_len = ok ? (apr_size_t)n1 + (apr_size_t)n2 : 0;
    return ok ? 0 : -1;
}

int heat_tokencrypt_protect(apr_pool_t *p, const heat_tokencrypt_keys_t *k, const char *data,
                            apr_size_t len, char **out, apr_size_t *out_len)
{
    const unsigned char *plain = (const unsigned char *)data;
    apr_size_t plain_len = len, enc_len;
    char *encoded, mac[MAC_B64_LEN + 1];

    *out = NULL;
    *out_len = 0;
    if (k->strategy == HEAT_TOKENCRYPT_ENCRYPT) {
        unsigned char *buf = apr_palloc(p, IV_LEN + len + 16);
        apr_size_t n;
        if (RAND_bytes(buf, IV_LEN) != 1 ||
            aes_cbc(1, k->enc_key, buf, plain, len, buf + IV_LEN, &n) != 0)
            return -1;
        plain = buf;
        plain_len = IV_LEN + n;
    }
    else if (k->strategy != HEAT_TOKENCRYPT_MAC) {
        return -1;
    }
    encoded = b64(p, plain, plain_len, &enc_len);
    if (sign(k, encoded, enc_len, mac) != 0)
        return -1;
    *out = apr_pstrcat(p, mac, encoded, NULL);
    *out_len = MAC_B64_LEN + enc_len;
    return 0;
}

int heat_tokencrypt_unprotect(apr_pool_t *p, const heat_tokencrypt_keys_t *k, const char *entry,
                              apr_size_t len, char **out, apr_size_t *out_len)
{
    char mac[MAC_B64_LEN + 1], *text, *raw;
    apr_size_t raw_len;

    *out = NULL;
    *out_len = 0;
    if (!entry || len < MAC_B64_LEN ||
        (k->strategy != HEAT_TOKENCRYPT_MAC && k->strategy != HEAT_TOKENCRYPT_ENCRYPT))
        return -1;
    if (sign(k, entry + MAC_B64_LEN, len - MAC_B64_LEN, mac) != 0 ||
        CRYPTO_memcmp(mac, entry, MAC_B64_LEN) != 0)
        return -1;
    /* apr's decoder wants a NUL-terminated text */
    text = apr_pstrmemdup(p, entry + MAC_B64_LEN, len - MAC_B64_LEN);
    raw = apr_palloc(p, (apr_size_t)apr_base64_decode_len(text) + 1);
    raw_len = (apr_size_t)apr_base64_decode(raw, text);
    if (k->strategy == HEAT_TOKENCRYPT_ENCRYPT) {
        unsigned char *plain;
        apr_size_t n;
        if (raw_len < IV_LEN + 16 || (raw_len - IV_LEN) % 16 != 0)
            return -1;
        plain = apr_palloc(p, raw_len - IV_LEN + 16 + 1);
        if (aes_cbc(0, k->enc_key, (unsigned char *)raw, (unsigned char *)raw + IV_LEN,
                    raw_len - IV_LEN, plain, &n) != 0)
            return -1;
        raw = (char *)plain;
        raw_len = n;
    }
    raw[raw_len] = '\0';
    *out = raw;
    *out_len = raw_len;
    return 0;
}

void heat_tokencrypt_wipe(heat_tokencrypt_keys_t *k)
{
    OPENSSL_cleanse(k, sizeof(*k));
}

void heat_tokencrypt_sha256(const void *data, apr_size_t len, unsigned char digest[32])
{
    unsigned int n = 0;

    if (EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) != 1 || n != 32)
        memset(digest, 0, 32); /* only on allocation failure inside libcrypto */
}
