#!/usr/bin/env python3
"""Checks of the module's sources that no compiler makes; `make check-sources` runs them.

1. The core (every file under mod_heat/ except the httpd glue, mod_heat*.c/.h) includes no httpd
   header: it is built into libheat.a, which the unit tests and fuzz targets link without httpd.
2. No include cycle between the core's folders (mod_heat/<folder>/): a folder may use another's
   headers only if that one does not use its own, directly or through others.
2b. No include cycle between files anywhere in mod_heat/ (core and glue). A file and its header
   count as one (x.c keeps what x.h declares), so x.c including y.h while y.c (or y.h)
   includes x.h is a cycle too: the two would be one module in two halves.
3. Every log call at warning level or worse carries a HEATnnnn id, and no id (at any level) is
   used by two calls, so an operator's grep finds the one line that wrote it.

Exit status 1 and one line per problem when a check fails.
"""

import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(TOP, 'mod_heat')

# httpd's own headers (apr and apr-util are fine: the core is built on them)
HTTPD_HEADER = re.compile(r'^(httpd|http_\w+|ap_\w+|util_\w+|mpm_\w+|mod_\w+|scoreboard|unixd)\.h$')
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
# the log functions, and the modules' own log macros (AUTH_LOG, ...)
LOG_CALL = re.compile(r'\b(heat_log|ap_log_error|ap_log_rerror|ap_log_perror|ap_log_cerror|ap_log_cserror|[A-Z]+_LOG)\s*\(')
BAD_LEVEL = re.compile(r'\b(HEAT_LOG_ERR|HEAT_LOG_WARNING|APLOG_(EMERG|ALERT|CRIT|ERR|WARNING))\b')
LOG_ID = re.compile(r'HEAT\d{4}')


def sources():
    for root, _, files in os.walk(SRC):
        for name in sorted(files):
            if name.endswith(('.c', '.h')):
                yield os.path.join(root, name)


def is_glue(path):
    return os.path.dirname(path) == SRC and os.path.basename(path).startswith('mod_heat')


def folder(path):
    rel = os.path.relpath(os.path.dirname(path), SRC)
    return '.' if rel == '.' else rel.split(os.sep)[0]


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def call_text(text, start):
    """The text of the call whose '(' is at start, up to its matching ')' (strings skipped)."""
    depth, i, n = 0, start, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == '\\' else 1
        elif ch == "'":
            i += 1
            while i < n and text[i] != "'":
                i += 2 if text[i] == '\\' else 1
        elif ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
        i += 1
    return text[start:]


def header_index(paths, key=None):
    """Header path (relative to mod_heat/) or basename -> key(header): by default the folder
    that holds it (headers are included by basename or path)."""
    key = key or folder
    index = {}
    for path in paths:
        if path.endswith('.h'):
            index[os.path.relpath(path, SRC)] = key(path)
            index.setdefault(os.path.basename(path), key(path))
    return index


def file_node(path):
    """x.c and x.h of one folder are one node: 'common/heat_conf'."""
    return os.path.splitext(os.path.relpath(path, SRC))[0]


def all_cycles(graph, limit=20):
    """One cycle per knot of the graph (an edge of each found cycle is dropped and the
    search repeated), so that every independent cycle is reported."""
    graph = {k: set(v) for k, v in graph.items()}
    found = []
    while len(found) < limit:
        cycle = find_cycle(graph)
        if not cycle:
            break
        found.append(cycle)
        graph[cycle[-2]].discard(cycle[-1])
    return found


def find_cycle(graph):
    """A cycle in {node: set(nodes)} as a list of nodes, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def check(paths):
    problems = []
    headers = header_index(paths)
    nodes = header_index(paths, file_node)
    graph = {}
    files = {}
    ids = {}
    for path in paths:
        rel = os.path.relpath(path, TOP)
        with open(path, encoding='utf-8', errors='replace') as f:
            raw = f.read()
        text = strip_comments(raw)
        for kind, name in INCLUDE.findall(text):
            base = os.path.basename(name)
            if not is_glue(path) and HTTPD_HEADER.match(base):
                problems.append('%s: the core includes httpd header <%s>' % (rel, name))
            target = headers.get(name) or headers.get(base) if kind == '"' else None
            if target and not is_glue(path) and target != folder(path):
                graph.setdefault(folder(path), set()).add(target)
            node = (nodes.get(name) or nodes.get(base)) if kind == '"' else None
            if node and node != file_node(path):
                files.setdefault(file_node(path), set()).add(node)
        for m in LOG_CALL.finditer(text):
            call = call_text(text, m.end() - 1)
            line = text.count('\n', 0, m.start()) + 1
            if text[m.start() - 8:m.start()].strip().endswith('define'):
                continue
            found = LOG_ID.findall(call)
            if not found and BAD_LEVEL.search(call):
                problems.append('%s:%d: a warning-or-worse log call without a HEATnnnn id' % (rel, line))
            for log_id in set(found):
                ids.setdefault(log_id, []).append('%s:%d' % (rel, line))
    for log_id, places in sorted(ids.items()):
        if len(places) > 1:
            problems.append('%s is used by %d log calls: %s' % (log_id, len(places), ', '.join(places)))
    cycle = find_cycle(graph)
    if cycle:
        problems.append('include cycle between core folders: %s' % ' -> '.join(cycle))
    for cycle in all_cycles(files):
        problems.append('include cycle between files: %s' % ' -> '.join(cycle))
    return problems


def self_test():
    """The checks find what they look for: a tree with one of each problem, and a clean one."""
    import tempfile
    global SRC
    saved = SRC
    files = {
        'mod_heat_glue.c': '#include <httpd.h>\n',                      # the glue may
        'a/a.h': '', 'b/b.h': '',
        'a/a.c': '#include "b.h"\n#include <http_protocol.h>\n'
                 'void f(void) { heat_log(HEAT_LOG_WARNING, "HEAT0001: x"); }\n',
        'b/b.c': '#include "a.h"\n'
                 'void g(void) { heat_log(HEAT_LOG_ERR,\n "no id %s", "y"); }\n'
                 'void h(void) { heat_log(HEAT_LOG_WARNING, "HEAT0001: again"); }\n'
                 'void i(void) { heat_log(HEAT_LOG_DEBUG, "debug needs none"); }\n'
                 'void j(void) { AUTH_LOG(r, HEAT_LOG_INFO, "HEAT0002: one"); }\n'
                 'void k(void) { AUTH_LOG(r, HEAT_LOG_DEBUG, "HEAT0002: two"); }\n',
        # a file cycle inside one folder, through a .c and its header
        'c/m.h': '#include "n.h"\n', 'c/n.h': '', 'c/n.c': '#include "n.h"\n#include "m.h"\n',
        # the glue too; a .c including its own header and a leaf .c are no cycle
        'mod_heat_x.h': '#include "mod_heat_y.h"\n', 'mod_heat_y.h': '', 'mod_heat_y.c': '#include "mod_heat_x.h"\n',
        'mod_heat_z.c': '#include "mod_heat_x.h"\n#include "c/m.h"\n',
    }
    with tempfile.TemporaryDirectory() as d:
        for name, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(d, name)), exist_ok=True)
            with open(os.path.join(d, name), 'w') as f:
                f.write(text)
        SRC = d
        try:
            found = check(list(sources()))
        finally:
            SRC = saved
    expected = ['a/a.c: the core includes httpd header <http_protocol.h>',
                'b/b.c:2: a warning-or-worse log call without a HEATnnnn id',
                'HEAT0001 is used by 2 log calls',
                'HEAT0002 is used by 2 log calls',
                'include cycle between core folders: a -> b -> a',
                'include cycle between files: a/a -> b/b -> a/a',
                'include cycle between files: c/m -> c/n -> c/m',
                'include cycle between files: mod_heat_x -> mod_heat_y -> mod_heat_x']
    missing = [e for e in expected if not any(e in f for f in found)]
    extra = [f for f in found if not any(e in f for e in expected)]
    if missing or extra:
        print('check-sources self-test failed: missing %s, unexpected %s' % (missing, extra))
        return 1
    return 0


def main():
    if self_test():
        return 1
    paths = list(sources())
    problems = check(paths)
    for p in problems:
        print('check-sources: ' + p)
    if problems:
        return 1
    print('check-sources: %d files: no httpd header in the core, no folder or file include '
          'cycle, log ids unique' % len(paths))
    return 0


if __name__ == '__main__':
    sys.exit(main())
