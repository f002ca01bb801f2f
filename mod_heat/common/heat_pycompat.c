/* heat_pycompat.c: Python's behaviour where heat's answers show it, one home each (see
 * heat_pycompat.h and doc/architecture.md, "Python compatibility"). */
#include "heat_pycompat.h"

#include <apr_strings.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 ------------------------------------------------------------------------------ */

long heat_utf8_next(const unsigned char *s, int *len)
{
    long c;
    int n, i;

    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) { n = 2; c = s[0] & 0x1F; }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) { n = 3; c = s[0] & 0x0F; }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) { n = 4; c = s[0] & 0x07; }
    else return -1;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        c = (c << 6) | (s[i] & 0x3F);
    }
    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    *len = n;
    return c;
}

apr_size_t heat_utf8_decode(const char *s, apr_size_t len, unsigned long *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned long c = u[0];
    apr_size_t n = 0, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0)
        n = 1, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0)
        n = 2, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0)
        n = 3, c &= 0x07;
    if (n == 0 || n >= len) {
        *cp = u[0];
        return 1;
    }
    for (i = 1; i <= n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = u[0];
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3F);
    }
    *cp = c;
    return n + 1;
}

apr_size_t heat_utf8_put(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t heat_py_strlen(const char *s, size_t len)
{
    size_t n = 0, i;
    for (i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

#define CONT(b) (((b) & 0xC0) == 0x80)

int heat_py_utf8_check(const char *data, size_t len, size_t *start, size_t *end, const char **reason)
{
    const unsigned char *s = (const unsigned char *)data;
    size_t i = 0;
    int kind = 0; /* 1 invalid start, 2..4 invalid continuation at byte kind-1, 5 end of data */

    while (i < len) {
        unsigned char ch = s[i];
        size_t left = len - i;
        if (ch < 0x80) {
            i++;
            continue;
        }
        if (ch < 0xC2 || ch > 0xF4) {
            kind = 1;
            break;
        }
        if (ch < 0xE0) {
            if (left < 2) {
                kind = 5;
                break;
            }
            if (!CONT(s[i + 1])) {
                kind = 2;
                break;
            }
            i += 2;
            continue;
        }
        if (ch < 0xF0) {
            if (left >= 2 && (!CONT(s[i + 1]) || (s[i + 1] < 0xA0 ? ch == 0xE0 : ch == 0xED))) {
                kind = 2;
                break;
            }
            if (left < 3) {
                kind = 5;
                break;
            }
            if (!CONT(s[i + 2])) {
                kind = 3;
                break;
            }
            i += 3;
            continue;
        }
        if (left >= 2 && (!CONT(s[i + 1]) || (s[i + 1] < 0x90 ? ch == 0xF0 : ch == 0xF4))) {
            kind = 2;
            break;
        }
        if (left >= 3 && !CONT(s[i + 2])) {
            kind = 3;
            break;
        }
        if (left < 4) {
            kind = 5;
            break;
        }
        if (!CONT(s[i + 3])) {
            kind = 4;
            break;
        }
        i += 4;
    }
    if (!kind)
        return 1;
    if (start)
        *start = i;
    if (end)
        *end = kind == 1 ? i + 1 : kind == 5 ? len : i + (size_t)kind - 1;
    if (reason)
        *reason = kind == 1 ? "invalid start byte" : kind == 5 ? "unexpected end of data" : "invalid continuation byte";
    return 0;
}

char *heat_py_utf8_error(apr_pool_t *p, const char *data, size_t start, size_t end, const char *reason)
{
    if (end == start + 1)
        return apr_psprintf(p, "'utf-8' codec can't decode byte 0x%02x in position %" APR_SIZE_T_FMT ": %s",
                            (unsigned char)data[start], start, reason);
    return apr_psprintf(p, "'utf-8' codec can't decode bytes in position %" APR_SIZE_T_FMT "-%" APR_SIZE_T_FMT ": %s",
                        start, end - 1, reason);
}

const char *heat_py_utf8_replace(apr_pool_t *p, const char *s)
{
    size_t len = strlen(s), start, end, done = 0;
    char *out, *o;

    if (heat_py_utf8_check(s, len, NULL, NULL, NULL))
        return s; /* the usual case: already UTF-8 */
    o = out = apr_palloc(p, len * 3 + 1);
    /* each error range is one maximal invalid subpart, replaced by one U+FFFD as Python does */
    while (!heat_py_utf8_check(s + done, len - done, &start, &end, NULL)) {
        memcpy(o, s + done, start);
        o += start;
        memcpy(o, "\xEF\xBF\xBD", 3);
        o += 3;
        done += end;
    }
    memcpy(o, s + done, len - done);
    o[len - done] = '\0';
    return out;
}

const char *heat_py_latin1_to_utf8(apr_pool_t *p, const char *s, apr_size_t n)
{
    apr_size_t i, extra = 0;
    char *out, *o;

    for (i = 0; i < n; i++)
        extra += (unsigned char)s[i] >= 0x80;
    if (!extra)
        return apr_pstrmemdup(p, s, n);
    o = out = apr_palloc(p, n + extra + 1);
    for (i = 0; i < n; i++)
        o += heat_utf8_put(o, (unsigned char)s[i]);
    *o = '\0';
    return out;
}

/* ---- repr(str) ----------------------------------------------------------------------------- */

int heat_py_isprintable(unsigned long cp)
{
    if (cp < 0x20 || cp == 0x7F)
        return 0;
    if (cp < 0x7F)
        return 1;
    if (cp <= 0xA0 || cp == 0xAD)
        return 0;
    if ((cp >= 0x600 && cp <= 0x605) || cp == 0x61C || cp == 0x6DD || cp == 0x70F || cp == 0x8E2 ||
        cp == 0x1680 || cp == 0x180E || (cp >= 0x2000 && cp <= 0x200F) ||
        (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || (cp >= 0xD800 && cp <= 0xF8FF) ||
        cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0xFFFE || cp == 0xFFFF ||
        cp == 0x110BD || cp == 0x110CD || (cp >= 0x13430 && cp <= 0x1343F) ||
        (cp >= 0x1BCA0 && cp <= 0x1BCA3) || (cp >= 0x1D173 && cp <= 0x1D17A) || cp == 0xE0001 ||
        (cp >= 0xE0020 && cp <= 0xE007F) || cp >= 0xF0000 || (cp & 0xFFFE) == 0xFFFE)
        return 0;
    return 1;
}

/* The quote repr() picks: ' unless the text has ' and no ". */
static char repr_quote(const char *s, size_t len)
{
    return (memchr(s, '\'', len) && !memchr(s, '"', len)) ? '"' : '\'';
}

/* Appends (out != NULL) or counts the repr of s; returns the length. */
static size_t repr_into(char *out, const char *s, size_t len, int ascii_only)
{
    char q = repr_quote(s, len);
    size_t i = 0, n = 0;

#define EMIT(str, l)                    \
    do {                                \
        if (out)                        \
            memcpy(out + n, (str), (l)); \
        n += (l);                       \
    } while (0)
    EMIT(&q, 1);
    while (i < len) {
        unsigned long cp;
        size_t w = heat_utf8_decode(s + i, len - i, &cp);
        char esc[24];
        if (cp == (unsigned long)q || cp == '\\') {
            esc[0] = '\\';
            esc[1] = (char)cp;
            EMIT(esc, 2);
        }
        else if (cp == '\t')
            EMIT("\\t", 2);
        else if (cp == '\n')
            EMIT("\\n", 2);
        else if (cp == '\r')
            EMIT("\\r", 2);
        else if (heat_py_isprintable(cp) && !(ascii_only && cp >= 0x80))
            EMIT(s + i, w);
        else if (cp < 0x100) {
            snprintf(esc, sizeof esc, "\\x%02lx", cp);
            EMIT(esc, 4);
        }
        else if (cp < 0x10000) {
            snprintf(esc, sizeof esc, "\\u%04lx", cp);
            EMIT(esc, 6);
        }
        else {
            snprintf(esc, sizeof esc, "\\U%08lx", cp);
            EMIT(esc, 10);
        }
        i += w;
    }
    EMIT(&q, 1);
#undef EMIT
    return n;
}

char *heat_py_repr_ascii(apr_pool_t *p, const char *s, size_t len, int ascii_only)
{
    size_t n = repr_into(NULL, s, len, ascii_only);
    char *out = apr_palloc(p, n + 1);
    repr_into(out, s, len, ascii_only);
    out[n] = '\0';
    return out;
}

size_t heat_py_repr_len(const char *s, size_t len)
{
    /* repr_into counts printable multi-byte characters by their bytes: count characters */
    char q = repr_quote(s, len);
    size_t i = 0, n = 2;
    while (i < len) {
        unsigned long cp;
        size_t w = heat_utf8_decode(s + i, len - i, &cp);
        if (cp == (unsigned long)q || cp == '\\' || cp == '\t' || cp == '\n' || cp == '\r')
            n += 2;
        else if (heat_py_isprintable(cp))
            n += 1;
        else
            n += cp < 0x100 ? 4 : cp < 0x10000 ? 6 : 10;
        i += w;
    }
    return n;
}

char *heat_py_repr(apr_pool_t *p, const char *s, size_t len)
{
    return heat_py_repr_ascii(p, s, len, 0);
}

/* ---- repr(float) --------------------------------------------------------------------------- */

char *heat_py_float_fmt(char *buf, double x, int flags)
{
    char tmp[40], digits[24];
    int prec, decpt, nd = 0, i;
    char *o = buf;

    if (isnan(x)) {
        strcpy(buf, flags & HEAT_PY_FLOAT_PLUS ? "+nan" : "nan");
        return buf;
    }
    if (signbit(x)) {
        *o++ = '-';
        x = -x;
    }
    else if (flags & HEAT_PY_FLOAT_PLUS)
        *o++ = '+';
    if (isinf(x)) {
        strcpy(o, "inf");
        return buf;
    }
    if (x == 0.0) {
        strcpy(o, flags & HEAT_PY_FLOAT_NO_DOT0 ? "0" : "0.0");
        return buf;
    }
    /* the shortest precision that reads back as the same double: the digits of Python's
     * dtoa mode 0 */
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, x);
        if (strtod(tmp, NULL) == x)
            break;
    }
    for (i = 0; tmp[i] && tmp[i] != 'e'; i++)
        if (tmp[i] >= '0' && tmp[i] <= '9')
            digits[nd++] = tmp[i];
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    decpt = atoi(tmp + i + 1) + 1; /* x = 0.d1d2... * 10^decpt */
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            *o++ = '0';
            *o++ = '.';
            for (i = 0; i < -decpt; i++)
                *o++ = '0';
            memcpy(o, digits, (size_t)nd);
            o += nd;
        }
        else if (decpt >= nd) {
            memcpy(o, digits, (size_t)nd);
            o += nd;
            for (i = nd; i < decpt; i++)
                *o++ = '0';
            if (!(flags & HEAT_PY_FLOAT_NO_DOT0)) {
                *o++ = '.';
                *o++ = '0';
            }
        }
        else {
            memcpy(o, digits, (size_t)decpt);
            o += decpt;
            *o++ = '.';
            memcpy(o, digits + decpt, (size_t)(nd - decpt));
            o += nd - decpt;
        }
        *o = '\0';
    }
    else {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)(nd - 1));
            o += nd - 1;
        }
        sprintf(o, "e%c%02d", decpt - 1 < 0 ? '-' : '+', abs(decpt - 1));
    }
    return buf;
}

const char *heat_py_float(apr_pool_t *p, double d)
{
    char buf[HEAT_PY_FLOAT_SIZE];
    return apr_pstrdup(p, heat_py_float_fmt(buf, d, 0));
}

/* ---- str.replace, bool() ------------------------------------------------------------------ */

const char *heat_py_replace(apr_pool_t *p, const char *s, const char *old, const char *new_)
{
    apr_size_t ol = strlen(old);
    const char *hit;
    char *out = "";

    if (!s || !ol || !strstr(s, old))
        return s;
    while ((hit = strstr(s, old))) {
        out = apr_pstrcat(p, out, apr_pstrmemdup(p, s, (apr_size_t)(hit - s)), new_, NULL);
        s = hit + ol;
    }
    return apr_pstrcat(p, out, s, NULL);
}

int heat_py_truthy(const json_t *v)
{
    if (!v)
        return 0;
    switch (json_typeof(v)) {
    case JSON_OBJECT: return json_object_size(v) > 0;
    case JSON_ARRAY: return json_array_size(v) > 0;
    case JSON_STRING: return json_string_length(v) > 0;
    case JSON_INTEGER: return json_integer_value(v) != 0;
    case JSON_REAL: return json_real_value(v) != 0.0;
    case JSON_TRUE: return 1;
    default: return 0;
    }
}

int heat_py_latin1_isspace(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f) || c == 0x85 || c == 0xa0;
}

/* ---- base64 ---- */

static int b64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+' || ch == '-')
        return 62;
    if (ch == '/' || ch == '_')
        return 63;
    return -1;
}

int heat_py_urlsafe_b64decode(apr_pool_t *p, const char *s, unsigned char **out, apr_size_t *len)
{
    apr_size_t n = strlen(s), i, o = 0;
    unsigned char *bin = apr_palloc(p, n / 4 * 3 + 3), left = 0;
    int quad = 0, pads = 0;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] > 0x7f)
            return -1; /* "string argument should contain only ASCII characters" */
    for (i = 0; i < n; i++) {
        int v;

        if (s[i] == '=') {
            /* a pad ends the input once it completes a quantum of at least two characters */
            if (quad >= 2 && quad + ++pads >= 4)
                goto done;
            continue;
        }
        if ((v = b64_value((unsigned char)s[i])) < 0)
            continue;
        pads = 0;
        switch (quad) {
        case 0:
            left = (unsigned char)v;
            quad = 1;
            break;
        case 1:
            bin[o++] = (unsigned char)((left << 2) | (v >> 4));
            left = (unsigned char)(v & 0x0f);
            quad = 2;
            break;
        case 2:
            bin[o++] = (unsigned char)((left << 4) | (v >> 2));
            left = (unsigned char)(v & 0x03);
            quad = 3;
            break;
        default:
            bin[o++] = (unsigned char)((left << 6) | v);
            quad = 0;
            break;
        }
    }
    if (quad != 0)
        return -1; /* "Incorrect padding" */
done:
    bin[o] = '\0';
    *out = bin;
    *len = o;
    return 0;
}
