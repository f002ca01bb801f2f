/* heat_release.c: see heat_release.h. */
#include "heat_release.h"

#include <string.h>

/* The text names the series when it is the series or starts with it and a dot. */
static int series(const char *text, const char *s)
{
    size_t n = strlen(s);
    return strncmp(text, s, n) == 0 && (text[n] == '\0' || text[n] == '.');
}

const char *heat_release_parse(const char *text, heat_release_t *out)
{
    if (text && (series(text, "19") || series(text, "zed"))) {
        *out = HEAT_RELEASE_19;
        return NULL;
    }
    /* 2025.1 is the OpenStack release whose heat is 24.x */
    if (text && (series(text, "24") || series(text, "2025.1") || series(text, "epoxy"))) {
        *out = HEAT_RELEASE_24;
        return NULL;
    }
    return "HeatRelease must be 19 (heat 19.0.0, Debian 12) or 24 (heat 24.0.0, Debian 13)";
}

const char *heat_release_name(heat_release_t release)
{
    return release == HEAT_RELEASE_24 ? "24.0.0" : "19.0.0";
}

int heat_release_policy_enforce_default(heat_release_t release)
{
    return release == HEAT_RELEASE_24;
}
