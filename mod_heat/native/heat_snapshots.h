/* heat_snapshots.h: the native API's snapshot routes, part of the "stacks" group (stacks.py's
 * snapshot methods); heat_stacks.c lists them in its handler table. */
#ifndef HEAT_SNAPSHOTS_H
#define HEAT_SNAPSHOTS_H

#include "heat_api.h"

/* POST S/snapshots: 200 with the engine's snapshot, not wrapped. */
void heat_snapshots_create(heat_call_t *call, heat_reply_t *reply);
/* GET S/snapshots/{snapshot_id}: {"snapshot": ...}. */
void heat_snapshots_show(heat_call_t *call, heat_reply_t *reply);
/* DELETE S/snapshots/{snapshot_id}: 204. */
void heat_snapshots_delete(heat_call_t *call, heat_reply_t *reply);
/* GET S/snapshots: {"snapshots": [...]}. */
void heat_snapshots_list(heat_call_t *call, heat_reply_t *reply);
/* POST S/snapshots/{snapshot_id}/restore: 202 with webob's body. */
void heat_snapshots_restore(heat_call_t *call, heat_reply_t *reply);

#endif
