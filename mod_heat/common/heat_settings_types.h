/* heat_settings_types.h: the types of heat.conf's settings, and nothing else: the request
 * path's heat_settings_t and the authentication settings it holds ([keystone_authtoken],
 * [auth_password] with heat's Keystone TLS, [ec2authtoken]). They are here, in common/, so that
 * the option table (heat_conf.c) can name their fields and identity/ can use them, without
 * heat_conf.c depending on the loader (heat_settings.c) that depends on it.
 *
 * Every field a row of heat_conf.c's opt_table names with SETTING(field) has the C type of
 * the option's type:
 *
 *     BOOL              int              (0 or 1)
 *     INT, PORT         apr_int64_t, or int (the value clamped to int's range)
 *                                        (0 when oslo's value is None)
 *     FLOAT             double
 *     STR, IP           const char *     (SETTING_OR_NULL: "" is stored as NULL)
 *     LIST, MULTI       const apr_array_header_t *   (never NULL)
 *
 * Fields no row names are derived by heat_settings_derive (heat_settings.c) or are not
 * heat.conf options at all. */
#ifndef HEAT_SETTINGS_TYPES_H
#define HEAT_SETTINGS_TYPES_H

#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "heat_front.h"
#include "heat_profiler.h"
#include "heat_release.h"

/* One cors configuration block: [cors] itself or a [cors.<name>] subsection (heat_cors.h). */
typedef struct {
    const apr_array_header_t *allowed_origin; /* [cors] allowed_origin (const char *) */
    int allow_credentials;                    /* [cors] allow_credentials */
    const apr_array_header_t *expose_headers; /* [cors] expose_headers */
    apr_int64_t max_age;                      /* [cors] max_age (0: None or 0, no header) */
    const apr_array_header_t *allow_methods;  /* [cors] allow_methods */
    const apr_array_header_t *allow_headers;  /* [cors] allow_headers */
} heat_cors_group_t;

typedef struct {
    heat_cors_group_t group; /* [cors], filled by the option table's SETTING rows */
    /* origin (as configured, "*" included) -> const heat_cors_group_t *: the first block that
     * names an origin wins, as oslo's add_origin skips one already registered */
    apr_hash_t *origins;
} heat_cors_conf_t;

/* [keystone_authtoken] as keystonemiddleware and keystoneauth's password plugin read it
 * (identity/heat_keystone.h's client). Strings: NULL when unset or empty. */
typedef struct {
    /* password plugin (the service's own credentials) */
    const char *auth_url;            /* required; unversioned (discovery) or .../v3 */
    const char *username;            /* or user_id */
    const char *user_id;
    const char *password;
    const char *user_domain_name;    /* or user_domain_id */
    const char *user_domain_id;
    const char *project_name;        /* or project_id */
    const char *project_id;
    const char *project_domain_name; /* or project_domain_id */
    const char *project_domain_id;
    const char *default_domain_id;   /* fallback for user/project domain (keystoneauth generic) */
    const char *default_domain_name;

    /* where user tokens are validated */
    const char *interface;           /* catalog interface; NULL: "internal" */
    const char *region_name;         /* catalog region filter; NULL: any */
    const char *identity_uri;        /* mod_heat override: the identity v3 URL to validate
                                        against, instead of the catalog; NULL normally */

    /* auth_token middleware */
    const char *www_authenticate_uri;
    const char *auth_uri;            /* deprecated name of www_authenticate_uri */
    int include_service_catalog;     /* 1 (default) or 0: ?nocatalog */
    int token_cache_time;            /* seconds (300); <= 0: valid tokens are not cached */
    /* MAC or ENCRYPT (any case): cache entries are keyed and protected as keystonemiddleware
     * does (heat_tokencrypt.h); NULL or "None": plain entries under a SHA-256 key */
    const char *memcache_security_strategy;
    const char *memcache_secret_key; /* required with a strategy; never logged */
    const char *enforce_token_bind;  /* NULL: "permissive" */
    const apr_array_header_t *service_token_roles; /* const char *; NULL: {"service"} */
    int service_token_roles_required;
    const char *service_type;        /* for application-credential access rules */

    /* transport */
    const char *cafile;
    const char *certfile;
    const char *keyfile;
    int insecure;
    int http_connect_timeout;        /* seconds, 0: unset (mod_heat's defaults: 10 s connect,
                                        30 s total); set: both the connect and total timeout */
    int http_request_max_retries;    /* connection retries (3), 0.5 s back-off doubling */
    apr_size_t max_response_size;    /* 0: 4 MiB */

    /* heat-api's standalone flavor ([paste_deploy] flavor = standalone): users authenticate
     * with heat_keystone_password_auth, so no service credentials are needed: auth_url and
     * username may be unset (the service-token calls then answer HEAT_KS_UNAVAILABLE). */
    int standalone;
} heat_keystone_settings_t;

/* [auth_password]: heat's authurl and authpassword steps (identity/heat_auth.h). */
typedef struct {
    int multi_cloud;                             /* [auth_password] multi_cloud (false) */
    const apr_array_header_t *allowed_auth_uris; /* const char *: [auth_password]
                                                    allowed_auth_uris; NULL: none */
    /* heat's config.get_ssl_options('keystone'), the Session of the authurl discovery and of
     * authpassword: [clients_keystone] ca_file, cert_file, key_file, insecure, each falling
     * back to [clients] when unset. The key is only used together with a certificate. */
    const char *ca_file;
    const char *cert_file;
    const char *key_file;
    int insecure;
} heat_auth_password_settings_t;

/* [ec2authtoken]: heat-api-cfn's ec2token step (identity/heat_auth.h). */
typedef struct {
    const char *auth_uri;                        /* NULL: unset (the fallbacks of
                                                    heat_auth_ec2) */
    int multi_cloud;
    const apr_array_header_t *allowed_auth_uris; /* const char *; NULL: none */
    const char *ca_file;
    const char *cert_file;
    const char *key_file;                        /* only used with cert_file */
    int insecure;
} heat_auth_ec2_settings_t;

/* [clients]: heat's generic client TLS options, the fallback of [clients_keystone]'s
 * (heat_settings_derive fills heat_auth_password_settings_t's from them). */
typedef struct {
    const char *ca_file;
    const char *cert_file;
    const char *key_file;
    int insecure;
} heat_clients_settings_t;

/* Everything the request path reads from heat.conf, loaded once at startup. */
typedef struct {
    int debug;                        /* [DEFAULT] debug: tracebacks in fault bodies */
    int proxy_headers;                /* [oslo_middleware] enable_proxy_headers_parsing */
    const char *api_root;             /* [heat_api] heat_api_root (Debian), NULL if unset */
    const char *healthcheck_path;     /* [healthcheck] path */
    heat_healthcheck_conf_t healthcheck; /* the rest of [healthcheck] */
    apr_int64_t max_template_size;    /* [DEFAULT] max_template_size */
    apr_int64_t max_json_body_size;   /* [DEFAULT] max_json_body_size */
    apr_int64_t rpc_response_timeout; /* [DEFAULT] rpc_response_timeout, seconds (for messages) */
    const char *revision;             /* [revision] heat_revision */
    const char *clients_keystone_uri; /* [clients_keystone] auth_uri, NULL if unset */
    const char *paste_flavor;         /* [paste_deploy] flavor, NULL if unset */
    heat_cors_conf_t cors;            /* [cors] and [cors.<name>] (heat_cors.h) */
    heat_profiler_conf_t profiler;    /* [profiler] enabled, hmac_keys (heat_profiler.h) */
    /* Derived from paste_flavor: heat-api's flavors are the default (Keystone tokens), noauth
     * (heat's test pipeline: any request is the admin of project "admin", or X-Auth-User /
     * X-Auth-Project) and standalone (authpassword). */
    int noauth;
    int standalone;
    /* The authentication settings: */
    heat_keystone_settings_t keystone;      /* [keystone_authtoken] */
    heat_auth_password_settings_t password; /* [auth_password], heat's Keystone TLS */
    heat_auth_ec2_settings_t ec2;           /* [ec2authtoken] (heat-api-cfn's signature check) */
    heat_clients_settings_t clients;        /* [clients] (only the fallback above reads it) */
    /* Not a heat.conf option: the HeatRelease directive, set by the glue after loading
     * (heat_release.h; 0 = HEAT_RELEASE_19, the default). */
    heat_release_t release;
} heat_settings_t;

#endif
