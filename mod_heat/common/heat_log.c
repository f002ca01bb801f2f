/* heat_log.c: the core's logging indirection (see heat_log.h). */
#include "heat_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static heat_log_fn *log_fn;
static void *log_baton;
static int (*log_enabled_fn)(void *baton, int level);

void heat_log_set_callback(heat_log_fn *fn, void *baton)
{
    log_fn = fn;
    log_baton = baton;
}

void heat_log_set_level_check(int (*is_enabled)(void *baton, int level))
{
    log_enabled_fn = is_enabled;
}

int heat_log_enabled(int level)
{
    if (log_enabled_fn)
        return log_enabled_fn(log_baton, level);
    return log_fn != NULL || getenv("HEAT_TEST_LOG") != NULL;
}

void heat_log_printf(const char *file, int line, int level, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;

    if (!heat_log_enabled(level))
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (log_fn)
        log_fn(log_baton, file, line, level, buf);
    else
        fprintf(stderr, "[heat:%d] %s:%d %s\n", level, file, line, buf);
}

const char *heat_log_redact(const char *secret)
{
    return (secret && *secret) ? "***" : "(none)";
}
