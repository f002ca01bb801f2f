#!/usr/bin/python3
"""Captures what heat-api 19.0.0's own Python code answers (WebOb 1.8 status bodies, oslo's
healthcheck, heat's version negotiation) for the cases the C unit tests replay (test_webob.c,
test_front.c). Run with Debian's python3 where heat-api is installed:

    /usr/bin/python3 test/golden/front/capture.py

It rewrites webob.json, healthcheck.json and negotiation.json beside itself."""
import json
import os
import tempfile

import webob
import webob.exc

HERE = os.path.dirname(os.path.abspath(__file__))
ACCEPTS = [None, "", "*/*", "application/json", "text/html", "text/plain",
           "application/json;q=0.5, text/html", "text/html;q=0.5, application/json",
           "application/json, */*", "application/xml", "text/*", "application/*",
           "text/html;q=0", "application/json;q=0.9, text/html;q=0.9", "garbage",
           "application/vnd.openstack.orchestration-v1.0"]


def environ(method="GET", path="/", accept=None, port="8004"):
    env = {"REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "",
           "SERVER_NAME": "127.0.0.1", "SERVER_PORT": port, "HTTP_HOST": "127.0.0.1:" + port,
           "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1"}
    if accept is not None:
        env["HTTP_ACCEPT"] = accept
    return env


def call(app, env):
    out = {}

    def start_response(status, headers, exc_info=None):
        out["status"] = status
        out["headers"] = headers
    body = b"".join(app(env, start_response))
    ctype = [v for k, v in out["headers"] if k.lower() == "content-type"]
    return int(out["status"].split()[0]), (ctype[0] if ctype else None), body.decode()


def capture_webob():
    cases = []
    for cls, detail, comment in [(webob.exc.HTTPNotFound, None, None),
                                 (webob.exc.HTTPBadRequest, None, None),
                                 (webob.exc.HTTPAccepted, None, None),
                                 (webob.exc.HTTPServiceUnavailable, "The Keystone service is temporarily unavailable.", None),
                                 (webob.exc.HTTPBadRequest, "a <b>&'\"", "c <d>"),
                                 (webob.exc.HTTPNotFound, "line1\nline2", None),
                                 (webob.exc.HTTPRequestTimeout, None, None),
                                 (webob.exc.HTTPLengthRequired, None, None),
                                 (webob.exc.HTTPRequestURITooLong, None, None)]:
        for accept in ACCEPTS:
            status, ctype, body = call(cls(detail=detail, comment=comment), environ(accept=accept))
            cases.append({"status": status, "accept": accept, "detail": detail,
                          "comment": comment, "content_type": ctype, "body": body})
    for location in ["http://127.0.0.1:8004/v1/t/stacks/s/1234", "http://h/v1/t/stacks/a%20b/1?x=<1>&y=2"]:
        for accept in ACCEPTS:
            status, ctype, body = call(webob.exc.HTTPFound(location=location), environ(accept=accept))
            cases.append({"status": status, "accept": accept, "location": location,
                          "content_type": ctype, "body": body})
    return cases


def capture_healthcheck():
    from oslo_config import cfg
    from oslo_middleware import healthcheck
    cases = []
    tmp = tempfile.mkdtemp()
    present = os.path.join(tmp, "disabled")
    open(present, "w").close()
    absent = os.path.join(tmp, "absent")
    configs = [
        {"backends": []},
        {"backends": ["disable_by_file"]},
        {"backends": ["disable_by_file"], "disable_by_file_path": absent},
        {"backends": ["disable_by_file"], "disable_by_file_path": present},
        {"backends": ["disable_by_files_ports"], "disable_by_file_paths": ["8004:" + present]},
        {"backends": ["disable_by_files_ports"], "disable_by_file_paths": ["9999:" + present]},
        {"backends": ["disable_by_file", "disable_by_files_ports"], "disable_by_file_path": absent,
         "disable_by_file_paths": ["8004:" + present]},
    ]
    for conf in configs:
        oslo_conf = cfg.ConfigOpts()
        oslo_conf([], project="heat")
        app = healthcheck.Healthcheck(None, {"backends": ",".join(conf["backends"]),
                                             "disable_by_file_path": conf.get("disable_by_file_path", ""),
                                             "disable_by_file_paths": ",".join(conf.get("disable_by_file_paths", [])),
                                             "path": "/healthcheck"})
        for method in ["GET", "HEAD", "POST"]:
            for accept in ACCEPTS:
                resp = webob.Request(environ(method, "/healthcheck", accept)).get_response(app)
                cases.append({"config": conf, "method": method, "accept": accept,
                              "status": resp.status_int,
                              "content_type": resp.headers.get("Content-Type"),
                              "body": resp.body.decode()})
    # the file paths are per run; the C test recreates them under the same names
    text = json.dumps(cases).replace(tmp, "@TMP@")
    return json.loads(text)


def capture_negotiation():
    from heat.api.openstack import version_negotiation_filter

    def app(env, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"script_name": env["SCRIPT_NAME"], "path_info": env["PATH_INFO"]}).encode()]
    filt = version_negotiation_filter(app, {})
    cases = []
    paths = ["/", "", "/versions", "/versions/x", "//versions", "/v1", "/v1/", "/v1/t/stacks",
             "//v1/t", "/v1.0/t", "/v1.1/t", "/v2", "/v2/t", "/v1foo/t", "/v01/t", "/v1./t",
             "/nope", "/stacks", "/V1/t", "/v/t", "/v1.0.1/t", "/v10/t", "/v0/t",
             # WSGI paths are bytes shown as latin-1: valid UTF-8, then a bare \xff byte
             "/\u00e9t\u00e9".encode("utf-8").decode("latin-1"), "/v1/t/\xff"]
    accepts = [None, "*/*", "application/json", "application/vnd.openstack.orchestration-v1.0",
               "application/vnd.openstack.orchestration-v2", "application/vnd.openstack.orchestration-x",
               "application/vnd.openstack.orchestration-v1.0, */*", " application/vnd.openstack.orchestration-v1.0"]
    for path in paths:
        for accept in accepts:
            env = environ("GET", path, accept)
            try:
                status, ctype, body = call(filt, env)
            except TypeError:
                # heat crashes on an empty PATH_INFO (only possible below a mount point);
                # mod_heat treats it as "/" (the C test skips these cases)
                cases.append({"path": path, "accept": accept, "result": "crash"})
                continue
            if status == 200:
                routed = json.loads(body)
                result = {"result": "route", "script_name": routed["script_name"],
                          "path_info": routed["path_info"]}
            elif status == 300:
                result = {"result": "versions"}
            else:
                result = {"result": str(status)}
            # "path" holds the request's bytes as latin-1 code points (the C test turns them back)
            result.update({"path": path, "accept": accept})
            cases.append(result)
    return cases


def main():
    for name, fn in [("webob.json", capture_webob), ("healthcheck.json", capture_healthcheck),
                     ("negotiation.json", capture_negotiation)]:
        with open(os.path.join(HERE, name), "w") as f:
            json.dump(fn(), f, indent=1, sort_keys=True)
            f.write("\n")
        print("wrote", name)


if __name__ == "__main__":
    main()
