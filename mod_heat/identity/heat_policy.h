/* heat_policy.h: oslo.policy 4.0.0 as heat 19.0.0 uses it (heat/common/policy.py,
 * heat/api/openstack/v1/util.py).
 *
 * - The rule language (_parser.py, _checks.py): rule:, role: (case-insensitive), generic
 *   field:%(target)s checks with Python %-formatting and str() comparisons, literal left
 *   sides ('x', True, 3), @, !, "", not/and/or with oslo's shift-reduce precedence, and its
 *   handling of malformed rules (the whole rule becomes "!", or an evaluation error when the
 *   parse leaves a bare string). Legacy list-of-lists values from policy files.
 * - heat's registered defaults (heat/policies/[*].py, table in heat_policy_defaults.c), the
 *   deprecated-rule OR (unless enforce_new_defaults or overridden), scope_types with
 *   enforce_scope, the policy file (policy.yaml, found like oslo.config's find_file, with the
 *   policy.json fallback) and every file of each policy_dirs directory, sorted.
 * - heat's Enforcer: unknown rule names fall back to "!" (heat passes default_rule=!, so
 *   [oslo_policy] policy_default_rule has no effect in heat), authorize() refuses
 *   unregistered names (PolicyNotRegistered).
 * - The API-side checks of heat-api and heat-api-cfn, with the fault each refusal becomes.
 *
 * Life cycle: heat_policy_load once (check_config); the result is read-only, so any thread may
 * evaluate with it; every evaluation allocates only from the caller's pool. Python re-reads
 * changed policy files on the next request; mod_heat reads them at (graceful) restart.
 *
 * Evaluation errors are Python exceptions in oslo: they are reported, not turned into a
 * denial, because heat answers them differently (a 400 or 500 rather than a 403). */
#ifndef HEAT_POLICY_H
#define HEAT_POLICY_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

#include "heat_release.h"
#include "heat_result.h"

typedef struct heat_policy_t heat_policy_t;

typedef struct {
    const char *policy_file;               /* [oslo_policy] policy_file; NULL = "policy.yaml" */
    int policy_file_set;                   /* set by the operator: no policy.json fallback */
    const apr_array_header_t *policy_dirs; /* const char *; NULL = {"policy.d"} */
    /* Where relative names are looked up, in order (oslo.config find_file); NULL =
     * heat_policy_search_dirs(p, NULL, NULL). Absolute names are used as they are. */
    const apr_array_header_t *search_dirs;
    int enforce_scope;                     /* [oslo_policy] enforce_scope */
    int enforce_new_defaults;              /* [oslo_policy] enforce_new_defaults */
    /* heat.conf left them unset: each then takes the release's oslo.policy default
     * (heat_release_policy_enforce_default: false for 19, true for 24), not the value above. */
    int enforce_scope_unset;
    int enforce_new_defaults_unset;
    heat_release_t release;                /* whose registered defaults (0: 19.0.0) */
} heat_policy_options_t;

/* oslo.config's find_file order: each --config-dir, the directory of each --config-file (last
 * first), then ~/.heat, ~, /etc/heat, /etc. Both arrays hold const char * and may be NULL. */
apr_array_header_t *heat_policy_search_dirs(apr_pool_t *p, const apr_array_header_t *config_dirs,
                                            const apr_array_header_t *config_files);

/* Reads the policy file and directories and builds the rule set. NULL on success; else an
 * error naming the file (a file that does not parse, a value oslo cannot turn into a rule,
 * a policy_dirs entry that is not a directory): oslo would fail every request, so Apache
 * should refuse to start. Missing files and directories are fine (defaults only). */
const char *heat_policy_load(heat_policy_t **out, apr_pool_t *p, const heat_policy_options_t *opts);

/* Python exception classes an evaluation can end in (as heat reports them). */
#define HEAT_POLICY_EXC_NOT_REGISTERED "PolicyNotRegistered"
#define HEAT_POLICY_EXC_INVALID_SCOPE "InvalidScope"

typedef enum {
    HEAT_POLICY_ERROR = -1, /* oslo raised: see heat_policy_outcome_t */
    HEAT_POLICY_DENY = 0,
    HEAT_POLICY_ALLOW = 1
} heat_policy_result_t;

typedef struct {
    heat_policy_result_t result;
    /* For HEAT_POLICY_ERROR: the Python exception class ("PolicyNotRegistered",
     * "InvalidScope", "AttributeError", "TypeError", "ValueError", "SyntaxError") and its
     * str(); both NULL otherwise. */
    const char *error_type;
    const char *error_message;
} heat_policy_outcome_t;

#define HEAT_POLICY_AUTHORIZE 1 /* Enforcer.authorize: an unregistered rule is an error */
#define HEAT_POLICY_RAISE 2     /* do_raise: a scope mismatch under enforce_scope raises
                                 * InvalidScope (else it is a plain denial) */

/* Enforcer.enforce / authorize of a rule name. target and creds are JSON objects (creds as
 * heat_context_policy_creds gives them; oslo's "system" copy of system_scope is added here).
 * out may be NULL. */
heat_policy_result_t heat_policy_enforce(const heat_policy_t *pol, apr_pool_t *p, const char *rule,
                                         const json_t *target, const json_t *creds, int flags,
                                         heat_policy_outcome_t *out);

/* heat's Enforcer.check_is_admin: authorize("context_is_admin", {}, creds) without raising.
 * heat runs it while building the context, when creds' is_admin is still null. */
heat_policy_result_t heat_policy_check_is_admin(const heat_policy_t *pol, apr_pool_t *p,
                                                const json_t *creds, heat_policy_outcome_t *out);

/* Evaluates a rule written in the policy language (not a name) against this rule set, as
 * oslo does for a Check object given to enforce (no scope check). For tests and tools. */
heat_policy_result_t heat_policy_check_text(const heat_policy_t *pol, apr_pool_t *p, const char *text,
                                            const json_t *target, const json_t *creds,
                                            heat_policy_outcome_t *out);

/* str() of the effective check of a rule name as oslo prints it ("(role:a or rule:b)"), NULL
 * when the name has no rule. heat_policy_parse_str does the same for rule text. */
const char *heat_policy_rule_str(const heat_policy_t *pol, apr_pool_t *p, const char *name);
const char *heat_policy_parse_str(apr_pool_t *p, const char *text);
/* Every name in the rule set (file rules and registered defaults), const char *. */
apr_array_header_t *heat_policy_rule_names(const heat_policy_t *pol, apr_pool_t *p);
/* The files that were read, in order (for the startup log). */
const apr_array_header_t *heat_policy_files(const heat_policy_t *pol);

/* The release the rules were built for (heat_policy_options_t.release). */
heat_release_t heat_policy_release(const heat_policy_t *pol);
/* The [oslo_policy] values in effect (after the release's defaults). */
int heat_policy_enforce_scope(const heat_policy_t *pol);
int heat_policy_enforce_new_defaults(const heat_policy_t *pol);

/* heat's registered defaults (heat/policies/[*].py), in registration order: 19.0.0's
 * generated from test/golden/policy/defaults.json, 24.0.0's from defaults-24.json, by
 * test/golden/policy/gen_defaults.py. */
#define HEAT_POLICY_SCOPE_SYSTEM 1
#define HEAT_POLICY_SCOPE_PROJECT 2
#define HEAT_POLICY_SCOPE_DOMAIN 4
typedef struct {
    const char *name;
    const char *check_str;
    unsigned scope_types; /* HEAT_POLICY_SCOPE_*; 0 = no scope_types */
    const char *scope_types_str; /* Python's repr of the list, for the InvalidScope message */
    const char *deprecated_name; /* NULL = no deprecated rule */
    const char *deprecated_check_str;
} heat_policy_default_t;
extern const heat_policy_default_t heat_policy_defaults[];
extern const apr_size_t heat_policy_defaults_count;
extern const heat_policy_default_t heat_policy_defaults_24[];
extern const apr_size_t heat_policy_defaults_24_count;
/* The table of a release. */
const heat_policy_default_t *heat_policy_defaults_of(heat_release_t release, apr_size_t *count);

/* ---- The API-side checks -------------------------------------------------------------- */

/* When building the context fails because context_is_admin raised: heat-api's faultwrap turns
 * the exception into a fault (AttributeError and ValueError 400, anything else 500, never a
 * message); heat-api-cfn has no faultwrap, so the WSGI server answers a bare 500 (type NULL). */
void heat_policy_context_error(const heat_policy_outcome_t *err, int cfn, heat_result_t *out);

#endif
