/* heat_util.h: small text helpers more than one part of the core needs. */
#ifndef HEAT_UTIL_H
#define HEAT_UTIL_H

#include <apr_pools.h>

/* The value of a hex digit, -1 for anything else. */
int heat_hexval(int c);

/* Python's urllib.parse.unquote (plus_as_space: unquote_plus) of s[0..len): "%XX" decoded,
 * malformed escapes kept as they are. A "%00" cannot live in a C string: with err it is an
 * error (NULL and *err set), without it is kept undecoded. */
char *heat_unquote(apr_pool_t *p, const char *s, apr_size_t len, int plus_as_space, const char **err);

/* A growing, NUL-terminated text buffer in a pool: heat_buf_t b = {pool, NULL, 0, 0}. */
typedef struct {
    apr_pool_t *p;
    char *data;
    apr_size_t len, cap;
} heat_buf_t;
void heat_buf_add(heat_buf_t *b, const char *s, apr_size_t n);
void heat_buf_str(heat_buf_t *b, const char *s);

#endif
