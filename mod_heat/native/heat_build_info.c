/* heat_build_info.c: GET /{tenant_id}/build_info, as heat/api/openstack/v1/build_info.py
 * (19.0.0) answers it: the API's revision ([revision] heat_revision) and the engine's
 * (get_revision). Row: heat_native_routes.c; policy build_info:build_info, enforced by
 * heat_api_dispatch before this runs. */
#include "heat_handlers.h"

void heat_build_info_build_info(heat_call_t *call, heat_result_t *reply)
{
    json_t *engine = heat_api_rpc(call, reply, call->ctx, "get_revision", json_object(), NULL);
    if (!engine)
        return;
    heat_api_reply_json(call, reply, 200,
                        json_pack("{s:{s:s}, s:{s:O}}", "api", "revision",
                                  call->settings->revision ? call->settings->revision : "unknown", "engine",
                                  "revision", engine));
}
