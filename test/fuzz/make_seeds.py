#!/usr/bin/env python3
"""make_seeds.py: (re)writes the seed corpora test/fuzz/corpus/<target>/ from test/golden and a
few hand-written inputs. Seeds are small (at most MAX bytes each) valid and invalid inputs, in
each target's input format (see the comment at the top of test/fuzz/fuzz_<target>.c). Run from
the repository root; the result is committed, so make check does not need Python."""
import glob
import hashlib
import json
import os
import shutil

MAX = 4096
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
G = os.path.join(ROOT, "test", "golden")
OUT = os.path.join(ROOT, "test", "fuzz", "corpus")


def load(rel):
    with open(os.path.join(G, rel), encoding="utf-8") as f:
        return json.load(f)


class Corpus:
    def __init__(self, target, limit=120):
        self.dir = os.path.join(OUT, target)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.limit, self.n = limit, 0

    def add(self, data, name=None):
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        if len(data) > MAX or self.n >= self.limit:
            return
        name = name or hashlib.sha1(data).hexdigest()[:16]
        path = os.path.join(self.dir, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.n += 1


def lines(*fields):
    return "\n".join("" if f is None else f for f in fields)


def routes():
    c = Corpus("routes")
    for fname in ("native.txt", "cfn.txt"):
        with open(os.path.join(G, "routes", fname), encoding="utf-8") as f:
            for row in f:
                if row.startswith("#") or not row.strip():
                    continue
                method, path, action = row.rstrip("\n").split("\t")[:3]
                query = "Action=" + action[2:] if action.startswith("A:") else ""
                c.add(lines(method, path, query, ""))
    for extra in (lines("GET", "/v1/P1/stacks%00x", "a=%00", ""),
                  lines("GET", "/v1/%E2%82", "b=%zz&&=&c", "application/json;q=0.5, */*;q=bad"),
                  lines("OPTIONS", "/v1/P1/stacks/s/1/resources/r/events/e", "", "application/json"),
                  lines("GET", "/", "Action=DescribeStacks&Parameters.member.1.ParameterKey=k", "")):
        c.add(extra)


def json_body():
    c = Corpus("json_body")
    for case in load("template/cases.json"):
        if "body" in case and isinstance(case["body"], str):
            c.add(case["body"])
    for extra in ('{"a": "\\u0000"}', '{"\\u00e9": [1, 2.5e300, -0.0, true, null]}',
                  '{"a": "\\ud800"}', '{"a": 1e400}', '[' * 40, '{"a": NaN}', '{"x": "\xff"}',
                  '{"a": 1, "a": 2}', '"just a string"', '{"n": 123456789012345678901234567890}'):
        c.add(extra)


# Golden cases that crash a target: they live in test/fuzz/regressions/ instead.
CRASHERS = {"yaml": {"nul-escape.yaml"}}


def yaml():
    c = Corpus("yaml", limit=200)
    for path in sorted(glob.glob(os.path.join(G, "yaml", "cases", "*.yaml"))):
        if os.path.basename(path) in CRASHERS["yaml"]:
            continue
        with open(path, "rb") as f:
            c.add(f.read(), os.path.basename(path)[:-5])


def template():
    c = Corpus("template", limit=150)
    for case in load("template/cases.json"):
        for key in ("text", "body", "env"):
            if isinstance(case.get(key), str):
                c.add(case[key])
    c.add('{"stack_name": "s", "template_url": "http://x/t.yaml"}\n')
    c.add('{"stack_name": "s", "template_url": "ftp://x/t"}')


def cfn():
    c = Corpus("cfn", limit=150)
    for case in load("cfn/actions.json"):
        engine = case.get("engine") or {}
        answers = list(engine.values()) or [{"result": None}]
        for answer in answers[:2]:
            doc = answer if "failure" in answer else answer.get("result")
            c.add(lines(case["method"], case["path"], case.get("query_string") or "",
                        case.get("form_string") or "", json.dumps(doc)))


def cfn_xml():
    c = Corpus("cfn_xml")
    for group in load("cfn/serializer.json").values():
        for case in group if isinstance(group, list) else []:
            if "doc" in case:
                c.add(json.dumps(case["doc"]))
    for extra in ('{"R": {"TemplateBody": {"a": 1}, "Metadata": null, "x:y": 1}}',
                  '{"R": "\\u0000"}', '{"R": ["\\uffff", {"{ns}a": 1}]}', '{}', '[1]'):
        c.add(extra)


def conf():
    c = Corpus("conf")
    for path in sorted(glob.glob(os.path.join(G, "conf", "*", "*.conf")) +
                       glob.glob(os.path.join(G, "conf", "*", "*", "*.conf"))):
        with open(path, "rb") as f:
            c.add(f.read())
    c.add("[DEFAULT]\na = $b\nb = ${a}\n")
    c.add("[DEFAULT]\ndebug = maybe\n  continued\n[keystone_authtoken]\ntoken_cache_time = 1e9\n")


def policy():
    c = Corpus("policy", limit=150)
    rules = load("policy/edge_rules.json")
    files = []
    for path in sorted(glob.glob(os.path.join(G, "policy", "files", "*", "*.yaml")) +
                       glob.glob(os.path.join(G, "policy", "files", "*", "*.json")) +
                       glob.glob(os.path.join(G, "policy", "files", "*", "*", "*.yaml"))):
        if not path.endswith("options.json") and os.path.isfile(path):
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                files.append(f.read())
    for i, rule in enumerate(rules):
        if "\n" not in rule:
            c.add(rule + "\n" + (files[i % len(files)] if files else ""))
    c.add('role:admin\n"stacks:index": "role:%(tenant)s or not @"\n"x": [["role:a", "rule:y"], ["!"]]\n')


def ec2():
    c = Corpus("ec2")
    for case in load("ec2/cases.json"):
        i = case["in"]
        auth = dict((k.lower(), v) for k, v in i.get("headers") or []).get("authorization", "")
        c.add(lines(i.get("query") or "", i.get("form") or "", auth, i.get("path") or "/v1/",
                    "gAAAA-subject", json.dumps(i.get("reply_body"))))
    c.add(lines("X-Amz-Credential=AK%2F2024&X-Amz-Signature=s", "", "", "/v1/", "",
                '{"error": {"message": "EC2 access key not found."}}'))


def rpc():
    c = Corpus("rpc")
    for path in sorted(glob.glob(os.path.join(G, "rpc", "*.reply.json"))):
        with open(path, encoding="utf-8") as f:
            c.add(json.load(f)["body"])
    c.add('{"result": null, "failure": null, "ending": true, "_msg_id": "m", "_unique_id": "u"}')
    c.add('{"oslo.version": "2.0", "oslo.message": "{\\"failure\\": \\"{}\\", \\"_msg_id\\": 1}"}')


def token():
    c = Corpus("token")
    for path in sorted(glob.glob(os.path.join(G, "keystone", "token_*.json"))):
        if not path.endswith("token_info.json"):
            with open(path, "rb") as f:
                c.add(f.read())
    for name, case in load("context/cases.json").items():
        if isinstance(case, dict) and "token" in case:
            c.add(json.dumps(case["token"]))
    c.add('{"token": {"roles": [{"name": 1}], "project": {"id": null}, "expires_at": "x", "catalog": [{}]}}')


if __name__ == "__main__":
    for fn in (routes, json_body, yaml, template, cfn, cfn_xml, conf, policy, ec2, rpc, token):
        fn()
    for d in sorted(os.listdir(OUT)):
        print(d, len(os.listdir(os.path.join(OUT, d))))
