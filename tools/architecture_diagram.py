"""Draw the apps and who imports whom, from the code itself, as a Mermaid diagram.

    python tools/architecture_diagram.py            # print it
    python tools/architecture_diagram.py --write    # put it into docs/architecture.md
    python tools/architecture_diagram.py --check    # exit 1 if docs/architecture.md is out of date

The diagram lies in docs/architecture.md between the two marker comments; a test runs ``--check``.
It reads the imports with grimp (the library import-linter checks the layers with), so it shows what
the code does, not what anyone meant: each arrow is "imports", labelled with the number of modules of
one app that import the other. The apps are drawn in the layers of .importlinter, top to bottom.
"""
from __future__ import annotations

import argparse
import configparser
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
START, END = "<!-- diagram: start (tools/architecture_diagram.py --write) -->", "<!-- diagram: end -->"


def layers() -> list[list[str]]:
    """The layers contract of .importlinter, top first; each layer a list of apps."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    lines = config["importlinter:contract:layers"]["layers"].split("\n")
    return [[app.strip() for app in line.split("|")] for line in lines if line.strip()]


def app_imports(apps: list[str]) -> Counter:
    """(importing app, imported app) → how many modules of the first import the second."""
    import grimp

    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*apps, include_external_packages=False)
    edges: Counter = Counter()
    for module in sorted(graph.modules):
        app = module.split(".")[0]
        targets = {m.split(".")[0] for m in graph.find_modules_directly_imported_by(module)}
        for target in targets - {app}:
            edges[(app, target)] += 1
    return edges


def diagram() -> str:
    stack = layers()
    apps = [app for layer in stack for app in layer]
    edges = app_imports(apps)
    lines = ["```mermaid", "flowchart TD"]
    for n, layer in enumerate(stack):
        lines.append(f'  subgraph L{n}[" "]')
        lines.append("    direction LR")
        lines.extend(f"    {app}" for app in layer)
        lines.append("  end")
    for (a, b), count in sorted(edges.items(), key=lambda e: (apps.index(e[0][0]), apps.index(e[0][1]))):
        lines.append(f"  {a} -->|{count}| {b}")
    lines.append("```")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="update docs/architecture.md")
    parser.add_argument("--check", action="store_true", help="fail if docs/architecture.md differs")
    args = parser.parse_args()
    drawn = diagram()
    if not (args.write or args.check):
        print(drawn)
        return 0
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    if not rest or not tail and END not in rest:
        print(f"{DOC}: the markers are missing", file=sys.stderr)
        return 1
    updated = f"{head}{START}\n{drawn}\n{END}{tail}"
    if args.check:
        if updated != text:
            print("docs/architecture.md: the diagram is out of date; run python tools/architecture_diagram.py --write",
                  file=sys.stderr)
            return 1
        return 0
    DOC.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
