"""heat_tls.py: what test_tls.py needs to put TLS between mod_heat and the real stack.

    make_pki(dir)   a test CA, a server certificate it signed for 127.0.0.1 (IP SAN) and
                    localhost, and a second CA that has nothing to do with it (openssl CLI)
    Stunnel         stunnel4 in the foreground, our child: TLS on a kernel-chosen loopback port,
                    forwarded in clear to a port of the stack (RabbitMQ)
    TlsProxy        Apache httpd with mod_ssl + mod_proxy_http in front of the stack's Keystone;
                    Keystone writes the links of its version documents with the scheme it sees
                    (http), so mod_substitute makes them https, as a Keystone configured with an
                    https public_endpoint would write them

Both are stopped with SIGTERM to the PID of the process we started, nothing else is signalled.
Only loopback is used; the stack's own services are never reconfigured.
"""

import os
import signal
import subprocess
import time

from heat_env import APACHE2, APACHE_MODULES, IS_ROOT, RUN_USER, free_port, port_answers, tail

OPENSSL = '/usr/bin/openssl'
STUNNEL = '/usr/bin/stunnel4'


def _openssl(*args, cwd):
    p = subprocess.run([OPENSSL] + list(args), cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    if p.returncode != 0:
        raise RuntimeError('openssl %s failed:\n%s' % (' '.join(args), p.stdout.decode('utf-8', 'replace')))


def _ca(d, name, cn):
    _openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
             '-keyout', name + '.key', '-out', name + '.pem', '-days', '2', '-subj', '/CN=' + cn,
             '-addext', 'basicConstraints=critical,CA:TRUE',
             '-addext', 'keyUsage=critical,keyCertSign,cRLSign', cwd=d)


def make_pki(d):
    """{'ca', 'other_ca', 'cert', 'key'}: absolute paths of PEM files in d (readable by
    Apache's children, which run as www-data)."""
    os.makedirs(d, exist_ok=True)
    _ca(d, 'ca', 'mod_heat test CA')
    _ca(d, 'other-ca', 'mod_heat unrelated CA')
    _server_cert(d, 'server', 'IP:127.0.0.1, DNS:localhost')
    _server_cert(d, 'named', 'DNS:broker.invalid')     # names neither 127.0.0.1 nor localhost
    for name in os.listdir(d):
        os.chmod(os.path.join(d, name), 0o600 if name.endswith('.key') else 0o644)
    os.chmod(d, 0o755)
    return {'ca': os.path.join(d, 'ca.pem'), 'other_ca': os.path.join(d, 'other-ca.pem'),
            'cert': os.path.join(d, 'server.pem'), 'key': os.path.join(d, 'server.key'),
            'named_cert': os.path.join(d, 'named.pem'), 'named_key': os.path.join(d, 'named.key')}


def _server_cert(d, name, alt_names):
    """<name>.pem and <name>.key: a server certificate of the test CA for alt_names."""
    with open(os.path.join(d, name + '.ext'), 'w') as f:
        f.write('basicConstraints = CA:FALSE\n'
                'keyUsage = critical, digitalSignature\n'
                'extendedKeyUsage = serverAuth\n'
                'subjectAltName = %s\n' % alt_names)
    _openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
             '-keyout', name + '.key', '-out', name + '.csr', '-subj', '/CN=' + name, cwd=d)
    _openssl('x509', '-req', '-in', name + '.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
             '-CAcreateserial', '-days', '2', '-extfile', name + '.ext', '-out', name + '.pem', cwd=d)


def _wait_listening(proc, port, what, log, timeout=30):
    deadline = time.time() + timeout
    while not port_answers(port):
        if proc.poll() is not None:
            raise RuntimeError('%s exited with %s at startup:\n%s' % (what, proc.returncode, tail(log)))
        if time.time() > deadline:
            raise RuntimeError('%s does not listen on %d after %ds:\n%s' % (what, port, timeout, tail(log)))
        time.sleep(0.05)


def _stop(proc, what, timeout=30):
    if proc is None or proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)      # our own child, by its PID
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise RuntimeError('%s (PID %d) did not stop within %ds after SIGTERM' % (what, proc.pid, timeout))


class Stunnel:
    """stunnel4 terminating TLS on 127.0.0.1:<port> and forwarding to 127.0.0.1:<target>."""

    def __init__(self, d, pki, target, cert='cert', key='key'):
        self.dir = d
        self.port = free_port()
        self.target = target
        self.conf = os.path.join(d, 'stunnel.conf')
        self.log = os.path.join(d, 'stunnel.log')
        self.proc = None
        with open(self.conf, 'w') as f:
            f.write('foreground = yes\n'
                    'pid =\n'
                    'output = %s\n'
                    'debug = notice\n'
                    '[tls]\n'
                    'accept = 127.0.0.1:%d\n'
                    'connect = 127.0.0.1:%d\n'
                    'cert = %s\n'
                    'key = %s\n' % (self.log, self.port, target, pki[cert], pki[key]))

    def start(self):
        with open(os.path.join(self.dir, 'stunnel.stderr'), 'wb') as err:
            self.proc = subprocess.Popen([STUNNEL, self.conf], stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=subprocess.STDOUT)
        _wait_listening(self.proc, self.port, 'stunnel4', self.log)
        return self

    def stop(self):
        proc, self.proc = self.proc, None
        _stop(proc, 'stunnel4')


TLS_PROXY_CONF = """\
# Generated by test/integration/heat_tls.py: TLS in front of the stack's Keystone.
ServerRoot "{root}"
ServerName 127.0.0.1
DefaultRuntimeDir "{root}/run"
PidFile "{root}/logs/httpd.pid"
ErrorLog "{root}/logs/error_log"
LogLevel warn
{modules}
{user_group}
Listen 127.0.0.1:{port}
SSLSessionCache "shmcb:{root}/run/ssl_scache(51200)"
<VirtualHost 127.0.0.1:{port}>
    ServerName 127.0.0.1
    SSLEngine on
    SSLCertificateFile "{cert}"
    SSLCertificateKeyFile "{key}"
    LimitRequestFieldSize 16384
    ProxyPreserveHost On
    ProxyPass / http://127.0.0.1:{target}/
    ProxyPassReverse / http://127.0.0.1:{target}/
    SetOutputFilter SUBSTITUTE
    Substitute "s|http://127.0.0.1:{port}/|https://127.0.0.1:{port}/|n"
</VirtualHost>
"""


class TlsProxy:
    """Apache httpd (mod_ssl, mod_proxy_http, mod_substitute) on https://127.0.0.1:<port>/,
    forwarding to http://127.0.0.1:<target>/."""

    MODULES = ('mpm_event', 'authz_core', 'socache_shmcb', 'ssl', 'proxy', 'proxy_http', 'substitute')

    def __init__(self, d, pki, target, cert='cert', key='key'):
        self.root = d
        self.port = free_port()
        for sub in ('conf', 'logs', 'run'):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        self.conf = os.path.join(d, 'conf', 'httpd.conf')
        self.log = os.path.join(d, 'logs', 'error_log')
        self.proc = None
        modules = '\n'.join('LoadModule %s_module "%s/mod_%s.so"' % (m, APACHE_MODULES, m)
                            for m in self.MODULES)
        user_group = 'User %s\nGroup %s' % (RUN_USER, RUN_USER) if IS_ROOT else ''
        with open(self.conf, 'w') as f:
            f.write(TLS_PROXY_CONF.format(root=d, modules=modules, user_group=user_group, port=self.port,
                                          target=target, cert=pki['cert'], key=pki['key']))

    @property
    def url(self):
        return 'https://127.0.0.1:%d' % self.port

    def start(self):
        with open(os.path.join(self.root, 'logs', 'stderr'), 'wb') as err:
            self.proc = subprocess.Popen([APACHE2, '-d', self.root, '-f', self.conf, '-DFOREGROUND'],
                                         stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT,
                                         env=dict(os.environ, LANG='C'))
        _wait_listening(self.proc, self.port, 'the TLS proxy httpd', self.log)
        return self

    def stop(self):
        proc, self.proc = self.proc, None
        _stop(proc, 'the TLS proxy httpd')
