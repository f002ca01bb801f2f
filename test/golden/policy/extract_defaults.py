#!/usr/bin/python3
"""Extracts heat 19.0.0's registered policy defaults (heat.policies.list_rules()) as JSON.

Run with Debian's /usr/bin/python3 (heat, oslo.policy installed):
    /usr/bin/python3 test/golden/policy/extract_defaults.py > test/golden/policy/defaults.json
heat 24.0.0's (HeatRelease 24) come from its source tree, e.g. the tag's heat/__init__.py
and heat/policies/ extracted into /tmp/heat24 (git archive 24.0.0 heat/__init__.py
heat/policies | tar -x -C /tmp/heat24):
    PYTHONPATH=/tmp/heat24 /usr/bin/python3 test/golden/policy/extract_defaults.py \
        > test/golden/policy/defaults-24.json
Output: a list in registration order, one object per rule: name, check_str, scope_types
(null when the rule has none), deprecated (null, or {name, check_str}). mod_heat's
heat_policy_defaults.c is generated from this file by gen_defaults.py, and test_policy.c
checks that the compiled table matches it.
"""
import json
import sys

from heat import policies


def main():
    out = []
    seen = set()
    for rule in policies.list_rules():
        if rule.name in seen:
            raise SystemExit('duplicate rule %s' % rule.name)
        seen.add(rule.name)
        dep = rule.deprecated_rule
        out.append({
            'name': rule.name,
            'check_str': rule.check_str,
            'scope_types': list(rule.scope_types) if rule.scope_types else None,
            'deprecated': ({'name': dep.name, 'check_str': dep.check_str}
                           if dep else None),
        })
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
