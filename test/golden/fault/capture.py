#!/usr/bin/python3
"""Writes status.json: for every exception class of heat 19.0.0's heat.common.exception, and
the builtins heat-api meets, the HTTP status heat-api's FaultWrapper gives it (fault.py:
error_map looked up by class name, then by the first base class, until Exception = 500).
test/unit/test_fault.c checks mod_heat's table against it.

    /usr/bin/python3 test/golden/fault/capture.py"""
import inspect
import json
import os

from heat.api.middleware import fault
from heat.common import exception


def status_of(cls):
    c = cls
    while c.__name__ not in fault.FaultWrapper.error_map and c is not Exception:
        c = c.__base__
    webob_cls = fault.FaultWrapper.error_map.get(c.__name__)
    return webob_cls.code if webob_cls else 500


classes = [cls for _, cls in inspect.getmembers(exception, inspect.isclass)
           if issubclass(cls, Exception) and cls.__module__ == 'heat.common.exception']
classes += [ValueError, TypeError, KeyError, AttributeError, Exception]
table = {cls.__name__: status_of(cls) for cls in classes}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'status.json'), 'w') as f:
    json.dump(table, f, indent=1, sort_keys=True)
    f.write('\n')
print(len(table), 'classes')
