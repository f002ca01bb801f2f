"""heat_client.py: a raw HTTP client with full control of the request bytes, and the comparison
of a mod_heat answer with the Python service's.

requests and urllib add headers of their own (requests sends `Accept: */*`, which changes every
webob body), so requests are written by hand on a socket and parsed with http.client.HTTPResponse.
Every request carries `Connection: close`; the Host header is `127.0.0.1:<port>` unless the test
gives one (host=None sends none, for HTTP/1.0 requests).
"""

import http.client
import re
import socket
from dataclasses import dataclass

from heat_env import REQUEST_ID_RE

PORT_RE = re.compile(rb'127\.0\.0\.1:\d+')


@dataclass
class Response:
    status: int
    reason: str
    version: int
    headers: list            # [(name, value)] in received order
    body: bytes
    raw_request: bytes = b''
    port: int = 0

    def header(self, name):
        """The value of a header (several fields joined with ', '), None if absent."""
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ', '.join(values) if values else None

    def header_names(self):
        return {k.lower() for k, _ in self.headers}

    @property
    def request_id(self):
        return self.header('x-openstack-request-id')

    def dump(self):
        """The response as text, exactly as received (header order, body bytes)."""
        out = ['%d %s' % (self.status, self.reason)]
        out += ['%s: %s' % (k, v) for k, v in self.headers]
        out.append('')
        out.append(repr(self.body))
        return '\n'.join(out)


def request(port, method, path, headers=(), body=None, host='default', version='HTTP/1.1', timeout=30):
    """Sends one request to 127.0.0.1:port and returns a Response.

    headers: [(name, value)] sent in that order, nothing else added except Host, Content-Length
    (when body is given) and Connection: close."""
    lines = ['%s %s %s' % (method, path, version)]
    if host == 'default':
        lines.append('Host: 127.0.0.1:%d' % port)
    elif host is not None:
        lines.append('Host: %s' % host)
    for name, value in headers:
        lines.append('%s: %s' % (name, value))
    if body is not None:
        if isinstance(body, str):
            body = body.encode('utf-8')
        lines.append('Content-Length: %d' % len(body))
    lines.append('Connection: close')
    raw = ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + (body or b'')
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as sock:
        sock.sendall(raw)
        resp = http.client.HTTPResponse(sock, method=method)
        resp.begin()
        data = resp.read()
        return Response(status=resp.status, reason=resp.reason, version=resp.version,
                        headers=list(resp.getheaders()), body=data, raw_request=raw, port=port)


def normalise(data):
    """Hides the port in 127.0.0.1:<port> (the two services run on different ports)."""
    if isinstance(data, str):
        return PORT_RE.sub(b'127.0.0.1:PORT', data.encode('latin-1')).decode('latin-1')
    return PORT_RE.sub(b'127.0.0.1:PORT', data)


# Headers whose value must be identical (after normalise()) when either side sends them.
COMPARED_HEADERS = ('content-type', 'allow', 'location', 'www-authenticate', 'vary',
                    'access-control-allow-origin', 'access-control-allow-credentials',
                    'access-control-expose-headers', 'access-control-allow-methods',
                    'access-control-allow-headers', 'access-control-max-age')
# Headers that differ between any two HTTP servers and carry nothing Heat-specific.
TRANSPORT_HEADERS = {'date', 'server', 'content-length', 'connection', 'keep-alive',
                     'transfer-encoding'}


def differences(ours, theirs, ignore_headers=()):
    """A list of human-readable differences between mod_heat's and Python's answers ([] = same).

    Compared: status and reason phrase; the value of every header in COMPARED_HEADERS (absent on
    one side counts); the presence of x-openstack-request-id and, when present, its format; the
    set of header names apart from transport headers; the body byte for byte after normalise()."""
    ignore = {h.lower() for h in ignore_headers}
    diffs = []
    if (ours.status, ours.reason) != (theirs.status, theirs.reason):
        diffs.append('status: mod_heat %d %r, python %d %r' % (ours.status, ours.reason, theirs.status, theirs.reason))
    for name in COMPARED_HEADERS:
        if name in ignore:
            continue
        a, b = ours.header(name), theirs.header(name)
        if a is not None:
            a = normalise(a)
        if b is not None:
            b = normalise(b)
        if a != b:
            diffs.append('header %s: mod_heat %r, python %r' % (name, a, b))
    a_id, b_id = ours.request_id, theirs.request_id
    if (a_id is None) != (b_id is None):
        diffs.append('x-openstack-request-id: mod_heat %r, python %r' % (a_id, b_id))
    if a_id is not None and not REQUEST_ID_RE.match(a_id):
        diffs.append('x-openstack-request-id has a bad format: %r' % a_id)
    extra = ours.header_names() - theirs.header_names() - TRANSPORT_HEADERS - ignore - {'x-openstack-request-id'}
    missing = theirs.header_names() - ours.header_names() - TRANSPORT_HEADERS - ignore - {'x-openstack-request-id'}
    if extra:
        diffs.append('headers only mod_heat sends: %s' % sorted(extra))
    if missing:
        diffs.append('headers only python sends: %s' % sorted(missing))
    if normalise(ours.body) != normalise(theirs.body):
        diffs.append('body:\n  mod_heat %r\n  python   %r' % (normalise(ours.body), normalise(theirs.body)))
    return diffs


def assert_same(ours, theirs, ignore_headers=()):
    diffs = differences(ours, theirs, ignore_headers)
    if diffs:
        raise AssertionError('mod_heat differs from the Python service:\n- ' + '\n- '.join(diffs)
                             + '\n\nrequest:\n' + ours.raw_request.decode('latin-1')
                             + '\nmod_heat answer:\n' + ours.dump()
                             + '\n\npython answer:\n' + theirs.dump())
