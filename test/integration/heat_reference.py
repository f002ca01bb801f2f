"""heat_reference.py: the real Python heat-api and heat-api-cfn (Debian's heat 19.0.0), run on free
loopback ports as the oracle that mod_heat is compared with.

Each instance gets its own directory gen/reference/<name>/ with heat.conf, the service's log file
(heat.log) and its stdout/stderr (console.log), kept after the run for debugging. It is started
with setsid (its own session, so a Ctrl-C of pytest does not hit it first), its PID recorded, and
at the end that PID, and only that PID, gets SIGTERM (SIGKILL after 10 s). With workers = 1
heat-api runs as a single process ("Starting single process server"), so there are no children.

No heat-engine, RabbitMQ or Keystone: transport_url names a loopback port nobody listens on.
Only answers that need none of them can be compared: the versions document, version negotiation,
webob 404s, healthcheck, request ids, the cors OPTIONS quirk and, with `[paste_deploy] flavor =
noauth` for heat-api, the router's 405 and OPTIONS answers inside /v1. heat-api-cfn has no noauth
pipeline; its "standalone" flavor (ec2authtoken only) lets a request carrying `X-Auth-User` reach
the CFN router, which is how the InvalidAction answers are reached without Keystone.
"""

import os
import signal
import subprocess
import time

from heat_env import (API_PASTE, HEAT_API, HEAT_API_CFN, SECRETS, free_port, gen_dir, listeners,
                      pid_alive, tail, write_ini)
import heat_client

SERVICES = {
    'api': (HEAT_API, 'heat_api'),
    'cfn': (HEAT_API_CFN, 'heat_api_cfn'),
}


class HeatReference:
    def __init__(self, name, api, options=None, flavor=None):
        """api: 'api' (heat-api) or 'cfn' (heat-api-cfn). options: {section: [(key, value)]}
        added to the generated heat.conf. flavor: [paste_deploy] flavor (None = default pipeline)."""
        self.name = name
        self.api = api
        self.dir = gen_dir(os.path.join('reference', name))
        self.conf_path = os.path.join(self.dir, 'heat.conf')
        self.log_path = os.path.join(self.dir, 'heat.log')
        self.console_path = os.path.join(self.dir, 'console.log')
        self.port = free_port()
        self.proc = None
        exe, bind_section = SERVICES[api]
        self.exe = exe
        sections = {
            'DEFAULT': [
                # nobody listens there: no engine is needed for the answers we compare
                ('transport_url', 'rabbit://heat:%s@127.0.0.1:%d/heat' % (SECRETS[0], free_port())),
                ('rpc_response_timeout', '5'),
                ('log_file', self.log_path),
                ('use_stderr', 'false'),
            ],
            'paste_deploy': [('api_paste_config', API_PASTE)],
            bind_section: [('bind_host', '127.0.0.1'), ('bind_port', str(self.port)), ('workers', '1')],
            # as in base_heat_conf: what authtoken's 401 names in WWW-Authenticate (nobody listens)
            'keystone_authtoken': [('www_authenticate_uri', 'http://127.0.0.1:%d/v3' % free_port())],
        }
        if flavor:
            sections['paste_deploy'].append(('flavor', flavor))
        for section, items in (options or {}).items():
            sections.setdefault(section, []).extend(items)
        write_ini(self.conf_path, sections)

    def start(self):
        """Starts the service without waiting (see wait_ready)."""
        assert self.proc is None
        with open(self.console_path, 'wb') as out:
            self.proc = subprocess.Popen([self.exe, '--config-file', self.conf_path],
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, cwd=self.dir)
        with open(os.path.join(self.dir, 'pid'), 'w') as f:
            f.write('%d\n' % self.proc.pid)
        return self

    def wait_ready(self, timeout=90):
        """Polls GET / until the versions document comes back, then checks the port is ours alone."""
        deadline = time.time() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError('%s (%s) exited with %s during startup.\nconsole:\n%s\nlog:\n%s'
                                   % (self.exe, self.name, self.proc.returncode, tail(self.console_path),
                                      tail(self.log_path)))
            try:
                if heat_client.request(self.port, 'GET', '/', timeout=2).status == 300:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError('%s (%s) did not answer on port %d within %ds.\nlog:\n%s'
                                   % (self.exe, self.name, self.port, timeout, tail(self.log_path)))
            time.sleep(0.2)
        n = listeners(self.port)
        if n != 1:
            raise RuntimeError('port %d of %s has %d listening sockets: another process shares it '
                               '(eventlet binds with SO_REUSEPORT)' % (self.port, self.name, n))
        return self

    def stop(self):
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        deadline = time.time() + 10
        while pid_alive(proc.pid) and time.time() < deadline:
            time.sleep(0.1)

    def request(self, method, path, headers=(), body=None, host='default', version='HTTP/1.1'):
        return heat_client.request(self.port, method, path, headers=headers, body=body, host=host,
                                   version=version)


class ReferenceSet:
    """The Python instances the comparisons need, started together (in parallel) on first use.

    plain-api   heat-api, flavor noauth, no options: the answers of a default heat.conf
    plain-cfn   heat-api-cfn, default flavor, no options
    opts-api    heat-api, default flavor, with OPTIONS below
    opts-cfn    heat-api-cfn, flavor standalone, with OPTIONS below
    """

    def __init__(self, hc_disable_file):
        self.hc_disable_file = hc_disable_file
        self.instances = {}
        self.error = None

    @staticmethod
    def options(hc_disable_file):
        """Options of the "opts" variant; mod_heat's opts server gets the same heat.conf values."""
        return {
            'oslo_middleware': [('enable_proxy_headers_parsing', 'true')],
            'healthcheck': [('backends', 'disable_by_file'), ('disable_by_file_path', hc_disable_file)],
            # Debian's option: must not change the versions document
            'heat_api': [('heat_api_root', 'http://root.example.com:1234/heat-root')],
        }

    def get(self, name):
        if self.error:
            raise RuntimeError('the Python reference services failed to start earlier:\n' + self.error)
        if not self.instances:
            self._start_all()
        return self.instances[name]

    def _start_all(self):
        opts = self.options(self.hc_disable_file)
        wanted = {
            'plain-api': HeatReference('plain-api', 'api', flavor='noauth'),
            'plain-cfn': HeatReference('plain-cfn', 'cfn'),
            'opts-api': HeatReference('opts-api', 'api', options=opts),
            'opts-cfn': HeatReference('opts-cfn', 'cfn', options=opts, flavor='standalone'),
        }
        try:
            for ref in wanted.values():
                ref.start()
                self.instances[ref.name] = ref
            for ref in wanted.values():
                ref.wait_ready()
        except Exception as e:
            self.error = str(e)
            self.stop()
            raise

    def stop(self):
        for ref in self.instances.values():
            ref.stop()
        self.instances = {}
