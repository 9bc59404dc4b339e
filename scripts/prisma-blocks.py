#!/usr/bin/env python3
"""Parses Prisma schema files with the tree-sitter Prisma grammar (an implementation independent
of ours) and prints each top-level block as "KIND NAME", one per line. Exits 1 when a file does
not parse cleanly (any ERROR or MISSING node), 2 on usage errors.

  .venv-tools/bin/python scripts/prisma-blocks.py FILE...

Needs tree-sitter-language-pack below 0.14 (it ships the prisma grammar; newer versions download
grammars at run time): scripts/tools-venv.sh installs it.
"""
import sys

from tree_sitter_language_pack import get_parser


def blocks(path):
    source = open(path, "rb").read()
    tree = get_parser("prisma").parse(source)
    found, broken = [], tree.root_node.has_error
    for node in tree.root_node.children:
        if node.type == "comment" or node.type == "developer_comment":
            continue
        words = node.text.decode("utf-8", "replace").split(None, 2)
        found.append(f"{words[0] if words else node.type} {words[1] if len(words) > 1 else ''}".strip())
    return found, broken


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    status = 0
    for path in sys.argv[1:]:
        found, broken = blocks(path)
        for block in found:
            print(block)
        if broken:
            print(f"{path}: does not parse as Prisma", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
