/* heat_util.c: small text helpers shared by the core (see heat_util.h). */
#include "heat_util.h"

#include <apr_strings.h>
#include <string.h>

int heat_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *heat_unquote(apr_pool_t *p, const char *s, apr_size_t len, int plus_as_space, const char **err)
{
    char *out = apr_palloc(p, len + 1);
    apr_size_t i, o = 0;

    for (i = 0; i < len; i++) {
        int hi = (s[i] == '%' && i + 2 < len) ? heat_hexval((unsigned char)s[i + 1]) : -1;
        int lo = hi >= 0 ? heat_hexval((unsigned char)s[i + 2]) : -1;
        if (lo >= 0 && (hi || lo)) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        }
        else if (lo >= 0 && err) {
            *err = "a percent-encoded NUL byte (%00)";
            return NULL;
        }
        else if (plus_as_space && s[i] == '+')
            out[o++] = ' ';
        else
            out[o++] = s[i];
    }
    out[o] = '\0';
    return out;
}

void heat_buf_add(heat_buf_t *b, const char *s, apr_size_t n)
{
    if (b->len + n + 1 > b->cap) {
        apr_size_t cap = b->cap ? b->cap : 256;
        char *data;
        while (b->len + n + 1 > cap)
            cap *= 2;
        data = apr_palloc(b->p, cap);
        if (b->len)
            memcpy(data, b->data, b->len);
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void heat_buf_str(heat_buf_t *b, const char *s)
{
    heat_buf_add(b, s, strlen(s));
}
