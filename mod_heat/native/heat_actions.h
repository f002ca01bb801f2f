/* heat_actions.h: the native API's stack actions route (see heat_actions.c). */
#ifndef HEAT_ACTIONS_H
#define HEAT_ACTIONS_H

#include "heat_api.h"

/* The handler of an "actions" route action ("action"); NULL if there is none. */
heat_handler_fn *heat_actions_handler(const char *action);

#endif
