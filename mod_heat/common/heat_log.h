/* heat_log.h: logging for the core (heat_*.c), which must not include httpd headers.
 * The glue installs a callback that forwards to ap_log_error with the module's index, so
 * `LogLevel heat:debug` applies; without one (unit tests) messages go to stderr when
 * HEAT_TEST_LOG is set and are dropped otherwise. Levels use the APLOG numbers. */
#ifndef HEAT_LOG_H
#define HEAT_LOG_H

#include <apr_pools.h>

#define HEAT_LOG_ERR 3
#define HEAT_LOG_WARNING 4
#define HEAT_LOG_NOTICE 5
#define HEAT_LOG_INFO 6
#define HEAT_LOG_DEBUG 7

typedef void heat_log_fn(void *baton, const char *file, int line, int level, const char *msg);

/* Installed once from the glue's check_config, before any child starts. */
void heat_log_set_callback(heat_log_fn *fn, void *baton);

/* Whether `level` would be logged; lets callers skip formatting debug messages. */
void heat_log_set_level_check(int (*is_enabled)(void *baton, int level));
int heat_log_enabled(int level);

void heat_log_printf(const char *file, int line, int level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define heat_log(level, ...) heat_log_printf(__FILE__, __LINE__, (level), __VA_ARGS__)

/* Redacts a secret (token, password, signature) for logging: keeps no character of it. */
const char *heat_log_redact(const char *secret);

#endif
