#!/usr/bin/env python3
"""Fails when modules of `src/` depend on each other in a cycle, or a layer reaches up.

hamkor's layers form a straight stack, top to bottom (LAYERS below): the command line,
the HTTP surface, the GraphQL schema, search, the aggregates, and the storage and
utility modules they stand on. A module may use what is below its own layer; modules of
one layer may use each other as long as no cycle forms. Edges come from `use`
declarations and inline `crate::`/`super::` paths. A module's use of its own ancestors
or descendants (a child using its parent's types) is hierarchy, not a cycle; every other
pair is checked: top-level modules against each other, and sibling files of one
directory against each other.

Usage: python3 .ci/module-cycles.py [src-dir]    (exit status 1 on a cycle or an upward use)
"""

import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")

# Top-level modules, highest layer first. A module not listed fails the check, so a new
# one must be placed.
LAYERS = [
    {"main", "cli"},
    {"bench"},
    {"app", "config"},
    {"http"},
    {"graphql"},
    {"seed"},
    {"search"},
    {"partner", "agreement", "project", "document", "holding", "exchange", "ill", "token", "audit"},
    {"aggregate", "access", "validate", "global_id", "marc"},
    {"db"},
    {"telemetry", "error", "text_enum", "backoff"},
]


def module_of(path):
    rel = os.path.relpath(path, SRC)[:-3].split(os.sep)
    if rel[-1] == "mod" or rel == ["lib"]:
        rel = rel[:-1]
    return tuple(rel)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def expand(tree):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]."""
    tree = tree.strip()
    brace = tree.find("{")
    if brace < 0:
        return [tree.split(" as ")[0].strip()]
    prefix, inner = tree[:brace], tree[brace + 1 : tree.rfind("}")]
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    out = []
    for part in parts:
        if part.strip():
            out.extend(prefix + p for p in expand(part))
    return out


def references(module, text):
    """Absolute module paths (tuples) this file refers to."""
    text = strip_comments(text)
    paths = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        paths.extend(expand(m.group(1)))
    paths.extend(re.findall(r"\b(?:crate|super|self)(?:::\w+)+", text))
    out = []
    for p in paths:
        segs = [s for s in p.replace(" ", "").split("::") if s]
        if not segs:
            continue
        if segs[0] == "crate":
            base, rest = (), segs[1:]
        elif segs[0] in ("super", "self"):
            base = list(module)
            while segs and segs[0] in ("super", "self"):
                if segs[0] == "super" and base:
                    base.pop()
                segs = segs[1:]
            base, rest = tuple(base), segs
        else:
            continue
        out.append(base + tuple(rest))
    return out


def main():
    files = {}
    for root, _dirs, names in os.walk(SRC):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(root, name)
                files[module_of(path)] = path
    modules = set(files)
    # Modules compiled only for tests (`#[cfg(test)] mod name;`) may reach anywhere.
    test_modules = set()
    for module, path in files.items():
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for name in re.findall(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text):
            test_modules.add(module + (name,))

    def resolve(path):
        while path and path not in modules:
            path = path[:-1]
        return path

    edges = {}
    for module, path in files.items():
        if module in test_modules:
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for ref in references(module, text):
            target = resolve(ref)
            if not target or target == module:
                continue
            # Hierarchy: a module and its ancestors or descendants.
            if target[: len(module)] == module or module[: len(target)] == target:
                continue
            # Compare at the level where the two diverge: top-level modules, or siblings.
            common = 0
            while common < min(len(module), len(target)) and module[common] == target[common]:
                common += 1
            a, b = module[: common + 1], target[: common + 1]
            if a != b:
                edges.setdefault(a, {}).setdefault(b, set()).add("/".join(module))

    # Report every pair that depends both ways, and longer cycles (Tarjan's SCCs).
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(scc)

    layer_of = {name: i for i, layer in enumerate(LAYERS) for name in layer}
    failed = False
    for top in sorted({m[0] for m in modules if m and m not in test_modules}):
        if top not in layer_of:
            print(f"unplaced: the module `{top}` is in no layer of .ci/module-cycles.py")
            failed = True
    for a, targets in sorted(edges.items()):
        for b, via in sorted(targets.items()):
            if len(a) == 1 and a[0] in layer_of and b[0] in layer_of and layer_of[b[0]] < layer_of[a[0]]:
                print(f"upward: {a[0]} uses {b[0]}, a higher layer   (in {', '.join(sorted(via))})")
                failed = True

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            strong(v)
    if not sccs:
        if failed:
            return 1
        print(f"no module cycles, no upward uses ({len(files)} modules)")
        return 0
    for scc in sccs:
        names = sorted("::".join(m) for m in scc)
        print("cycle: " + " <-> ".join(names))
        members = set(scc)
        for a in scc:
            for b, via in sorted(edges.get(a, {}).items()):
                if b in members:
                    print(f"    {'::'.join(a)} -> {'::'.join(b)}   (in {', '.join(sorted(via))})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
