#!/usr/bin/env python3
"""Turns a text file into a C file defining `const char NAME[]` (the timeline page)."""
import sys

src, out, name = sys.argv[1], sys.argv[2], sys.argv[3]
with open(src, encoding="utf-8") as f:
    text = f.read()
lines = [f"/* generated from {src.split('/')[-1]} by embed.py: do not edit */", f"const char {name}[] ="]
for line in text.splitlines(keepends=True):
    esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("?", "\\?")
    lines.append(f'    "{esc}"')
lines.append("    ;")
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
