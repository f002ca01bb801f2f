#!/usr/bin/python3
"""Golden policy decisions from the real oslo.policy 4.0.0 Enforcer with heat 19.0.0's
registered defaults (heat.common.policy.Enforcer), run with Debian's /usr/bin/python3:

    cd /work/main && /usr/bin/python3 test/golden/policy/capture_policy.py

Writes, next to this script:
  matrix.json         every registered rule x every persona x targets {own project, other
                      project, {}} (a string of three outcomes in target_order) under enforce_new_defaults/enforce_scope false/true, with the
                      API's authorize(do_raise=True) semantics: "A" allow, "D" deny (Forbidden),
                      "S" InvalidScope, "E:<Exception>" anything else; plus context_is_admin as
                      heat's check_is_admin computes it (creds with is_admin None, no raise).
                      Personas are the cases of ../context/expected.json (their policy_values).
  edge_policy.json    the rules of edge_rules.json as a policy file (e000, e001, ...) plus
                      helper rules and legacy list-form values; loaded by both sides.
  edge_expected.json  for each edge rule: str() of the parsed check and the result of
                      Enforcer.enforce(name, target, creds) for each creds set x target.
  fuzz_policy.json,   generated rules (fixed seeds): Python literal / expression kinds in the
  fuzz_expected.json  list form (no tokenizer in the way), random token soups and random
                      well-formed expressions in the text form; str() of each parsed rule and
                      enforce() for two creds/target pairs.
  files_expected.json for each case in files/<case>/options.json: the effective rule set
                      (name -> str(check)) after loading the policy file and policy_dirs, or
                      the exception class the load raised.
"""
import ast
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

warnings.simplefilter('ignore')
import logging  # noqa: E402
logging.disable(logging.CRITICAL)

from oslo_config import cfg  # noqa: E402
from oslo_policy import _checks  # noqa: E402
from oslo_policy import policy as oslo_policy  # noqa: E402

from heat.common import exception as heat_exc  # noqa: E402
from heat.common import policy as heat_policy  # noqa: E402
from heat import policies  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = cfg.CONF


def reset_conf(args=None, **overrides):
    CONF.reset()
    CONF.clear_override('policy_dirs', 'oslo_policy')
    CONF(args or [], project='heat', default_config_files=[])
    for k, v in overrides.items():
        CONF.set_override(k, v, 'oslo_policy')


def hermetic(nd, sc):
    reset_conf(policy_dirs=[], policy_file='/nonexistent/policy.yaml',
               enforce_new_defaults=nd, enforce_scope=sc)
    enf = heat_policy.Enforcer()
    enf.enforcer.load_rules()
    return enf


def outcome(fn):
    try:
        return 'A' if fn() else 'D'
    except heat_exc.Forbidden:
        return 'D'
    except oslo_policy.InvalidScope:
        return 'S'
    except RecursionError:
        return 'E:RecursionError'
    except Exception as e:  # noqa: BLE001
        return 'E:' + type(e).__name__


TARGET_ORDER = ['own', 'other', 'empty']


def matrix():
    personas = json.load(open(os.path.join(HERE, '..', 'context', 'expected.json')))
    personas = {k: v['policy_values'] for k, v in personas.items() if 'policy_values' in v}
    targets = {'own': {'project_id': 'P1'}, 'other': {'project_id': 'P2'}, 'empty': {}}
    rules = [r.name for r in policies.list_rules()]
    out = {'targets': targets, 'target_order': TARGET_ORDER, 'personas': sorted(personas), 'rules': rules, 'configs': {}}
    for nd in (False, True):
        for sc in (False, True):
            enf = hermetic(nd, sc)
            res = {}
            for rule in rules:
                res[rule] = {}
                for pname in sorted(personas):
                    res[rule][pname] = ' '.join(
                        outcome(lambda: enf.enforcer.authorize(
                            rule, copy.deepcopy(targets[tname]),
                            copy.deepcopy(personas[pname]),
                            do_raise=True, exc=heat_exc.Forbidden, action=rule))
                        for tname in TARGET_ORDER)
            is_admin = {}
            for pname in sorted(personas):
                creds = copy.deepcopy(personas[pname])
                creds['is_admin'] = None
                is_admin[pname] = outcome(lambda: enf.enforcer.authorize(
                    'context_is_admin', {}, creds, do_raise=False))
            out['configs']['nd=%d,sc=%d' % (nd, sc)] = {
                'enforce_new_defaults': nd, 'enforce_scope': sc,
                'results': res, 'is_admin': is_admin}
    return out


EDGE_CREDS = {
    'member': {
        'user_id': 'u1', 'user_domain_id': 'default', 'system_scope': None, 'domain_id': None,
        'project_id': 'P1', 'project_domain_id': 'default', 'roles': ['member', 'reader'],
        'is_admin_project': True, 'service_user_id': None, 'service_user_domain_id': None,
        'service_project_id': None, 'service_project_domain_id': None, 'service_roles': [],
        'user': 'u1', 'tenant': 'P1', 'is_admin': False, 'auth_token_info': None,
        'token': {'user': {'id': 'u1'}}, 'list': [{'a': 'x'}, {'a': 'y'}],
        'nested_list': [[1]], 'str': 'abc', 'none': None, 'num': 5, 'flt': 1.5, 'bool': True,
        'dict': {'k': 'v'}, 'lst': "['a', 1]", 'empty': '', 'tgt': 'x', 'pct': '50%',
        'rpr': "'P1'", 'fltv': 0.1, 'unicode': 'caf\u00e9',
    },
    'sysadmin': {
        'user_id': 'u2', 'user_domain_id': 'default', 'system_scope': 'all', 'domain_id': None,
        'project_id': None, 'project_domain_id': None, 'roles': ['Admin', 'CAF\u00c9'],
        'is_admin_project': True, 'service_user_id': None, 'service_user_domain_id': None,
        'service_project_id': None, 'service_project_domain_id': None, 'service_roles': [],
        'user': 'u2', 'tenant': None, 'is_admin': True, 'auth_token_info': None,
        'fltv': '0.1', 'num': '3',
    },
}
EDGE_TARGETS = {
    'full': {'project_id': 'P1', 'a.b': 'x', 'role': 'ADMIN', 'lower': 'member', 'num': 3,
             'flag': True, 'lst': ['a', 1], 'obj': {'k': 'v'}, 'none': None, 'pct': '50%',
             'tab': 'a\tb', 'numstr': '7', 'empty': '', 'fltv': 0.1, 'uni': 'caf\u00e9',
             'a(b)c': 'x', '': 'blank'},
    'empty': {},
}
EDGE_EXTRA = {
    'cyc_a': 'rule:cyc_b', 'cyc_b': 'rule:cyc_a', 'str_rule': "'foo'",
    'self_ref_ok': 'role:member or rule:self_ref_ok', 'chain1': 'rule:chain2',
    'chain2': 'rule:chain3', 'chain3': 'role:reader', 'default': '@',
    'list_or_and': [['role:member', 'role:reader'], ['role:admin']],
    'list_empty': [], 'list_empty_inner': [[]], 'list_bare': ['role:member'],
    'list_str_inner': ['role:x', 'role:member'], 'list_spaces': [['role:member and role:reader']],
    'list_nonstr': [[1, 'role:member']], 'list_bang': [['!'], ['@']], 'list_empty_str': [['']],
    'null_value': None, 'false_value': False, 'zero_value': 0,
}


def edge():
    rules = json.load(open(os.path.join(HERE, 'edge_rules.json')))
    pol = {}
    names = []
    for i, r in enumerate(rules):
        name = 'e%03d' % i
        pol[name] = r
        names.append(name)
    pol.update(EDGE_EXTRA)
    names += [k for k in EDGE_EXTRA if k.startswith(('list_', 'null_', 'false_', 'zero_'))]
    path = os.path.join(HERE, 'edge_policy.json')
    with open(path, 'w') as f:
        json.dump(pol, f, indent=1, ensure_ascii=False)
        f.write('\n')
    reset_conf(policy_dirs=[], policy_file=path)
    enf = heat_policy.Enforcer()
    enf.enforcer.load_rules()
    out = {'creds': EDGE_CREDS, 'targets': EDGE_TARGETS, 'rules': {}}
    for name in names:
        check = enf.enforcer.rules[name]
        entry = {'rule': pol[name], 'str': str(check)}
        res = {}
        for cname, creds in EDGE_CREDS.items():
            for tname, target in EDGE_TARGETS.items():
                if str(check).startswith('http'):
                    continue  # would POST to the network
                res['%s/%s' % (cname, tname)] = outcome(lambda: enf.enforcer.enforce(
                    name, copy.deepcopy(target), copy.deepcopy(creds)))
        entry['results'] = res
        out['rules'][name] = entry
    # an unregistered, undefined name: enforce fails closed; authorize raises
    out['undefined_enforce'] = outcome(lambda: enf.enforcer.enforce(
        'no:such:rule', {}, copy.deepcopy(EDGE_CREDS['member'])))
    out['undefined_authorize'] = outcome(lambda: enf.enforcer.authorize(
        'no:such:rule', {}, copy.deepcopy(EDGE_CREDS['member'])))
    return out


def file_case(cdir):
    """One case of files/, in a fresh interpreter (oslo.config keeps the location of an
    option once overridden, which would disable the policy.json fallback)."""
    with open(os.path.join(cdir, 'options.json')) as f:
        opts = json.loads(f.read().replace('@ABS@', cdir))
    # heat.conf for the case: only [oslo_policy]; search dirs = the case dir first.
    tmp = tempfile.mkdtemp()
    try:
        conf = os.path.join(tmp, 'heat.conf')
        with open(conf, 'w') as f:
            f.write('[oslo_policy]\n')
            if 'policy_file' in opts:
                f.write('policy_file = %s\n' % opts['policy_file'])
            for d in opts.get('policy_dirs', []):
                f.write('policy_dirs = %s\n' % d)
            for k in ('enforce_new_defaults', 'enforce_scope'):
                if k in opts:
                    f.write('%s = %s\n' % (k, opts[k]))
        CONF(['--config-file', conf, '--config-dir', cdir], project='heat',
             default_config_files=[])
        try:
            enf = heat_policy.Enforcer()
            enf.enforcer.load_rules()
            return {'rules': {k: str(v) for k, v in enf.enforcer.rules.items()
                              if isinstance(k, str)},
                    'nonstr_keys': sorted(repr(k) for k in enf.enforcer.rules
                                          if not isinstance(k, str)),
                    'file_rules': sorted(k for k in enf.enforcer.file_rules
                                         if isinstance(k, str))}
        except Exception as e:  # noqa: BLE001
            return {'error': type(e).__name__, 'message': str(e)[:200]}
    finally:
        shutil.rmtree(tmp)


def files():
    base = os.path.join(HERE, 'files')
    out = {}
    for case in sorted(os.listdir(base)):
        res = subprocess.run([sys.executable, os.path.abspath(__file__), '--file-case',
                              os.path.join(base, case)], check=True,
                             stdout=subprocess.PIPE)
        out[case] = json.loads(res.stdout)
    return out


FUZZ_CREDS = [({'roles': ['a'], 'is_admin': True, 'project_id': 'P'}, {'t': 'x', 'p': 'P'}),
              ({'roles': ['b']}, {})]


def fuzz_rules():
    import random
    rnd = random.Random(20240601)
    atoms = ['a', 'b', 'x1', '_', 'True', 'False', 'None', '0', '00', '1', '007', '0x1F', '0o17',
             '0b101', '1_0', '1__0', '1_', '1.5', '.5', '5.', '1e5', '1e+5', '1E-5', '1e', '2j',
             '1.5J', "'s'", '"d"', "b'x'", "u'u'", "r'\\n'", "'\\t'", "f'x'", "'\\x41'",
             "'\\u00e9'", "'unterminated", 'is', 'not', 'and', 'or', 'in', 'if', 'else', 'class',
             '...', '-', '+', '~', '*', '/', '//', '%', '@', '**', '<<', '>>', '&', '|', '^', '<',
             '>', '==', '!=', '.', ',', '(', ')', '[', ']', '{', '}', '#', '$', '?', '!', '=',
             '\u00e9', 'a.b', 'x.class']
    rules = {}
    kinds = set()
    while len(kinds) < 1500:
        k = ''.join(rnd.choice(atoms) for _ in range(rnd.randint(1, 5)))
        if ':' not in k and not any(c.isspace() for c in k):
            kinds.add(k)
    for i, k in enumerate(sorted(kinds)):
        try:
            m = str(ast.literal_eval(k)).replace('%', '%%')
        except Exception:  # noqa: BLE001
            m = 'zz'
        rules['k%04d' % i] = [[k + ':' + m]]
    toks = ['role:a', 'role:b', 'role:A', '(', ')', 'and', 'or', 'not', 'AND', 'Or', 'NOT', '@',
            '!', "'x'", '"y"', 'rule:r1', 'rule:r2', 'x:%(t)s', 'project_id:%(p)s', '(role:a',
            'role:b)', '((role:a))', 'not(role:a)', 'r:', '%(', 'is_admin:True', '']
    soups = set()
    while len(soups) < 1500:
        n = rnd.randint(1, 7)
        soups.add(''.join(rnd.choice(toks) + rnd.choice([' ', ' ', ' ', '', '\t'])
                          for _ in range(n)))
    for i, r in enumerate(sorted(soups)):
        rules['t%04d' % i] = r
    leaves = ['role:a', 'role:b', 'role:A', '@', '!', 'rule:r1', 'rule:r2', 'x:%(t)s',
              'project_id:%(p)s', 'is_admin:True', 'role:c']

    def expr(d):
        r = rnd.random()
        if d > 4 or r < 0.3:
            return rnd.choice(leaves)
        if r < 0.45:
            return rnd.choice(['not ', 'NOT ']) + expr(d + 1)
        if r < 0.6:
            return '(' + expr(d + 1) + ')'
        return expr(d + 1) + rnd.choice([' and ', ' or ', ' AND ', ' Or ']) + expr(d + 1)
    exprs = set()
    while len(exprs) < 1500:
        exprs.add(expr(0))
    for i, r in enumerate(sorted(exprs)):
        rules['x%04d' % i] = r
    rules['r1'] = 'role:a'
    rules['r2'] = 'not role:a or role:b'
    return rules


def fuzz():
    pol = fuzz_rules()
    path = os.path.join(HERE, 'fuzz_policy.json')
    with open(path, 'w') as f:
        json.dump(pol, f, indent=0, ensure_ascii=False)
        f.write('\n')
    reset_conf(policy_dirs=[], policy_file=path)
    enf = heat_policy.Enforcer()
    enf.enforcer.load_rules()
    out = {}
    for name in pol:
        if name in ('r1', 'r2'):
            continue
        res = ' '.join(outcome(lambda: enf.enforcer.enforce(name, copy.deepcopy(t), copy.deepcopy(c)))
                       for c, t in FUZZ_CREDS)
        out[name] = {'str': str(enf.enforcer.rules[name]), 'r': res}
    return {'creds': [c for c, t in FUZZ_CREDS], 'targets': [t for c, t in FUZZ_CREDS],
            'rules': out}


def dump(name, data):
    with open(os.path.join(HERE, name), 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write('\n')


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--file-case':
        json.dump(file_case(sys.argv[2]), sys.stdout)
        return
    dump('matrix.json', matrix())
    dump('edge_expected.json', edge())
    dump('fuzz_expected.json', fuzz())
    if os.path.isdir(os.path.join(HERE, 'files')):
        dump('files_expected.json', files())


if __name__ == '__main__':
    sys.exit(main())
