/* heat_profiler.c: osprofiler's signed_unpack and WsgiMiddleware._trace_is_valid
 * (osprofiler/_utils.py, web.py), then profiler.init's ids (profiler.py _Profiler). */
#include "heat_profiler.h"

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string.h>

#include "heat_front.h"
#include "heat_json.h"
#include "heat_pycompat.h"

/* str.strip() of a header value */
static const char *strip(apr_pool_t *p, const char *s)
{
    const char *e = s + strlen(s);

    while (*s && heat_py_latin1_isspace((unsigned char)*s))
        s++;
    while (e > s && heat_py_latin1_isspace((unsigned char)e[-1]))
        e--;
    return apr_pstrmemdup(p, s, (apr_size_t)(e - s));
}

/* generate_hmac: hex HMAC-SHA1 of data under key, lower case */
static int hmac_hex(const char *key, const char *data, char hex[2 * EVP_MAX_MD_SIZE + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;

    if (!HMAC(EVP_sha1(), key, (int)strlen(key), (const unsigned char *)data, strlen(data), md, &mdlen))
        return 0;
    for (i = 0; i < mdlen; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[2 * mdlen] = '\0';
    return 1;
}

/* The key of hmac_keys (split on ',', stripped, empties dropped) that signed data, or NULL. */
static const char *signing_key(apr_pool_t *p, const char *keys, const char *data, const char *sig)
{
    char *list = apr_pstrdup(p, keys), *last = NULL, *k;
    size_t siglen = strlen(sig);

    for (k = apr_strtok(list, ",", &last); k; k = apr_strtok(NULL, ",", &last)) {
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        const char *key = strip(p, k);

        if (!*key || !hmac_hex(key, data, hex))
            continue;
        /* constant time, as secretutils.constant_time_compare */
        if (strlen(hex) == siglen && CRYPTO_memcmp(hex, sig, siglen) == 0)
            return key;
    }
    return NULL;
}

json_t *heat_profiler_trace_info(apr_pool_t *p, const heat_profiler_conf_t *pc, const char *trace,
                                 const char *hmac)
{
    const char *sig, *key, *name;
    unsigned char *raw;
    apr_size_t rawlen;
    json_t *payload, *base, *parent, *v, *out;

    if (!pc || !pc->enabled || !pc->hmac_keys || !trace || !hmac)
        return NULL;
    sig = strip(p, hmac);
    if (!*sig || !(key = signing_key(p, pc->hmac_keys, trace, sig)))
        return NULL;
    if (heat_py_urlsafe_b64decode(p, trace, &raw, &rawlen) != 0 || memchr(raw, '\0', rawlen))
        return NULL;
    payload = heat_json_own(p, json_loadb((const char *)raw, rawlen, 0, NULL));
    if (!json_is_object(payload))
        return NULL;
    /* _trace_is_valid: base_id required (hmac_key is set by signed_unpack), parent_id optional,
     * nothing else */
    json_object_foreach(payload, name, v) {
        if (strcmp(name, "base_id") != 0 && strcmp(name, "parent_id") != 0 && strcmp(name, "hmac_key") != 0)
            return NULL;
    }
    base = json_object_get(payload, "base_id");
    if (!base)
        return NULL;
    parent = json_object_get(payload, "parent_id");
    /* _Profiler: a false base_id becomes a new uuid; the current span is parent_id or base_id */
    base = heat_py_truthy(base) ? json_incref(base) : json_string(heat_front_request_id(p) + 4);
    parent = parent && heat_py_truthy(parent) ? json_incref(parent) : json_incref(base);
    out = json_object();
    json_object_set_new(out, "hmac_key", json_string(key));
    json_object_set_new(out, "base_id", base);
    json_object_set_new(out, "parent_id", parent);
    return heat_json_own(p, out);
}
