#!/usr/bin/python3
"""Regenerates the expectations in this folder from Debian 12's heat 19.0.0
heat/api/aws/ec2token.py (EC2Token, with requests.post replaced by a recorder):
  cases.json   a list of {"name", "in": {...request...}, "out": {...}}, where "out" is
               "keystone": the JSON heat POSTs to <auth_uri>/ec2tokens (parsed), or null when
               heat does not call Keystone, and "error": the AWS error class heat raises
               (null when the request goes on), and "headers_set": the headers ec2token sets.
The C unit test (test/unit/test_ec2.c) builds the same requests from "in".
Run from this folder with /usr/bin/python3 (not a pyenv shim)."""
import json
from unittest import mock

import webob

from heat.api.aws import ec2token
from heat.api.aws import exception as aws_exc

CASES = [
    # name, method, path (raw, as sent), query, form body, headers (as sent), keystone reply
    ('sigv2_get', 'GET', '/v1/',
     'Action=ListStacks&AWSAccessKeyId=AK1&SignatureMethod=HmacSHA256&SignatureVersion=2'
     '&Timestamp=2024-05-01T10%3A00%3A00Z&Version=2010-05-15&Signature=abc%2B%2F%3D',
     None, [('Host', '127.0.0.1:8000'), ('User-Agent', 'python-requests/2.28'),
            ('Accept', '*/*'), ('Accept-Encoding', 'gzip, deflate')], 'ok'),
    ('sigv2_post_form', 'POST', '/v1/', '',
     'Action=DescribeStacks&AWSAccessKeyId=AK1&SignatureMethod=HmacSHA256&SignatureVersion=2'
     '&Timestamp=2024-05-01T10%3A00%3A00Z&Signature=xyz%3D',
     [('Host', 'cfn.example.com'), ('content-type', 'application/x-www-form-urlencoded'),
      ('Content-Length', None)], 'ok'),
    ('query_and_form', 'POST', '/v1/', 'Action=A&Action=B&X=1&Signature=s1&AWSAccessKeyId=AKq',
     'Action=C&Y=2&Y=3&X=9&Signature=s2&AWSAccessKeyId=AKf',
     [('Host', 'h:8000'), ('Content-Type', 'application/x-www-form-urlencoded'),
      ('Content-Length', None)], 'ok'),
    ('sigv4_header', 'POST', '/v1/', '', 'Action=ListStacks&Version=2010-05-15',
     [('Host', '127.0.0.1:8000'), ('Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'),
      ('Content-Length', None), ('X-Amz-Date', '20240501T100000Z'),
      ('x-amz-content-sha256', 'UNSIGNED-PAYLOAD'), ('X_WEIRD_name', 'u'),
      ('x-foo1bar', 'digits'),
      ('Authorization', 'AWS4-HMAC-SHA256 Credential=AK4/20240501/RegionOne/cloudformation/'
       'aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=f00d')], 'ok'),
    ('sigv4_query', 'GET', '/v1/',
     'Action=ListStacks&X-Amz-Algorithm=AWS4-HMAC-SHA256'
     '&X-Amz-Credential=AKQ%2F20240501%2FRegionOne%2Fcloudformation%2Faws4_request'
     '&X-Amz-Date=20240501T100000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=beef',
     None, [('Host', '127.0.0.1:8000')], 'ok'),
    ('waitcondition_path', 'PUT',
     '/v1/waitcondition/arn%3Aopenstack%3Aheat%3A%3Ap1%3Astacks/s1/id1/resources/wh',
     'Timestamp=2024-05-01T10%3A00%3A00Z&SignatureMethod=HmacSHA256&AWSAccessKeyId=AKw'
     '&SignatureVersion=2&Signature=w%2Bw%3D', None,
     [('Host', '127.0.0.1:8000'), ('Content-Type', 'application/json'), ('Content-Length', None)],
     'ok'),
    ('path_requoted', 'POST', '/v1/signal/arn%3Aopenstack%3Aheat%3A%3Ap1%3Astacks/a%20b%C3%A9%25x/i/resources/r%2Bq~%21',
     'AWSAccessKeyId=AKs&SignatureVersion=2&Signature=sig', None, [('Host', '127.0.0.1:8000')], 'ok'),
    ('no_signature', 'GET', '/v1/', 'Action=ListStacks&AWSAccessKeyId=AK1', None,
     [('Host', 'h')], 'ok'),
    ('no_signature_auth_user', 'GET', '/v1/', 'Action=ListStacks', None,
     [('Host', 'h'), ('X-Auth-User', 'x'), ('X-Auth-Token', 't')], 'ok'),
    ('empty_signature_falls_to_amz', 'GET', '/v1/',
     'Signature=&X-Amz-Signature=s4&AWSAccessKeyId=AK1', None, [('Host', 'h')], 'ok'),
    ('empty_signatures', 'GET', '/v1/', 'Signature=&X-Amz-Signature=&AWSAccessKeyId=AK1', None,
     [('Host', 'h'), ('Authorization', 'x Signature=zz, Credential=AKz/1')], 'ok'),
    ('signature_no_key', 'GET', '/v1/', 'Action=ListStacks&Signature=s', None, [('Host', 'h')], 'ok'),
    ('signature_empty_key', 'GET', '/v1/', 'Signature=s&AWSAccessKeyId=', None, [('Host', 'h')], 'ok'),
    ('signature_no_key_auth_user', 'GET', '/v1/', 'Signature=s', None,
     [('Host', 'h'), ('X-Auth-User', 'x')], 'ok'),
    ('auth_header_without_signature', 'GET', '/v1/', 'Action=ListStacks', None,
     [('Host', 'h'), ('Authorization', 'Bearer abc')], 'ok'),
    ('auth_header_v2_style', 'GET', '/v1/', '', None,
     [('Host', 'h'), ('Authorization', 'AWS4-HMAC-SHA256 Credential=AKh, Signature=s9')], 'ok'),
    ('empty_credential_param', 'GET', '/v1/', 'X-Amz-Credential=&X-Amz-Signature=s', None,
     [('Host', 'h'), ('Authorization', 'AWS4-HMAC-SHA256 Credential=AKa/x, Signature=s9')], 'ok'),
    ('keystone_key_not_found', 'GET', '/v1/', 'Signature=s&AWSAccessKeyId=AK1', None,
     [('Host', 'h')], 'EC2 access key not found.'),
    ('keystone_sig_not_supplied', 'GET', '/v1/', 'Signature=s&AWSAccessKeyId=AK1', None,
     [('Host', 'h')], 'EC2 signature not supplied.'),
    ('keystone_invalid_sig', 'GET', '/v1/', 'Signature=s&AWSAccessKeyId=AK1', None,
     [('Host', 'h')], 'Invalid EC2 signature.'),
    ('keystone_expired', 'GET', '/v1/', 'Signature=s&AWSAccessKeyId=AK1', None,
     [('Host', 'h')], 'Credential is expired'),
    ('keystone_no_subject', 'GET', '/v1/', 'Signature=s&AWSAccessKeyId=AK1', None,
     [('Host', 'h')], 'no_subject'),
    ('keystone_no_project', 'GET', '/v1/', 'Signature=s&AWSAccessKeyId=AK1', None,
     [('Host', 'h')], 'no_project'),
]

TOKEN_BODY = {'token': {'methods': ['ec2credential'], 'user': {'id': 'u1', 'name': 'demo'},
                        'project': {'id': 'p1', 'name': 'demo', 'domain': {'id': 'default'}},
                        'roles': [{'id': 'r1', 'name': 'member'}, {'id': 'r2', 'name': 'heat_stack_owner'}],
                        'expires_at': '2099-01-01T00:00:00.000000Z'}}


class Reply:
    def __init__(self, kind):
        self.kind = kind
        self.headers = {'X-Subject-Token': 'tok-ec2'}
        if kind == 'ok':
            self.body = TOKEN_BODY
        elif kind == 'no_subject':
            self.body = TOKEN_BODY
            self.headers = {}
        elif kind == 'no_project':
            self.body = {'token': {'user': {'id': 'u1'}}}
        else:
            self.body = {'error': {'code': 401, 'title': 'Unauthorized', 'message': kind}}
            self.headers = {}

    def json(self):
        return self.body


def run(case):
    name, method, path, query, form, headers, reply = case
    body = form.encode() if form is not None else b''
    environ = {'REQUEST_METHOD': method, 'SCRIPT_NAME': '', 'PATH_INFO': webob.request.url_unquote(path)
               if hasattr(webob.request, 'url_unquote') else path,
               'QUERY_STRING': query, 'SERVER_NAME': 'localhost', 'SERVER_PORT': '8000',
               'wsgi.url_scheme': 'http', 'SERVER_PROTOCOL': 'HTTP/1.1'}
    import urllib.parse
    environ['PATH_INFO'] = urllib.parse.unquote(path, encoding='latin-1')
    hdrs = []
    for k, v in headers:
        if v is None and k.lower() == 'content-length':
            v = str(len(body))
        hdrs.append([k, v])
        if k.lower() == 'content-type':
            environ['CONTENT_TYPE'] = v
        elif k.lower() == 'content-length':
            environ['CONTENT_LENGTH'] = v
        else:
            environ['HTTP_' + k.upper().replace('-', '_')] = v
    req = webob.Request(environ)
    req.body = body
    if 'CONTENT_LENGTH' not in environ and body:
        del req.environ['CONTENT_LENGTH']
    posted = {}

    def fake_post(url, data=None, headers=None, verify=None, cert=None):
        posted['url'] = url
        posted['data'] = json.loads(data)
        return Reply(reply)

    seen = {}

    def app(environ, start_response):
        seen.update({k: v for k, v in environ.items() if k in (
            'HTTP_X_AUTH_EC2_CREDS', 'HTTP_X_AUTH_TOKEN', 'HTTP_X_TENANT_NAME', 'HTTP_X_TENANT_ID',
            'HTTP_X_AUTH_URL', 'HTTP_X_ROLES')})
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [b'ok']

    filt = ec2token.EC2Token(app, {'auth_uri': 'http://ks:5000/v3', 'multi_cloud': False})
    error = None
    with mock.patch.object(ec2token.requests, 'post', fake_post):
        try:
            filt._authorize(req, 'http://ks:5000/v3')(req.environ, lambda *a: None)
        except aws_exc.HeatAPIException as e:
            error = type(e).__name__
    return {'name': name,
            'in': {'method': method, 'path': path, 'query': query, 'form': form, 'headers': hdrs,
                   'keystone_reply': reply, 'reply_body': Reply(reply).body,
                   'reply_subject': Reply(reply).headers.get('X-Subject-Token')},
            'out': {'keystone': posted.get('data'), 'url': posted.get('url'), 'error': error,
                    'headers_set': seen}}


out = [run(c) for c in CASES]
with open('cases.json', 'w') as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write('\n')
