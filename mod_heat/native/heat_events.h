/* heat_events.h: the native API's event routes (see heat_events.c). */
#ifndef HEAT_EVENTS_H
#define HEAT_EVENTS_H

#include "heat_api.h"

/* The handler of an "events" route action ("index", "show"). */
heat_handler_fn *heat_events_handler(const char *action);

#endif
