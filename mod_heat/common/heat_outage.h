/* heat_outage.h: once-per-outage bookkeeping of one backend a process's threads share (the
 * token cache): the first failure starts an outage and is the one worth a warning; while it
 * lasts the backend is left alone except for one probe per retry interval, so a dead backend
 * costs neither a log line nor a timeout per request; the first success ends it.
 * Lock-free (APR atomics); plain C, no httpd header. */
#ifndef HEAT_OUTAGE_H
#define HEAT_OUTAGE_H

#include <apr.h>
#include <apr_time.h>

typedef struct {
    volatile apr_uint32_t down;     /* 1 during an outage */
    volatile apr_uint32_t retry_at; /* during an outage: second (apr_time_sec) of the next probe */
} heat_outage_t;

/* An operation failed at now: 1 when this starts an outage (log it), else 0. The next probe
 * comes retry later. */
int heat_outage_failed(heat_outage_t *o, apr_time_t now, apr_interval_time_t retry);

/* An operation succeeded: 1 when this ends an outage, else 0. */
int heat_outage_ok(heat_outage_t *o);

/* 1 during an outage. */
int heat_outage_down(heat_outage_t *o);

/* Whether to use the backend at now: always outside an outage; during one, only the one
 * caller that claims the probe once the retry time has come. */
int heat_outage_try(heat_outage_t *o, apr_time_t now, apr_interval_time_t retry);

#endif
