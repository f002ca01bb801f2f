/* mod_heat_metrics.h: the glue of common/heat_stats: the shared-memory block, the mod_status
 * section, the heat-metrics handler (Prometheus text format) and what the access log can say
 * about a request (r->user and notes). */
#ifndef MOD_HEAT_METRICS_H
#define MOD_HEAT_METRICS_H

#include <httpd.h>

#define HEAT_HANDLER_METRICS "heat-metrics"

/* heat_metrics_register_hooks, called from mod_heat.c's register_hooks, is declared in
 * mod_heat.h. */

/* After authentication: r->user = the Keystone user id (so %u logs it), note heat-project-id.
 * Either may be NULL. */
void heat_metrics_identity(request_rec *r, const char *user_id, const char *project_id);

#endif
