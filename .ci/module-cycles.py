#!/usr/bin/env python3
"""Fails when the `server` crate's top-level modules depend on each other in a cycle.

A module is a file `server/src/NAME.rs` together with its folder `server/src/NAME/`. It depends
on another when its code names `crate::OTHER` (in a `use` line, a `use crate::{...}` group or a
path in the code). Tests count like any other code. The binary (`main.rs`) and the crate root
(`lib.rs`) are not modules. Prints every cycle found, with one place for each of its edges.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server", "src")
PATH = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")
GROUP = re.compile(r"\bcrate::\{([^}]*)\}", re.S)


def modules():
    """Yields (module, file path) for every source file of a top-level module."""
    for folder, _, files in os.walk(ROOT):
        for name in sorted(files):
            if not name.endswith(".rs"):
                continue
            path = os.path.join(folder, name)
            top = os.path.relpath(path, ROOT).split(os.sep)[0].removesuffix(".rs")
            if top not in ("lib", "main"):
                yield top, path


def dependencies():
    """Maps each module to {other module: 'file:line' of one place naming it}."""
    edges = {}
    for module, path in modules():
        edges.setdefault(module, {})
        with open(path, encoding="utf-8") as source:
            text = source.read()
        found = [(m.start(), m.group(1)) for m in PATH.finditer(text)]
        for group in GROUP.finditer(text):
            for part in group.group(1).split(","):
                name = part.strip().split("::")[0].strip()
                if name:
                    found.append((group.start(), name))
        for offset, other in found:
            if other != module and other not in ("self", "super"):
                line = text.count("\n", 0, offset) + 1
                where = f"{os.path.relpath(path, os.path.join(ROOT, '..', '..'))}:{line}"
                edges[module].setdefault(other, where)
    return edges


def cycles(edges):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in edges.get(node, {}):
            if other not in edges:
                continue
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def main():
    edges = dependencies()
    found = cycles(edges)
    if not found:
        print(f"module cycles: none among {len(edges)} server modules")
        return 0
    for component in found:
        print(f"module cycle among: {', '.join(component)}")
        for module in component:
            for other, where in sorted(edges[module].items()):
                if other in component:
                    print(f"  {module} -> {other}  ({where})")
    print("server modules must not depend on each other in a cycle: see ARCHITECTURE.md, layers")
    return 1


if __name__ == "__main__":
    sys.exit(main())
