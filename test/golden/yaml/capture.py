#!/usr/bin/python3
"""capture.py: golden outputs of heat's YAML loader, for test/unit/test_yaml.c.

For every cases/<name>.yaml this runs the real heat 19.0.0 / PyYAML 6 code (Debian 12) and
writes one of:
  <name>.json         the value heat-engine receives: json.dumps(jsonutils.to_primitive(value)),
                      which is what oslo.messaging puts on the wire
  <name>.error        line 1: the exception class, then str(exc) as heat puts it in its 400 message.
                      For a yaml.YAMLError that is the error of heat's second, pure-Python SafeLoader
                      parse (template_format.simple_parse / environment_format.parse); other
                      exceptions (ValueError from int(), KeyError from !!bool, ...) escape as they are
  <name>.unsupported  heat loads it but the value cannot travel as standard JSON, or heat-api would
                      crash on it later (NaN/Infinity, integers beyond 64 bits, recursive aliases,
                      !!binary that is not UTF-8, nesting deeper than 512, alias bombs, dates from
                      the pure-Python fallback): mod_heat refuses it (heat_yaml.h). Line 1 is the
                      reason.
When the C loader fails and the pure-Python SafeLoader succeeds (PyYAML reads `{a:[1]}`, libyaml
0.2.5 does not), heat goes on with the SafeLoader's value, and so does this script.
Files named bytes-*.yaml are loaded as bytes (a template fetched from template_url), the others
as str (a template or environment string from a JSON body).

Run from the repository root:  /usr/bin/python3 test/golden/yaml/capture.py
"""
import datetime
import glob
import json
import os
import sys

import yaml
from heat.common import template_format
from oslo_serialization import jsonutils

HERE = os.path.dirname(os.path.abspath(__file__))
INT64 = (-2**63, 2**63 - 1)
MAX_DEPTH = 512
MAX_EXPANSION = 1000000


def heat_load(data):
    """yaml.load as heat does it: the C loader, and on a YAML error the pure-Python one's message."""
    try:
        return 'ok', yaml.load(data, Loader=template_format.yaml_loader)
    except yaml.YAMLError:
        try:
            yaml.load(data, Loader=yaml.SafeLoader)
        except yaml.YAMLError as yea:
            return 'error', (type(yea).__name__, str(yea))
        except Exception as ex:  # e.g. ValueError from chr() in the pure-Python scanner
            return 'error', (type(ex).__name__, str(ex))
        # heat then uses the pure-Python SafeLoader's value (timestamps become dates there)
        return 'ok', yaml.load(data, Loader=yaml.SafeLoader)
    except Exception as ex:
        return 'error', (type(ex).__name__, str(ex))


def inspect(value):
    """Reasons mod_heat refuses a loaded value (see heat_yaml.h), or None."""
    sizes = {}
    stack = set()

    def walk(v, depth):
        if isinstance(v, (list, dict, set, tuple)):
            if id(v) in stack:
                return 'recursive alias'
            if depth >= MAX_DEPTH:
                return 'nesting too deep'
            stack.add(id(v))
            items = list(v.items()) if isinstance(v, dict) else list(v)
            total = 1
            for it in items:
                for x in (it if isinstance(v, dict) else (it,)):
                    if id(x) in sizes:
                        total += sizes[id(x)]
                        continue
                    r = walk(x, depth + 1)
                    if isinstance(r, str):
                        return r
                    total += r
            stack.discard(id(v))
            sizes[id(v)] = total
            if total > MAX_EXPANSION:
                return 'alias expansion'
            return total
        if isinstance(v, bool) or v is None:
            return 1
        if isinstance(v, int) and not INT64[0] <= v <= INT64[1]:
            return 'integer beyond 64 bits'
        if isinstance(v, float) and (v != v or v in (float('inf'), float('-inf'))):
            return 'infinity or NaN'
        if isinstance(v, datetime.date) and not isinstance(v, datetime.datetime):
            return 'date (heat-api cannot serialise it)'
        if isinstance(v, bytes):
            try:
                v.decode('utf-8')
            except UnicodeDecodeError:
                return 'binary not UTF-8'
        return 1

    r = walk(value, 0)
    return r if isinstance(r, str) else None


def main():
    # heat-api's to_primitive dies (RecursionError, a 500) a little below 500 nested collections;
    # mod_heat accepts up to 512 levels, so compute the JSON those would have been.
    sys.setrecursionlimit(20000)
    cases = sorted(glob.glob(os.path.join(HERE, 'cases', '*.yaml')))
    counts = {}
    for path in cases:
        base = path[:-len('.yaml')]
        for ext in ('.json', '.error', '.unsupported'):
            if os.path.exists(base + ext):
                os.unlink(base + ext)
        with open(path, 'rb') as f:
            raw = f.read()
        data = raw if os.path.basename(path).startswith('bytes-') else raw.decode('utf-8')
        kind, result = heat_load(data)
        if kind == 'error':
            with open(base + '.error', 'w', encoding='utf-8', newline='') as f:
                f.write('%s\n%s' % result)
        else:
            reason = inspect(result)
            if reason:
                with open(base + '.unsupported', 'w', encoding='utf-8') as f:
                    f.write(reason + '\n')
                kind = 'unsupported'
            else:
                prim = jsonutils.to_primitive(result, convert_instances=True)
                with open(base + '.json', 'w', encoding='utf-8') as f:
                    f.write(json.dumps(prim))
                kind = 'json'
        counts[kind] = counts.get(kind, 0) + 1
    print('%d cases: %s' % (len(cases), ', '.join('%d %s' % (n, k) for k, n in sorted(counts.items()))))


if __name__ == '__main__':
    main()
