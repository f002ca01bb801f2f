/* heat_cfn_remote.h: heat/api/aws/exception.py map_remote_error: an engine
 * exception as heat-api-cfn answers it. */
#ifndef HEAT_CFN_REMOTE_H
#define HEAT_CFN_REMOTE_H

#include <apr_pools.h>

#include "heat_release.h"
#include "heat_rpc.h"

/* The AWS error (a code of heat_cfn_error()) for an exception class name, "_Remote" suffix
 * removed: InvalidParameterValue, AccessDenied, AlreadyExists, ActionInProgress (written as
 * Code InvalidAction), RequestLimitExceeded, else InternalFailure. */
const char *heat_cfn_remote_code(const char *cls);

/* The AWS error for an engine failure: *code as above, of the class oslo.messaging rebuilds
 * (RemoteError when it cannot: another module, arguments that do not fit the constructor);
 * *detail only for "safe" exceptions (heat's own): the engine's message, its first line
 * only unless debug, where heat-api-cfn's str(ex) = message + "\n" + traceback is kept
 * whole (doc/differences.md: tracebacks only with [DEFAULT] debug). NULL otherwise. */
/* The AWS error for an error of the engine-error table (heat_api_engine), by its Heat type:
 * MessagingTimeout InternalFailure, MessagingUnavailable and HTTPServiceUnavailable (no
 * transport) ServiceUnavailable, anything else InternalFailure. */
const char *heat_cfn_engine_code(const char *type);

/* The AWS Code (and detail) of an engine exception, rebuilt as the release does
 * (heat_result_from_remote_in). */
void heat_cfn_from_remote(apr_pool_t *p, heat_release_t release, const heat_rpc_failure_t *failure, int debug,
                          const char **code, const char **detail);

#endif
