/* heat_outage.c: see heat_outage.h. */
#include "heat_outage.h"

#include <apr_atomic.h>

static apr_uint32_t seconds(apr_time_t t)
{
    return (apr_uint32_t)apr_time_sec(t);
}

int heat_outage_failed(heat_outage_t *o, apr_time_t now, apr_interval_time_t retry)
{
    apr_atomic_set32(&o->retry_at, seconds(now + retry));
    return apr_atomic_cas32(&o->down, 1, 0) == 0;
}

int heat_outage_ok(heat_outage_t *o)
{
    if (apr_atomic_read32(&o->down) == 0)
        return 0;
    return apr_atomic_cas32(&o->down, 0, 1) == 1;
}

int heat_outage_down(heat_outage_t *o)
{
    return apr_atomic_read32(&o->down) != 0;
}

int heat_outage_try(heat_outage_t *o, apr_time_t now, apr_interval_time_t retry)
{
    apr_uint32_t at;

    if (apr_atomic_read32(&o->down) == 0)
        return 1;
    at = apr_atomic_read32(&o->retry_at);
    if (seconds(now) < at)
        return 0;
    /* one thread wins the probe; the others wait for the next interval */
    return apr_atomic_cas32(&o->retry_at, seconds(now + retry), at) == at;
}
