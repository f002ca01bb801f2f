/* mod_heat_auth.h: the httpd side of authentication. The decisions are the core's
 * (identity/heat_auth.h); this glue builds the request view from request_rec, plugs the
 * socache (mod_heat_cache) in as the token cache, logs through ap_log_rerror, and creates
 * the per-process state in child_init:
 *
 *   child_init:  heat_http_create(&http, pchild)              once per child
 *                heat_auth_child_init(pchild, s, http, &ks_settings, &sconf->auth)  per server
 *                heat_auth_set_clients_keystone_uri(), heat_auth_set_password_settings()
 *   request:     heat_auth_request_t view; heat_auth_view(r, &view);
 *                then the core's steps on &view (doc/architecture.md, "Authentication"). */
#ifndef MOD_HEAT_AUTH_H
#define MOD_HEAT_AUTH_H

#include <httpd.h>

#include "heat_auth.h"
#include "heat_http.h"
#include "heat_keystone.h"

/* heat_auth_child_init, called by mod_heat.c in child_init, is declared in mod_heat.h. */

/* The request view of r (in r->pool; valid for the request). */
void heat_auth_view(request_rec *r, heat_auth_request_t *view);

/* keystonemiddleware's remove_auth_headers, when authtoken runs: the identity headers a
 * client could spoof (X-User-Id, X-Roles, ...) leave r->headers_in, so that no other module or
 * log format sees a claimed identity. Nothing in mod_heat reads them; mod_heat sets none. */
void heat_auth_strip_identity_headers(request_rec *r);

#endif
