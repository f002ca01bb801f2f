/* heat_front.h: what heat-api and heat-api-cfn answer before authentication: version
 * negotiation and the versions document (heat/api/middleware/version_negotiation.py,
 * heat/api/versions.py), oslo_middleware's healthcheck, request ids (oslo request_id) and the
 * application URL WebOb derives from scheme, Host and SCRIPT_NAME. */
#ifndef HEAT_FRONT_H
#define HEAT_FRONT_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "heat_result.h"

typedef enum {
    HEAT_NEG_ROUTE,       /* go on to the router with path_info (and script_name_suffix) */
    HEAT_NEG_VERSIONS,    /* answer the versions document (300) */
    HEAT_NEG_NOT_FOUND,   /* 404 webob body */
    HEAT_NEG_BAD_REQUEST  /* 400 webob body: the path is not UTF-8 */
} heat_neg_result_t;

typedef struct {
    heat_neg_result_t result;
    const char *script_name_suffix; /* what moved to SCRIPT_NAME ("/v1"), "" if nothing */
    const char *path_info;          /* the path the router sees */
} heat_negotiation_t;

/* VersionNegotiationFilter.process_request on the decoded path below the mount point and the
 * raw Accept header (NULL if absent). The same rules serve both APIs. */
void heat_front_negotiate(apr_pool_t *p, const char *path_info, const char *accept,
                          heat_negotiation_t *out);

/* {"versions": [{"id": "v1.0", "status": "CURRENT", "links": [{"rel": "self", "href": "<app_url>/v1/"}]}]} */
char *heat_front_versions_body(apr_pool_t *p, const char *application_url);

/* WebOb's host_url: scheme://host[:port], the port dropped when it is the scheme's default.
 * host_header NULL: server_name and server_port are used. */
char *heat_front_host_url(apr_pool_t *p, const char *scheme, const char *host_header,
                          const char *server_name, unsigned int server_port);

/* WebOb's quoting of SCRIPT_NAME in application_url (safe: letters, digits, "_.-~" and
 * "/~!$&'()*+,;=:@"). */
char *heat_front_quote_path(apr_pool_t *p, const char *path);

/* Proxy headers as oslo's HTTPProxyToWSGI reads them: the first element of an RFC 7239
 * Forwarded header, else X-Forwarded-Proto/-Host/-For; X-Forwarded-Prefix in both cases.
 * Each output is left unchanged when the headers do not set it. */
typedef struct {
    const char *scheme;
    const char *host;
    const char *remote_addr;
    const char *script_prefix; /* prepended to SCRIPT_NAME */
} heat_proxy_view_t;

void heat_front_proxy_headers(apr_pool_t *p, const char *forwarded, const char *x_proto,
                              const char *x_host, const char *x_for, const char *x_prefix,
                              heat_proxy_view_t *view);

/* Healthcheck configuration ([healthcheck] section) and answer. */
typedef struct {
    const apr_array_header_t *backends;              /* "disable_by_file", "disable_by_files_ports" */
    const char *disable_by_file_path;                /* NULL if unset */
    const apr_array_header_t *disable_by_file_paths; /* "port:path" entries */
    int detailed;
} heat_healthcheck_conf_t;

/* Whether a request is the healthcheck's. 19.0.0's pipeline filter answers only its
 * [healthcheck] path, compared with the whole path (uri); 24.0.0's api-paste.ini mounts the
 * healthcheck app at /healthcheck below the application (path_info), for that path and every
 * path under it, whatever [healthcheck] path says. */
int heat_front_healthcheck_route(const char *uri, const char *path_info, const char *path,
                                 heat_release_t release);

/* NULL if every backend name is known, else the first unknown one. */
const char *heat_front_healthcheck_unknown_backend(const heat_healthcheck_conf_t *hc);


void heat_front_healthcheck(apr_pool_t *p, const heat_healthcheck_conf_t *hc, const char *method,
                            const char *accept, unsigned int server_port,
                            heat_result_t *out);

/* "req-<uuid4>" from APR's random bytes. */
char *heat_front_request_id(apr_pool_t *p);

/* Whether an inbound X-OpenStack-Request-ID may become the global request id
 * (^req-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$). */
int heat_front_valid_request_id(const char *id);

#endif
