/* heat_identifier.c: HeatIdentifier.from_arn, for both APIs (see heat_identifier.h). */
#include "heat_identifier.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_util.h"

/* urlparse.unquote: %XX decoded (a "%00" stays as it is: C strings end there), bytes that are
 * not UTF-8 replaced by U+FFFD. */
static const char *unquote(apr_pool_t *p, const char *s, apr_size_t len)
{
    return heat_py_utf8_replace(p, heat_unquote(p, s, len, 0, NULL));
}

json_t *heat_identifier_from_arn(apr_pool_t *p, const char *arn, const char **error)
{
    const char *f[5], *c = arn, *frag, *name, *id, *rest, *tenant, *path;
    int i;

    /* fields = arn.split(':'); at least 6 of them */
    for (i = 0; i < 5; i++) {
        const char *colon = strchr(c, ':');
        if (!colon) {
            *error = apr_psprintf(p, "\"%s\" is not a valid ARN", arn);
            return NULL;
        }
        f[i] = apr_pstrndup(p, c, (apr_size_t)(colon - c));
        c = colon + 1;
    }
    frag = c; /* ':'.join(fields[5:]) */
    if (strcasecmp(f[0], "arn") != 0) {
        *error = apr_psprintf(p, "\"%s\" is not a valid ARN", arn);
        return NULL;
    }
    /* re.match(r'stacks/([^/]+)/([^/]+)(.*)'): (.*) stops at a newline */
    if (strcmp(f[1], "openstack") != 0 || strcmp(f[2], "heat") != 0 || strncmp(frag, "stacks/", 7) != 0) {
        *error = apr_psprintf(p, "\"%s\" is not a valid Heat ARN", arn);
        return NULL;
    }
    name = frag + 7;
    id = name + strcspn(name, "/");
    if (id == name || *id != '/' || !id[1] || id[1] == '/') {
        *error = apr_psprintf(p, "\"%s\" is not a valid Heat ARN", arn);
        return NULL;
    }
    id++;
    rest = id + strcspn(id, "/");
    tenant = unquote(p, f[4], strlen(f[4]));
    path = unquote(p, rest, strcspn(rest, "\n"));
    name = unquote(p, name, (apr_size_t)(id - 1 - name));
    id = unquote(p, id, (apr_size_t)(rest - id));
    if (strchr(name, '/')) {
        *error = "Stack name may not contain \"/\"";
        return NULL;
    }
    if (*path && *path != '/')
        path = apr_pstrcat(p, "/", path, NULL);
    return heat_json_own(p, json_pack("{s:s, s:s, s:s, s:s}", "tenant", tenant, "stack_name", name, "stack_id",
                                      id, "path", path));
}
