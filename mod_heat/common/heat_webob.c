/* heat_webob.c: WebOb-compatible status bodies and Accept negotiation (see heat_webob.h). */
#include "heat_webob.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "heat_json.h"

typedef struct {
    int status;
    const char *title;
    const char *explanation;
} webob_status_t;

/* Titles and explanations from webob/exc.py (1.8). */
static const webob_status_t webob_statuses[] = {
    {200, "OK", ""},
    {202, "Accepted", "The request is accepted for processing."},
    {204, "No Content", ""},
    {300, "Multiple Choices", ""},
    {302, "Found", "The resource was found at"},
    {400, "Bad Request", "The server could not comply with the request since it is either "
                         "malformed or otherwise incorrect."},
    {401, "Unauthorized", "This server could not verify that you are authorized to access the "
                          "document you requested. Either you supplied the wrong credentials "
                          "(e.g., bad password), or your browser does not understand how to "
                          "supply the credentials required."},
    {403, "Forbidden", "Access was denied to this resource."},
    {404, "Not Found", "The resource could not be found."},
    {405, "Method Not Allowed", "The server could not comply with the request since it is either "
                                "malformed or otherwise incorrect."},
    {408, "Request Timeout", "The server has waited too long for the request to be sent by the client."},
    {409, "Conflict", "There was a conflict when trying to complete your request."},
    {411, "Length Required", "Content-Length header required."},
    {413, "Request Entity Too Large", "The body of your request was too large for this server."},
    {414, "Request-URI Too Long", "The request URI was too long for this server."},
    {415, "Unsupported Media Type", "The request media type is not supported by this server."},
    {500, "Internal Server Error", "The server has either erred or is incapable of performing the "
                                   "requested operation."},
    {501, "Not Implemented", "The server has either erred or is incapable of performing the "
                             "requested operation."},
    {503, "Service Unavailable", "The server is currently unavailable. Please try again at a "
                                 "later time."},
    {504, "Gateway Timeout", "The gateway has timed out."},
};

static const webob_status_t *webob_status(int status)
{
    size_t i;
    for (i = 0; i < sizeof(webob_statuses) / sizeof(webob_statuses[0]); i++)
        if (webob_statuses[i].status == status)
            return &webob_statuses[i];
    return NULL;
}

const char *heat_webob_title(int status)
{
    const webob_status_t *s = webob_status(status);
    return s ? s->title : NULL;
}

const char *heat_webob_explanation(int status)
{
    const webob_status_t *s = webob_status(status);
    return s ? s->explanation : NULL;
}

/* One media range of an Accept header. */
typedef struct {
    char *type;    /* "text" or "*" */
    char *subtype; /* "html" or "*" */
    double q;
} accept_range_t;

static char *trim(char *s)
{
    char *end;
    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    return s;
}

/* Parses "type/subtype;q=0.5, ..." into ranges. Returns -1 if the header is invalid
 * (WebOb then treats every offer as acceptable), else the number of ranges. */
static int accept_parse(apr_pool_t *p, const char *accept, accept_range_t **out)
{
    char *copy = apr_pstrdup(p, accept), *item, *state = NULL;
    int n = 0, cap = 8;
    accept_range_t *ranges = apr_pcalloc(p, cap * sizeof(*ranges));

    for (item = apr_strtok(copy, ",", &state); item; item = apr_strtok(NULL, ",", &state)) {
        char *param, *pstate = NULL, *media, *slash;
        accept_range_t r;

        item = trim(item);
        if (!*item)
            continue; /* empty list elements are allowed by RFC 7230 */
        media = trim(apr_strtok(item, ";", &pstate));
        slash = strchr(media, '/');
        if (!slash || slash == media || !slash[1])
            return -1;
        *slash = '\0';
        r.type = apr_pstrdup(p, media);
        r.subtype = apr_pstrdup(p, slash + 1);
        if (strcmp(r.type, "*") == 0 && strcmp(r.subtype, "*") != 0)
            return -1;
        r.q = 1.0;
        while ((param = apr_strtok(NULL, ";", &pstate))) {
            param = trim(param);
            if ((param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
                char *end;
                r.q = strtod(param + 2, &end);
                if (end == param + 2 || *end || r.q < 0 || r.q > 1)
                    return -1;
                break; /* parameters after q are accept-extensions: ignored */
            }
        }
        if (n == cap) {
            accept_range_t *bigger = apr_pcalloc(p, 2 * cap * sizeof(*ranges));
            memcpy(bigger, ranges, cap * sizeof(*ranges));
            ranges = bigger;
            cap *= 2;
        }
        ranges[n++] = r;
    }
    *out = ranges;
    return n;
}

/* q of an offer under the most specific matching range, -1 if none matches. */
static double offer_quality(const char *offer, const accept_range_t *ranges, int n)
{
    const char *slash = strchr(offer, '/');
    size_t tlen = (size_t)(slash - offer);
    int best_spec = -1, i;
    double q = -1;

    for (i = 0; i < n; i++) {
        int spec;
        int type_ok = strcmp(ranges[i].type, "*") == 0 ||
                      (strlen(ranges[i].type) == tlen && strncasecmp(ranges[i].type, offer, tlen) == 0);
        int sub_ok = strcmp(ranges[i].subtype, "*") == 0 || strcasecmp(ranges[i].subtype, slash + 1) == 0;
        if (!type_ok || !sub_ok)
            continue;
        spec = (strcmp(ranges[i].type, "*") != 0) + (strcmp(ranges[i].subtype, "*") != 0);
        if (spec > best_spec) {
            best_spec = spec;
            q = ranges[i].q;
        }
    }
    return q;
}

const char *heat_webob_best_offer(apr_pool_t *p, const char *accept, const char *const *offers,
                                  int n_offers)
{
    accept_range_t *ranges = NULL;
    int n, i;
    const char *best = NULL;
    double best_q = 0;

    if (!accept)
        return NULL;
    n = accept_parse(p, accept, &ranges);
    if (n < 0)
        return n_offers > 0 ? offers[0] : NULL;
    for (i = 0; i < n_offers; i++) {
        double q = offer_quality(offers[i], ranges, n);
        if (q > best_q) { /* strictly better: ties keep the earlier offer */
            best_q = q;
            best = offers[i];
        }
    }
    return best;
}

/* html_escape of webob (html.escape with quote=True). */
static const char *html_escape(apr_pool_t *p, const char *s)
{
    const char *c;
    char *out, *o;
    size_t extra = 0;

    for (c = s; *c; c++)
        extra += (*c == '&') ? 4 : (*c == '<' || *c == '>') ? 3 : (*c == '"' || *c == '\'') ? 5 : 0;
    if (!extra)
        return s;
    o = out = apr_palloc(p, strlen(s) + extra + 1);
    for (c = s; *c; c++) {
        switch (*c) {
        case '&': memcpy(o, "&amp;", 5); o += 5; break;
        case '<': memcpy(o, "&lt;", 4); o += 4; break;
        case '>': memcpy(o, "&gt;", 4); o += 4; break;
        case '"': memcpy(o, "&quot;", 6); o += 6; break;
        case '\'': memcpy(o, "&#x27;", 6); o += 6; break;
        default: *o++ = *c;
        }
    }
    *o = '\0';
    return out;
}

/* Removes every match of "<" ... ">" (non-greedy, like re '<.*?>'), or of "<br" ... ">"
 * (case-insensitive) replaced by a newline when br is set. */
static char *strip_tag_pass(apr_pool_t *p, const char *s, int br)
{
    char *out = apr_palloc(p, strlen(s) + 1), *o = out;
    while (*s) {
        const char *end;
        if (*s == '<' && (!br || strncasecmp(s, "<br", 3) == 0) && (end = strchr(s + 1, '>'))) {
            if (br)
                *o++ = '\n';
            s = end + 1;
            continue;
        }
        *o++ = *s++;
    }
    *o = '\0';
    return out;
}

/* webob's strip_tags for the plain body, pass by pass: newlines become spaces, "<br...>"
 * becomes a newline, the "<!--" and "-->" markers go (not what they enclose), then tags. */
static const char *strip_tags(apr_pool_t *p, const char *s)
{
    char *flat = apr_palloc(p, strlen(s) + 1), *o = flat, *nocomment, *c;

    for (; *s; s++) {
        if (*s == '\n')
            *o++ = ' ';
        else if (*s != '\r')
            *o++ = *s;
    }
    *o = '\0';
    flat = strip_tag_pass(p, flat, 1);
    o = nocomment = apr_palloc(p, strlen(flat) + 1);
    for (c = flat; *c;) {
        if (strncmp(c, "<!--", 4) == 0)
            c += 4;
        else if (strncmp(c, "-->", 3) == 0)
            c += 3;
        else
            *o++ = *c++;
    }
    *o = '\0';
    return strip_tag_pass(p, nocomment, 0);
}

/* The format Accept picks: 1 HTML, 2 JSON, 0 plain text. */
static int body_format(apr_pool_t *p, const char *accept)
{
    static const char *const offers[] = {"text/html", "application/json"};
    const char *match = heat_webob_best_offer(p, accept, offers, 2);
    return !match ? 0 : strcmp(match, "text/html") == 0 ? 1 : 2;
}

/* Wraps a body made from the template in the format's page (html_body, json_body,
 * plain_body of WSGIHTTPException). */
static heat_webob_body_t wrap_body(apr_pool_t *p, int status, int format, const char *body)
{
    heat_webob_body_t out;
    const char *title = heat_webob_title(status);
    const char *status_line;

    if (!title)
        title = "Unknown";
    status_line = apr_psprintf(p, "%d %s", status, title);
    if (format == 1) {
        out.content_type = "text/html; charset=UTF-8";
        out.body = apr_pstrcat(p, "<html>\n <head>\n  <title>", status_line,
                               "</title>\n </head>\n <body>\n  <h1>", status_line, "</h1>\n  ",
                               body, "\n </body>\n</html>", NULL);
    }
    else if (format == 2) {
        json_t *obj = json_object();
        json_object_set_new(obj, "message", json_string(body));
        json_object_set_new(obj, "code", json_string(status_line));
        json_object_set_new(obj, "title", json_string(title));
        out.content_type = "application/json";
        out.body = heat_json_dump(p, obj, 0);
        json_decref(obj);
    }
    else {
        out.content_type = "text/plain; charset=UTF-8";
        out.body = apr_pstrcat(p, status_line, "\n\n", strip_tags(p, body), NULL);
    }
    return out;
}

heat_webob_body_t heat_webob_body(apr_pool_t *p, int status, const char *accept,
                                  const char *explanation, const char *detail,
                                  const char *comment)
{
    int format = body_format(p, accept), html = format == 1;
    const char *body;

    if (!explanation)
        explanation = heat_webob_explanation(status) ? heat_webob_explanation(status) : "";
    /* body_template_obj: "${explanation}<br /><br />\n${detail}\n${html_comment}\n" */
    body = apr_pstrcat(p, html ? html_escape(p, explanation) : explanation, "<br /><br />\n",
                       detail ? (html ? html_escape(p, detail) : detail) : "", "\n",
                       comment ? apr_pstrcat(p, "<!-- ", html ? html_escape(p, comment) : comment,
                                             " -->", NULL)
                               : "",
                       "\n", NULL);
    return wrap_body(p, status, format, body);
}

heat_webob_body_t heat_webob_redirect_body(apr_pool_t *p, int status, const char *accept,
                                           const char *location)
{
    int format = body_format(p, accept), html = format == 1;
    const char *explanation = heat_webob_explanation(status) ? heat_webob_explanation(status) : "";
    const char *loc = html ? html_escape(p, location) : location;

    return wrap_body(p, status, format,
                     apr_pstrcat(p, html ? html_escape(p, explanation) : explanation, " <a href=\"",
                                 loc, "\">", loc, "</a>;\nyou should be redirected automatically.\n\n",
                                 NULL));
}
