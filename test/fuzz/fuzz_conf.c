/* fuzz_conf.c: heat.conf as oslo.config reads it: sections, continuation lines, $variable
 * interpolation, every known option converted to its type. Input: the file's bytes. */
#include "fuzz_common.h"

#include "heat_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *path = fuzz_memfile(p, data, size);
    heat_conf_t *conf;
    const char *section, *name;
    heat_opt_type_t type;
    apr_size_t i;

    if (path) {
        conf = heat_conf_create(p);
        if (!heat_conf_read_file(conf, path) &&
            !heat_conf_override(conf, "DEFAULT", "host", "$my_ip", "fuzz") && !heat_conf_finalize(conf)) {
            for (i = 0; heat_conf_option(i, &section, &name, &type); i++) {
                (void)heat_conf_text(conf, section, name);
                (void)heat_conf_raw(conf, section, name);
                (void)heat_conf_has_value(conf, section, name);
                if (type == HEAT_OPT_LIST || type == HEAT_OPT_MULTI)
                    (void)heat_conf_list(conf, section, name);
            }
            (void)heat_conf_raw(conf, "DEFAULT", "fuzz");
        }
    }
    apr_pool_destroy(p);
    return 0;
}
