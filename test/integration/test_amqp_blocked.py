"""Broker flow control: a RabbitMQ in a resource alarm blocks publishing (connection.blocked).

The RPC client must answer at once with an unreachable-broker error (the router's 503,
MessagingUnavailable-style) instead of waiting for a publisher confirm until the RPC timeout,
and must publish again on the same pooled connection once the broker sends
connection.unblocked. The alarm is raised on a private RabbitMQ started for this module
(test/tools/rpc-rabbit.sh with its own directory and ports), never on the shared stack's
broker. Driven through build/heat-rpc-call, the CLI over the same core (heat_rpc.c,
heat_amqp.c); no heat-engine listens, so an unblocked call ends in an RPC timeout.
"""
import json
import os
import shutil
import subprocess
import time

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
RPC_CALL = os.path.join(REPO, 'build', 'heat-rpc-call')
RABBIT = os.path.join(REPO, 'test', 'tools', 'rpc-rabbit.sh')
ENV = dict(os.environ,
           RPC_RABBIT_DIR='/tmp/mod_heat-blocked-rabbit',
           RPC_RABBIT_PORT='25790', RPC_RABBIT_EPMD_PORT='24469',
           RPC_RABBIT_DIST_PORT='25791', RPC_RABBIT_TLS_PORT='25792')


def ctl(*args):
    subprocess.run([RABBIT, 'ctl'] + list(args), env=ENV, check=True,
                   stdout=subprocess.DEVNULL, timeout=60)


@pytest.fixture(scope='module')
def private_rabbit():
    if os.geteuid() != 0 or not os.path.exists('/usr/lib/rabbitmq/bin/rabbitmq-server'):
        pytest.skip('needs root and rabbitmq-server')
    subprocess.run(['make', '-C', REPO, 'tools'], check=True, stdout=subprocess.DEVNULL,
                   timeout=600)
    try:
        # output to a file: epmd and the broker keep the script's stdout open
        os.makedirs(ENV['RPC_RABBIT_DIR'], exist_ok=True)
        with open(os.path.join(ENV['RPC_RABBIT_DIR'], 'start.log'), 'w') as log:
            subprocess.run([RABBIT, 'start'], env=ENV, check=True, stdout=log,
                           stderr=subprocess.STDOUT, timeout=300)
        yield subprocess.run([RABBIT, 'url'], env=ENV, check=True, capture_output=True,
                             text=True, timeout=30).stdout.strip()
    finally:
        try:
            ctl('set_vm_memory_high_watermark', '0.4')
        finally:
            subprocess.run([RABBIT, 'stop'], env=ENV, timeout=300)
            shutil.rmtree(ENV['RPC_RABBIT_DIR'], ignore_errors=True)


def rpc_call(url, timeout=5):
    t0 = time.monotonic()
    p = subprocess.run([RPC_CALL, '--transport-url', url, '--method', 'list_stacks',
                        '--timeout', str(timeout)], capture_output=True, text=True,
                       timeout=timeout + 30)
    return p.returncode, json.loads(p.stdout.strip().splitlines()[-1]), time.monotonic() - t0


def test_blocked_broker_fails_fast_then_resumes(private_rabbit):
    url = private_rabbit
    rc, out, _ = rpc_call(url, timeout=2)
    assert rc == 2 and 'timeout' in out          # published; no engine answers
    ctl('set_vm_memory_high_watermark', '0.0000001')
    try:
        # the alarm takes effect within the broker's memory check interval: poll for it
        deadline = time.monotonic() + 30
        while True:
            rc, out, took = rpc_call(url, timeout=10)
            if rc == 3 or time.monotonic() > deadline:
                break
        assert rc == 3, out                      # unreachable: the router's 503
        assert 'blocks publishing' in out['unreachable']
        assert took < 5, took                    # at once, not after the 10 s RPC timeout

        # one pool over the alarm's end: the same connections publish again once unblocked
        proc = subprocess.Popen([RPC_CALL, '--transport-url', url, '--method', 'list_stacks',
                                 '--timeout', '1', '--repeat', '40', '--interval', '0.5'],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            first = json.loads(proc.stdout.readline())
            assert 'blocks publishing' in first.get('unreachable', ''), first
            ctl('set_vm_memory_high_watermark', '0.4')
            seen = []
            for line in proc.stdout:
                seen.append(json.loads(line))
                if 'timeout' in seen[-1]:
                    break
            assert seen and 'timeout' in seen[-1], seen
        finally:
            proc.kill()
            proc.wait()
    finally:
        ctl('set_vm_memory_high_watermark', '0.4')
