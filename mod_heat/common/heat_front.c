/* heat_front.c: version negotiation, versions document, healthcheck, request ids and the
 * application URL (see heat_front.h). */
#include "heat_front.h"

#include <apr_general.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <apr_uuid.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "heat_pycompat.h"
#include <sys/utsname.h>

#include "heat_json.h"
#include "heat_webob.h"

/* re.match(r"^v(\d+)\.?(\d+)?", s): only the start must match, so "v1foo" is v1.0. */
static int match_version(const char *s, long *major, long *minor)
{
    const char *c = s;
    if (!s || *c != 'v' || !apr_isdigit(c[1]))
        return 0;
    c++;
    *major = 0;
    while (apr_isdigit(*c)) {
        if (*major < 100000) /* big numbers are simply "not 1.0" */
            *major = *major * 10 + (*c - '0');
        c++;
    }
    if (*c == '.')
        c++;
    *minor = 0;
    while (apr_isdigit(*c)) {
        if (*minor < 100000)
            *minor = *minor * 10 + (*c - '0');
        c++;
    }
    return 1;
}

void heat_front_negotiate(apr_pool_t *p, const char *path_info, const char *accept,
                          heat_negotiation_t *out)
{
    static const char media_prefix[] = "application/vnd.openstack.orchestration-";
    const char *rest = path_info ? path_info : "", *seg_end;
    char *segment;
    long major, minor;

    out->script_name_suffix = "";
    out->path_info = rest;
    if (!heat_py_utf8_check(rest, strlen(rest), NULL, NULL, NULL)) {
        out->result = HEAT_NEG_BAD_REQUEST;
        return;
    }
    /* webob's path_info_peek: leading slashes skipped, up to the next slash. */
    while (*rest == '/')
        rest++;
    seg_end = strchr(rest, '/');
    segment = seg_end ? apr_pstrmemdup(p, rest, (apr_size_t)(seg_end - rest)) : apr_pstrdup(p, rest);

    if (!*segment || strcmp(segment, "versions") == 0) {
        out->result = HEAT_NEG_VERSIONS;
        return;
    }
    if (match_version(segment, &major, &minor)) {
        if (major == 1 && minor == 0) {
            /* path_info_pop: the slashes and the segment move to SCRIPT_NAME */
            apr_size_t consumed = (apr_size_t)(rest - (path_info ? path_info : "")) + strlen(segment);
            out->script_name_suffix = apr_pstrmemdup(p, path_info, consumed);
            out->path_info = path_info + consumed;
            out->result = HEAT_NEG_ROUTE;
        }
        else
            out->result = HEAT_NEG_VERSIONS;
        return;
    }
    if (accept && strncmp(accept, media_prefix, sizeof(media_prefix) - 1) == 0) {
        if (match_version(accept + sizeof(media_prefix) - 1, &major, &minor))
            out->result = (major == 1 && minor == 0) ? HEAT_NEG_ROUTE : HEAT_NEG_VERSIONS;
        else
            out->result = HEAT_NEG_ROUTE; /* heat falls through to the router unchanged */
        return;
    }
    out->result = HEAT_NEG_NOT_FOUND;
}

char *heat_front_versions_body(apr_pool_t *p, const char *application_url)
{
    json_t *doc = heat_json_own(p, json_pack("{s:[{s:s, s:s, s:[{s:s, s:s}]}]}", "versions",
                                             "id", "v1.0", "status", "CURRENT", "links", "rel",
                                             "self", "href",
                                             apr_pstrcat(p, application_url, "/v1/", NULL)));
    return heat_json_dump(p, doc, 0);
}

char *heat_front_host_url(apr_pool_t *p, const char *scheme, const char *host_header,
                          const char *server_name, unsigned int server_port)
{
    const char *host, *port;

    if (host_header) {
        const char *colon = strrchr(host_header, ':');
        size_t len = strlen(host_header);
        if (colon && len > 0 && host_header[len - 1] != ']') {
            host = apr_pstrmemdup(p, host_header, (apr_size_t)(colon - host_header));
            port = colon + 1;
        }
        else {
            host = host_header;
            port = NULL;
        }
    }
    else {
        host = server_name ? server_name : "";
        port = apr_psprintf(p, "%u", server_port);
    }
    if ((strcmp(scheme, "https") == 0 && port && strcmp(port, "443") == 0) ||
        (strcmp(scheme, "http") == 0 && port && strcmp(port, "80") == 0))
        port = NULL;
    return apr_pstrcat(p, scheme, "://", host, (port && *port) ? ":" : "", (port && *port) ? port : "",
                       NULL);
}

char *heat_front_quote_path(apr_pool_t *p, const char *path)
{
    static const char safe[] = "_.-~/~!$&'()*+,;=:@";
    const unsigned char *c;
    char *out = apr_palloc(p, strlen(path) * 3 + 1), *o = out;

    for (c = (const unsigned char *)path; *c; c++) {
        if (apr_isalnum(*c) || (*c < 0x80 && strchr(safe, *c)))
            *o++ = (char)*c;
        else
            o += apr_snprintf(o, 4, "%%%02X", *c);
    }
    *o = '\0';
    return out;
}

static char *strip(apr_pool_t *p, const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    return apr_pstrmemdup(p, s, len);
}

void heat_front_proxy_headers(apr_pool_t *p, const char *forwarded, const char *x_proto,
                              const char *x_host, const char *x_for, const char *x_prefix,
                              heat_proxy_view_t *view)
{
    if (forwarded && *forwarded) {
        /* Only the first proxy element counts; "key=value" pairs split on ';', keys
         * lowercased and stripped, values stripped (quotes are kept, as oslo keeps them). */
        size_t first_len = strcspn(forwarded, ",");
        const char *c = forwarded, *end = forwarded + first_len;
        while (c <= end) {
            size_t plen = strcspn(c, ";");
            const char *eq;
            if (c + plen > end)
                plen = (size_t)(end - c);
            eq = memchr(c, '=', plen);
            if (eq) {
                char *key = strip(p, c, (size_t)(eq - c));
                char *value = strip(p, eq + 1, (size_t)(c + plen - eq - 1));
                for (char *k = key; *k; k++)
                    *k = (char)apr_tolower(*k);
                if (*value) {
                    if (strcmp(key, "proto") == 0)
                        view->scheme = value;
                    else if (strcmp(key, "host") == 0)
                        view->host = value;
                    else if (strcmp(key, "for") == 0)
                        view->remote_addr = value;
                }
            }
            c += plen + 1;
        }
    }
    else {
        if (x_proto && *x_proto)
            view->scheme = x_proto;
        if (x_host && *x_host)
            view->host = x_host;
        if (x_for && *x_for)
            view->remote_addr = x_for;
    }
    if (x_prefix && *x_prefix)
        view->script_prefix = x_prefix;
}

int heat_front_healthcheck_route(const char *uri, const char *path_info, const char *path,
                                 heat_release_t release)
{
    static const char mount[] = "/healthcheck";
    if (release == HEAT_RELEASE_24)
        /* paste.urlmap: the mount itself or a path below it */
        return strncmp(path_info, mount, sizeof(mount) - 1) == 0 &&
               (path_info[sizeof(mount) - 1] == '\0' || path_info[sizeof(mount) - 1] == '/');
    return path && strcmp(uri, path) == 0;
}

const char *heat_front_healthcheck_unknown_backend(const heat_healthcheck_conf_t *hc)
{
    int i;
    for (i = 0; hc->backends && i < hc->backends->nelts; i++) {
        const char *name = APR_ARRAY_IDX(hc->backends, i, const char *);
        if (strcmp(name, "disable_by_file") != 0 && strcmp(name, "disable_by_files_ports") != 0)
            return name;
    }
    return NULL;
}

typedef struct {
    int available;
    const char *reason;
    const char *details;
    const char *kind; /* the plugin's class name, shown in detailed mode */
} health_result_t;

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void run_backend(apr_pool_t *p, const heat_healthcheck_conf_t *hc, const char *name,
                        unsigned int server_port, health_result_t *r)
{
    r->available = 1;
    r->reason = "OK";
    r->details = "";
    if (strcmp(name, "disable_by_file") == 0) {
        r->kind = "DisableByFileHealthcheck";
        if (!hc->disable_by_file_path || !*hc->disable_by_file_path)
            r->details = "No 'disable_by_file_path' configuration value specified";
        else if (!file_exists(hc->disable_by_file_path))
            r->details = apr_psprintf(p, "Path '%s' was not found", hc->disable_by_file_path);
        else {
            r->available = 0;
            r->reason = "DISABLED BY FILE";
            r->details = apr_psprintf(p, "Path '%s' was found", hc->disable_by_file_path);
        }
        return;
    }
    /* disable_by_files_ports: "port:path" entries, the one for this server's port counts */
    r->kind = "DisableByFilesPortsHealthcheck";
    for (int i = 0; hc->disable_by_file_paths && i < hc->disable_by_file_paths->nelts; i++) {
        const char *entry = APR_ARRAY_IDX(hc->disable_by_file_paths, i, const char *);
        const char *colon = strchr(entry, ':');
        if (colon && (unsigned int)apr_atoi64(entry) == server_port) {
            if (file_exists(colon + 1)) {
                r->available = 0;
                r->reason = "DISABLED BY FILE";
            }
            return;
        }
    }
}

static const char *html_escape_text(apr_pool_t *p, const char *s)
{
    /* jinja2's |e filter */
    const char *c;
    char *out = apr_palloc(p, strlen(s) * 5 + 1), *o = out;
    for (c = s; *c; c++) {
        switch (*c) {
        case '&': o = stpcpy(o, "&amp;"); break;
        case '<': o = stpcpy(o, "&lt;"); break;
        case '>': o = stpcpy(o, "&gt;"); break;
        case '"': o = stpcpy(o, "&#34;"); break;
        case '\'': o = stpcpy(o, "&#39;"); break;
        default: *o++ = *c;
        }
    }
    *o = '\0';
    return out;
}

void heat_front_healthcheck(apr_pool_t *p, const heat_healthcheck_conf_t *hc, const char *method,
                            const char *accept, unsigned int server_port,
                            heat_result_t *out)
{
    static const char *const offers[] = {"text/plain", "text/html", "application/json"};
    int n = hc->backends ? hc->backends->nelts : 0, healthy = 1, i;
    health_result_t *results = apr_pcalloc(p, (apr_size_t)(n ? n : 1) * sizeof(*results));
    const char *type;

    for (i = 0; i < n; i++) {
        run_backend(p, hc, APR_ARRAY_IDX(hc->backends, i, const char *), server_port, &results[i]);
        healthy = healthy && results[i].available;
    }
    if (strcmp(method, "HEAD") == 0) {
        out->status = healthy ? 204 : 503;
        out->content_type = healthy ? NULL : "text/plain; charset=UTF-8";
        out->body = "";
        return;
    }
    out->status = healthy ? 200 : 503;
    type = heat_webob_best_offer(p, accept, offers, 3);
    if (!type)
        type = "text/plain";

    if (strcmp(type, "application/json") == 0) {
        json_t *body = heat_json_own(p, json_object());
        json_t *reasons = json_array();
        for (i = 0; i < n; i++) {
            if (hc->detailed)
                json_array_append_new(reasons, json_pack("{s:s, s:s, s:s}", "reason", results[i].reason,
                                                         "details", results[i].details, "class",
                                                         results[i].kind));
            else
                json_array_append_new(reasons, json_string(results[i].reason));
        }
        json_object_set_new(body, "reasons", reasons);
        json_object_set_new(body, "detailed", json_boolean(hc->detailed));
        if (hc->detailed) {
            /* The Python service adds interpreter internals (python_version, gc, threads);
             * mod_heat reports the time and the platform only. */
            struct utsname u;
            char now[APR_RFC822_DATE_LEN];
            apr_rfc822_date(now, apr_time_now());
            json_object_set_new(body, "now", json_string(now));
            if (uname(&u) == 0)
                json_object_set_new(body, "platform",
                                    json_string(apr_pstrcat(p, u.sysname, "-", u.release, "-", u.machine, NULL)));
        }
        out->content_type = "application/json";
        out->body = heat_json_dump(p, body, JSON_INDENT(4) | JSON_SORT_KEYS);
    }
    else if (strcmp(type, "text/html") == 0) {
        const char *rows = "";
        for (i = 0; i < n; i++) {
            if (!results[i].reason || !*results[i].reason)
                continue;
            if (hc->detailed)
                rows = apr_pstrcat(p, rows, "<TR>\n    <TD>", html_escape_text(p, results[i].kind),
                                   "</TD>\n    <TD>", html_escape_text(p, results[i].reason),
                                   "</TD>\n    <TD>", html_escape_text(p, results[i].details),
                                   "</TD>\n</TR>", NULL);
            else
                rows = apr_pstrcat(p, rows, "<TR>\n\n    <TD>", html_escape_text(p, results[i].reason),
                                   "</TD>\n\n</TR>", NULL);
        }
        out->content_type = "text/html; charset=UTF-8";
        out->body = apr_psprintf(p,
                                 "<HTML>\n<HEAD><TITLE>Healthcheck Status</TITLE></HEAD>\n<BODY>\n\n"
                                 "<H2>Result of %d checks:</H2>\n<TABLE bgcolor=\"#ffffff\" border=\"1\">\n"
                                 "<TBODY>\n<TR>\n\n%s</TR>\n%s\n</TBODY>\n</TABLE>\n<HR></HR>\n\n</BODY>\n</HTML>",
                                 n,
                                 hc->detailed ? "<TH>\nKind\n</TH>\n<TH>\nReason\n</TH>\n<TH>\nDetails\n</TH>\n"
                                              : "<TH>\nReason\n</TH>\n",
                                 rows);
    }
    else {
        /* the plain template: each non-empty reason on its own line, the whole stripped */
        const char *body = "";
        for (i = 0; i < n; i++) {
            if (results[i].reason && *results[i].reason)
                body = *body ? apr_pstrcat(p, body, "\n", results[i].reason, NULL) : results[i].reason;
        }
        out->content_type = "text/plain; charset=UTF-8";
        out->body = body;
    }
}

char *heat_front_request_id(apr_pool_t *p)
{
    apr_uuid_t uuid;
    char text[APR_UUID_FORMATTED_LENGTH + 1];

    if (apr_generate_random_bytes(uuid.data, sizeof(uuid.data)) != APR_SUCCESS)
        apr_uuid_get(&uuid); /* no entropy source: APR's time-based uuid is still unique */
    uuid.data[6] = (unsigned char)((uuid.data[6] & 0x0f) | 0x40); /* version 4 */
    uuid.data[8] = (unsigned char)((uuid.data[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    apr_uuid_format(text, &uuid);
    return apr_pstrcat(p, "req-", text, NULL);
}

int heat_front_valid_request_id(const char *id)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    const char *c;
    int g, i;

    if (!id || strncmp(id, "req-", 4) != 0)
        return 0;
    c = id + 4;
    for (g = 0; g < 5; g++) {
        for (i = 0; i < groups[g]; i++, c++)
            if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
                return 0;
        if (g < 4 && *c++ != '-')
            return 0;
    }
    return *c == '\0';
}
