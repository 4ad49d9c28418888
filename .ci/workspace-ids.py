#!/usr/bin/env python3
"""Fails when code outside the access checks mints a `WorkspaceId`.

A `WorkspaceId` says "this workspace was checked" (app/src/model/workspace.rs). Only these may
make one from a number: the dashboard's access check, the machine endpoints' session check,
storage (for ids it read back), the default workspace constant and tests. A page, a component
or a server function never may: they hold the raw `ws=` number until `api::access` checks it.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ALLOWED = [
    "app/src/model/workspace.rs",
    "app/src/api/access.rs",
    "server/src/http/session.rs",
    "server/src/engine.rs",
    "server/src/store/",
    "server/tests/",
]
MINT = re.compile(r"WorkspaceId\s*::\s*trusted\b")


def main() -> int:
    found = []
    for path in sorted(ROOT.glob("*/src/**/*.rs")) + sorted(ROOT.glob("server/tests/**/*.rs")):
        relative = path.relative_to(ROOT).as_posix()
        if any(relative == allowed or (allowed.endswith("/") and relative.startswith(allowed))
               for allowed in ALLOWED):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if MINT.search(line) and not line.lstrip().startswith("//"):
                found.append(f"{relative}:{number}: {line.strip()}")
    if found:
        print("WorkspaceId minted outside the access checks:")
        print("\n".join(found))
        return 1
    print("workspace ids: minted only by the access checks and storage")
    return 0


if __name__ == "__main__":
    sys.exit(main())
