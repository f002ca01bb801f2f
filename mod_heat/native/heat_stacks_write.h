/* heat_stacks_write.h: the stack routes that take a template (see heat_stacks_write.c). */
#ifndef HEAT_STACKS_WRITE_H
#define HEAT_STACKS_WRITE_H

#include "heat_api.h"

void heat_stacks_create(heat_call_t *call, heat_reply_t *reply);
void heat_stacks_preview(heat_call_t *call, heat_reply_t *reply);
void heat_stacks_update(heat_call_t *call, heat_reply_t *reply);
void heat_stacks_update_patch(heat_call_t *call, heat_reply_t *reply);
void heat_stacks_preview_update(heat_call_t *call, heat_reply_t *reply);
void heat_stacks_preview_update_patch(heat_call_t *call, heat_reply_t *reply);

#endif
