#!/usr/bin/env python3
"""Puts emscripten's JavaScript (the .wasm inside it, -sSINGLE_FILE) into the page at its
/*FUGUE_WASM_JS*/ marker: one file that runs from disk with no network.

usage: embed_page.py PAGE_HTML MODULE_JS OUT_HTML"""
import sys

page, js, out = sys.argv[1:4]
with open(page, encoding="utf-8") as f:
    html = f.read()
with open(js, encoding="utf-8") as f:
    code = f.read()
marker = "/*FUGUE_WASM_JS*/"
if html.count(marker) != 1:
    sys.exit(f"embed_page.py: {page} must hold {marker} once")
# "</script" inside the code would end the element early; "<\/" means the same in a string
code = code.replace("</script", "<\\/script")
with open(out, "w", encoding="utf-8") as f:
    f.write(html.replace(marker, code))
