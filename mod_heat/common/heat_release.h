/* heat_release.h: the Heat release whose heat-api mod_heat reproduces (HeatRelease).
 *
 * One module serves two releases: 19.0.0 (Debian 12's heat, the default) and 24.0.0 (Debian
 * 13's). What differs between them is listed in doc/releases.md; each difference reads the
 * release from where its part keeps it (heat_settings_t.release, heat_policy_t). */
#ifndef HEAT_RELEASE_H
#define HEAT_RELEASE_H

typedef enum {
    HEAT_RELEASE_19 = 0, /* heat 19.0.0 (zed), the default */
    HEAT_RELEASE_24 = 1, /* heat 24.0.0 (2025.1 epoxy) */
} heat_release_t;

/* "19", "24", or a version of either series ("19.0.0", "24.1.1", "2025.1"): *out is set
 * and NULL returned; anything else returns the error text (the release is not supported). */
const char *heat_release_parse(const char *text, heat_release_t *out);

/* "19.0.0" or "24.0.0". */
const char *heat_release_name(heat_release_t release);

/* oslo.policy's default of [oslo_policy] enforce_scope and enforce_new_defaults in the
 * release's distribution: false in 4.0.0 (bookworm, heat 19), true from 4.4.0 (heat 24
 * requires it). */
int heat_release_policy_enforce_default(heat_release_t release);

#endif
