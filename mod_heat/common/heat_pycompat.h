/* heat_pycompat.h: the Python behaviours heat's answers show (repr of str and float, the
 * UTF-8 codec and its error text, str.replace, bool()), written once here and called from
 * everywhere else: one home each (doc/architecture.md, "Python compatibility"). Percent
 * quoting (urllib.parse.quote/unquote, urlencode) is in heat_query.h and heat_util.h. */
#ifndef HEAT_PYCOMPAT_H
#define HEAT_PYCOMPAT_H

#include <apr_pools.h>
#include <jansson.h>
#include <stddef.h>

/* ---- UTF-8 ---- */

/* One strict UTF-8 character at s (NUL-terminated): its code point, and its length in *len;
 * -1 when the bytes are not UTF-8 (overlong forms, surrogates, beyond U+10FFFF). */
long heat_utf8_next(const unsigned char *s, int *len);

/* One code point of s (len > 0 bytes left) into *cp; returns the bytes it takes. Lenient, for
 * text already known to be UTF-8: a byte that does not start a complete sequence counts as the
 * code point of its own value. */
apr_size_t heat_utf8_decode(const char *s, apr_size_t len, unsigned long *cp);

/* Writes cp as UTF-8 to out (room for 4 bytes); returns the bytes written. */
apr_size_t heat_utf8_put(char *out, unsigned long cp);

/* len(str): the number of code points in valid UTF-8 text. */
size_t heat_py_strlen(const char *s, size_t len);

/* Python's strict UTF-8 decoder: 1 if data is valid UTF-8 (surrogates, overlong forms and
 * values above U+10FFFF are not). Otherwise 0, with the error range [*start, *end) in bytes and
 * the reason ("invalid start byte", "invalid continuation byte", "unexpected end of data"). */
int heat_py_utf8_check(const char *data, size_t len, size_t *start, size_t *end,
                       const char **reason);

/* str(UnicodeDecodeError) for that error: "'utf-8' codec can't decode byte 0xff in position 3:
 * invalid start byte" (or "bytes in position 3-4: ..."). */
char *heat_py_utf8_error(apr_pool_t *p, const char *data, size_t start, size_t end,
                         const char *reason);

/* bytes.decode('utf-8', 'replace') of NUL-terminated s: each maximal invalid subpart becomes
 * one U+FFFD. Returns s itself when it is already UTF-8. */
const char *heat_py_utf8_replace(apr_pool_t *p, const char *s);

/* bytes.decode('latin-1') as UTF-8: each byte of s[0..n) one code point (WSGI's headers). */
const char *heat_py_latin1_to_utf8(apr_pool_t *p, const char *s, apr_size_t n);

/* ---- repr() ---- */

/* str.isprintable() for one code point. Exact for ASCII and Latin-1; above that the Cc, Cf,
 * Zs, Zl, Zp, Co, surrogate and noncharacter ranges that matter (unassigned code points count
 * as printable, which Python would escape). */
int heat_py_isprintable(unsigned long cp);

/* repr(str) of UTF-8 text, as Python 3 writes it (quotes, escapes; printable non-ASCII kept). */
char *heat_py_repr(apr_pool_t *p, const char *s, size_t len);

/* The same with ascii_only: ascii(str), every non-ASCII code point escaped. */
char *heat_py_repr_ascii(apr_pool_t *p, const char *s, size_t len, int ascii_only);

/* len(repr(str)) without building it. */
size_t heat_py_repr_len(const char *s, size_t len);

/* repr(float): the shortest digits that read back as the same double, positional when the
 * decimal exponent is in [-4, 16), else d[.ddd]e+XX; "nan", "inf", "-inf", "-0.0". Flags for
 * complex.__repr__'s parts: HEAT_PY_FLOAT_NO_DOT0 ("1", not "1.0"), HEAT_PY_FLOAT_PLUS (a sign
 * always). buf needs HEAT_PY_FLOAT_SIZE bytes; returns buf. */
#define HEAT_PY_FLOAT_SIZE 40
#define HEAT_PY_FLOAT_NO_DOT0 1
#define HEAT_PY_FLOAT_PLUS 2
char *heat_py_float_fmt(char *buf, double d, int flags);

/* repr(float) in p. */
const char *heat_py_float(apr_pool_t *p, double d);

/* ---- str methods, bool() ---- */

/* s.replace(old, new_): every occurrence; s itself when there is none (or s is NULL). */
const char *heat_py_replace(apr_pool_t *p, const char *s, const char *old, const char *new_);

/* bool() of the value json.loads would give (NULL: False). */
int heat_py_truthy(const json_t *v);

/* str.isspace() of a header byte as WSGI decodes headers (latin-1): ASCII whitespace,
 * \x1c-\x1f, NEL (0x85), NBSP (0xa0). What str.strip() drops from a header value. */
int heat_py_latin1_isspace(unsigned char c);

/* ---- base64 ---- */

/* base64.urlsafe_b64decode(s) (binascii.a2b_base64 without strict mode, after '-' -> '+' and
 * '_' -> '/'): characters outside the alphabet are skipped, decoding stops at a complete pad,
 * and an unfinished quantum is an error. 0 with *out (NUL-terminated, *len bytes) from p;
 * -1 when Python raises (non-ASCII input, bad padding). */
int heat_py_urlsafe_b64decode(apr_pool_t *p, const char *s, unsigned char **out, apr_size_t *len);

#endif
