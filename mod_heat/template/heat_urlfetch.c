/* heat_urlfetch.c: heat/common/urlfetch.py get() over heat_http (see heat_urlfetch.h). */
#include "heat_urlfetch.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

#include "heat_log.h"

#define DEFAULT_MAX_TEMPLATE_SIZE 524288

/* urllib.parse's _WHATWG_C0_CONTROL_OR_SPACE (stripped on the left) and
 * _UNSAFE_URL_BYTES_TO_REMOVE (removed everywhere). */
static const char *clean_url(apr_pool_t *p, const char *url)
{
    char *out, *o;

    while (*url && (unsigned char)*url <= 0x20)
        url++;
    out = o = apr_pstrdup(p, url);
    for (; *url; url++)
        if (*url != '\t' && *url != '\r' && *url != '\n')
            *o++ = *url;
    *o = '\0';
    return out;
}

const char *heat_urlfetch_scheme(apr_pool_t *p, const char *url)
{
    const char *u = clean_url(p, url ? url : "");
    const char *colon = strchr(u, ':');
    const char *c;
    char *scheme, *w;

    /* urlsplit: a scheme is url[:i] when i > 0, url[0] is an ASCII letter and every
     * character is a letter, digit, "+", "-" or "." */
    if (!colon || colon == u || !apr_isascii(*u) || !apr_isalpha(*u))
        return "";
    for (c = u; c < colon; c++)
        if (!apr_isascii(*c) || !(apr_isalnum(*c) || *c == '+' || *c == '-' || *c == '.'))
            return "";
    scheme = apr_pstrmemdup(p, u, (apr_size_t)(colon - u));
    for (w = scheme; *w; w++)
        *w = (char)apr_tolower(*w);
    return scheme;
}

static int is_hex(char c)
{
    return apr_isxdigit(c);
}

/* requests' requote_uri: percent-encodes what is not allowed in a URL (spaces, controls,
 * non-ASCII, "<>\"^`{|}\\"); keeps "%XX" escapes unless one of them is malformed, in which
 * case every "%" is encoded too. */
static const char *requote(apr_pool_t *p, const char *url)
{
    static const char safe[] = "!#$%&'()*+,/:;=?@[]~-._";
    int escapes_ok = 1;
    const char *s;
    char *out, *o;

    for (s = url; *s; s++)
        if (*s == '%' && !(is_hex(s[1]) && is_hex(s[2])))
            escapes_ok = 0;
    out = o = apr_palloc(p, strlen(url) * 3 + 1);
    for (s = url; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80 && (apr_isalnum(c) || (strchr(safe, c) && (c != '%' || escapes_ok)))) {
            *o++ = (char)c;
        }
        else {
            static const char hex[] = "0123456789ABCDEF";
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

apr_status_t heat_urlfetch_get(heat_http_t *http, apr_pool_t *p, const char *url,
                               const heat_urlfetch_options_t *options, const char **data,
                               apr_size_t *len, const char **error)
{
    heat_urlfetch_options_t defaults = {0, 0, 0};
    const heat_urlfetch_options_t *o = options ? options : &defaults;
    apr_size_t max = o->max_template_size ? o->max_template_size : DEFAULT_MAX_TEMPLATE_SIZE;
    heat_http_options_t hopts;
    heat_http_request_t req;
    heat_http_response_t *resp;
    const char *scheme;
    apr_status_t rv;

    *data = NULL;
    *len = 0;
    *error = NULL;
    if (!url)
        url = "";
    scheme = heat_urlfetch_scheme(p, url);
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        *error = apr_psprintf(p, "Invalid URL scheme %s", scheme);
        return APR_EINVAL;
    }
    heat_log(HEAT_LOG_INFO, "Fetching data from %s", heat_http_url_for_log(p, url));

    memset(&hopts, 0, sizeof(hopts));
    hopts.connect_timeout =
        o->connect_timeout > 0 ? o->connect_timeout : HEAT_URLFETCH_DEFAULT_CONNECT_TIMEOUT;
    hopts.timeout = o->timeout > 0 ? o->timeout : HEAT_URLFETCH_DEFAULT_TIMEOUT;
    hopts.max_response_size = max;
    hopts.max_redirects = HEAT_URLFETCH_MAX_REDIRECTS;
    hopts.accept_encoding = "gzip, deflate"; /* what requests asks for; decoded before the cap */

    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = requote(p, clean_url(p, url));
    req.headers = apr_table_make(p, 1);
    apr_table_setn(req.headers, "Accept", "*/*");
    req.options = &hopts;

    rv = heat_http_perform(http, p, &req, &resp);
    if (rv == APR_ENOSPC) {
        *error = apr_psprintf(p, "Template exceeds maximum allowed size (%" APR_SIZE_T_FMT
                              " bytes)", max);
        return rv;
    }
    if (rv == APR_SUCCESS && resp->status >= 400 && resp->status < 600) {
        heat_log(HEAT_LOG_INFO, "Failed to retrieve template: HTTP %d from %s", resp->status,
                 heat_http_url_for_log(p, url));
        *error = apr_psprintf(p, "Failed to retrieve template from %s", url);
        return APR_EGENERAL;
    }
    if (rv != APR_SUCCESS) {
        heat_log(HEAT_LOG_INFO, "Failed to retrieve template: %s", resp->error);
        *error = apr_psprintf(p, "Failed to retrieve template from %s", url);
        return rv;
    }
    *data = resp->body;
    *len = resp->body_len;
    return APR_SUCCESS;
}

int heat_urlfetch_template(heat_http_t *http, apr_pool_t *p, const char *url, apr_size_t max_template_size,
                           const char **data, apr_size_t *len, const char **error)
{
    heat_urlfetch_options_t opts;

    memset(&opts, 0, sizeof(opts));
    opts.max_template_size = max_template_size;
    if (!http) {
        *error = "no HTTP client in this process";
        return 0;
    }
    return heat_urlfetch_get(http, p, url, &opts, data, len, error) == APR_SUCCESS;
}
