"""test_directives.py: the directive table of the README against the module itself.

The module's side is what Apache does with it, not its source: the directive names (and where
Apache allows them, "outside <Directory>, <Files>, <Location>") come from `apache2 -L` of a server
that loads mod_heat; the number of arguments from `apache2 -t` accepting exactly that many; "server
config only" from `apache2 -t` refusing the directive inside a <VirtualHost> (which -L cannot
show: the setter checks it). README's table lists name, arguments and context of each one."""

import os
import re

import pytest

from heat_env import TOP
from heat_httpd import HttpdServer, base_heat_conf

CONTEXTS = ('server config, virtual host', 'server config only')
RSRC_CONF = 'Allowed in *.conf only outside <Directory>, <Files>, <Location>, or <If>'


def readme_table():
    """{name: (arguments, context)} of the README's directive table."""
    with open(os.path.join(TOP, 'README')) as f:
        lines = f.read().splitlines()
    start = [i for i, l in enumerate(lines) if re.match(r'^\s+Directive\s{2,}Arguments\s{2,}Context\s*$', l)]
    assert len(start) == 1, 'README: one directive table with the heading "Directive  Arguments  Context"'
    table = {}
    for line in lines[start[0] + 1:]:
        if not line.strip():
            break
        cols = re.split(r'\s{2,}', line.strip())
        assert len(cols) == 3, 'README directive table: bad row %r' % line
        assert cols[2] in CONTEXTS, 'README directive table: context of %s must be one of %s' % (cols[0], CONTEXTS)
        table[cols[0]] = (cols[1], cols[2])
    return table


def arg_count(usage):
    """Arguments of a usage like '<section> <option> <value>' or '<provider>[:<args>] | none':
    the words of its first alternative."""
    return len(usage.split('|')[0].split())


# A valid value for each directive (a new directive needs one here).
def samples(root):
    return {
        'HeatConfigFile': ['"%s/conf/heat.conf"' % root],
        'HeatConfigDir': ['"%s/heat.conf.d"' % root],
        'HeatOption': ['DEFAULT', 'debug', 'true'],
        'HeatTokenCache': ['shmcb'],
        'HeatInvalidTokenCacheTime': ['10'],
        'HeatRelease': ['24'],
    }


def module_directives():
    """{name: [context lines]} of mod_heat's directives in `apache2 -L`."""
    server = HttpdServer('s7e-directives-L', apis=('api',), heat_conf=base_heat_conf())
    rc, out = server.run('-L')
    assert rc == 0, out
    found = {}
    for m in re.finditer(r'^(\S+) \(mod_heat[^)]*\.c\)\n((?:\t.*\n?)+)', out, re.M):
        found[m.group(1)] = [l.strip() for l in m.group(2).splitlines()[1:]]
    assert found, out
    return found


def config_ok(name, test_conf='', vhost=''):
    server = HttpdServer(name, apis=('api',), heat_conf=base_heat_conf(), test_conf=test_conf,
                         vhost_extra={'api': vhost} if vhost else None)
    os.makedirs(os.path.join(server.root, 'heat.conf.d'), exist_ok=True)  # HeatConfigDir's sample
    rc, out = server.config_test()
    return rc == 0 and 'Syntax OK' in out, out


def test_names_match():
    assert sorted(readme_table()) == sorted(module_directives())


def readme_names():
    """For parametrize: a README without a readable table fails test_names_match, not collection."""
    try:
        return sorted(readme_table())
    except AssertionError:
        return []


@pytest.mark.parametrize('name', readme_names())
def test_arguments_and_context(name):
    usage, context = readme_table()[name]
    lines = module_directives().get(name)
    assert lines is not None, '%s is in the README but not in the module' % name
    # every mod_heat directive is server-level in Apache's terms (RSRC_CONF)
    assert lines == [RSRC_CONF], (name, lines)

    root = HttpdServer('s7e-dir-' + name.lower(), apis=('api',), heat_conf=base_heat_conf()).root
    value = samples(root).get(name)
    assert value, 'add a valid sample value of %s to samples()' % name
    n = arg_count(usage)
    assert n == len(value), '%s: the README says %d argument(s), the sample has %d' % (name, n, len(value))

    ok, out = config_ok('s7e-dir-' + name.lower(), test_conf='%s %s' % (name, ' '.join(value)))
    assert ok, out
    # one argument fewer and one more are refused: the module takes exactly n
    ok, out = config_ok('s7e-dir-' + name.lower(), test_conf='%s %s' % (name, ' '.join(value[:-1])))
    assert not ok and name in out, out
    ok, out = config_ok('s7e-dir-' + name.lower(), test_conf='%s %s extra' % (name, ' '.join(value)))
    assert not ok and name in out, out
    # in a virtual host: accepted unless server config only
    ok, out = config_ok('s7e-dir-' + name.lower(), vhost='    %s %s\n' % (name, ' '.join(value)))
    if context == 'server config only':
        assert not ok and 'cannot occur within <VirtualHost> section' in out, out
    else:
        assert ok, out
    # never inside <Location>
    ok, out = config_ok('s7e-dir-' + name.lower(),
                        vhost='    <Location /x>\n    %s %s\n    </Location>\n' % (name, ' '.join(value)))
    assert not ok and name in out, out
