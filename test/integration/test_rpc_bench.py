"""build/heat-rpc-bench (test/tools/heat-rpc-bench.c), the engine's ceiling of `bench/run.sh all`,
against the real stack's heat-engine: its calls succeed with the context built from a real
token's Keystone body, a remote failure is counted as one, and its line has bench/wrk.lua's
format. A few seconds of load at concurrency 2 only."""
import configparser
import json
import os
import re
import subprocess

import pytest
import requests

pytestmark = pytest.mark.real_stack

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
RPC_BENCH = os.path.join(REPO, 'build', 'heat-rpc-bench')
LIST_ARGS = {'limit': None, 'sort_keys': None, 'marker': None, 'sort_dir': None, 'filters': None,
             'show_deleted': False, 'show_nested': False, 'show_hidden': False, 'tags': None,
             'tags_any': None, 'not_tags': None, 'not_tags_any': None}


@pytest.fixture(scope='module')
def bench_inputs(real_stack, tmp_path_factory):
    subprocess.run(['make', '-C', REPO, 'tools'], check=True, stdout=subprocess.DEVNULL, timeout=600)
    token, project = real_stack.token('demo')
    # a token may validate itself (Keystone's token-subject rule): the body mod_heat caches
    r = requests.get(real_stack.keystone_url + '/auth/tokens', timeout=60,
                     headers={'X-Auth-Token': token, 'X-Subject-Token': token})
    assert r.status_code == 200, r.text[:300]
    d = tmp_path_factory.mktemp('rpc-bench')
    (d / 'token.json').write_text(r.text)
    (d / 'token').write_text(token)
    os.chmod(d / 'token', 0o600)
    cp = configparser.RawConfigParser(strict=False)
    cp.read(real_stack.heat_conf)
    return {'transport': cp.get('DEFAULT', 'transport_url'), 'dir': d, 'project': project,
            'keystone': real_stack.keystone_url}


def run_bench(inputs, method, args, version, concurrency=2, duration=2):
    d = inputs['dir']
    p = subprocess.run([RPC_BENCH, '--transport-url', inputs['transport'], '--token-json', str(d / 'token.json'),
                        '--auth-token-file', str(d / 'token'), '--auth-url', inputs['keystone'],
                        '--method', method, '--args', json.dumps(args), '--version', version,
                        '--concurrency', str(concurrency), '--duration', str(duration), '--timeout', '60'],
                       capture_output=True, text=True, timeout=duration + 120)
    m = re.search(r'^BENCH_JSON (\{.*\})$', p.stdout, re.M)
    assert m, (p.returncode, p.stdout, p.stderr)
    return p.returncode, json.loads(m.group(1)), p.stderr


def test_list_stacks_at_concurrency_2(bench_inputs):
    rc, out, err = run_bench(bench_inputs, 'list_stacks', LIST_ARGS, '1.33')
    assert rc == 0, err
    assert out['requests'] > 0 and out['status'] == 0 and out['timeout'] == 0, out
    assert out['concurrency'] == 2 and out['method'] == 'list_stacks'
    assert out['duration_us'] == 2000000
    assert 0 < out['p50'] <= out['p90'] <= out['p99'] <= out['max'], out


def test_remote_failure_is_counted(bench_inputs):
    # show_stack of a stack that does not exist: the engine raises EntityNotFound for each call
    args = {'stack_identity': {'stack_name': 'no-such-stack', 'stack_id': '00000000-0000-0000-0000-000000000000',
                               'tenant': bench_inputs['project'], 'path': ''}, 'resolve_outputs': True}
    rc, out, _ = run_bench(bench_inputs, 'show_stack', args, '1.20', concurrency=1, duration=1)
    assert rc == 1 and out['requests'] > 0 and out['status'] == out['requests'], out


def test_usage_errors(bench_inputs):
    d = bench_inputs['dir']
    p = subprocess.run([RPC_BENCH, '--transport-url', bench_inputs['transport'], '--token-json', str(d / 'token.json'),
                        '--auth-token-file', str(d / 'token'), '--method', 'list_stacks', '--concurrency', '0'],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 64 and '--concurrency' in p.stderr
