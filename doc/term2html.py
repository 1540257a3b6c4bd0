#!/usr/bin/env python3
"""term2html.py [COLS]: `tmux capture-pane -e -p` on stdin -> an HTML page.

How doc/txtop-terminal.png was made (doc/screenshots.txt): the pane's text
with its colours (SGR escapes: 0, 1, 7, 22, 27, 30-37, 39, 90-97) as a <pre>
in DejaVu Sans Mono, then a screenshot by headless Chromium.
"""
import html
import re
import sys

COLORS = ["#1e1e1e", "#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#dcdfe4"]
FG, BG = "#dcdfe4", "#1e1e1e"


def main():
    cols = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    out = []
    state = {"fg": None, "bold": False, "rev": False}
    for line in sys.stdin.read().split("\n"):
        pos = 0
        for m in re.finditer(r"\x1b\[([0-9;]*)m|([^\x1b]+)", line):
            if m.group(2) is not None:
                fg = state["fg"] or FG
                bg = BG
                if state["rev"]:
                    fg, bg = BG, fg
                style = "color:%s;background:%s%s" % (fg, bg, ";font-weight:bold" if state["bold"] else "")
                out.append('<span style="%s">%s</span>' % (style, html.escape(m.group(2))))
                pos += len(m.group(2))
                continue
            for code in (m.group(1) or "0").split(";"):
                c = int(code or 0)
                if c == 0:
                    state = {"fg": None, "bold": False, "rev": False}
                elif c == 1:
                    state["bold"] = True
                elif c == 22:
                    state["bold"] = False
                elif c == 7:
                    state["rev"] = True
                elif c == 27:
                    state["rev"] = False
                elif 30 <= c <= 37:
                    state["fg"] = COLORS[c - 30]
                elif 90 <= c <= 97:
                    state["fg"] = COLORS[c - 90]
                elif c == 39:
                    state["fg"] = None
        out.append("\n")
    print('<!DOCTYPE html><meta charset="utf-8"><body style="margin:0;background:%s">'
          '<pre style="margin:0;padding:8px;font:14px/1.2 \'DejaVu Sans Mono\',monospace;'
          'color:%s;width:%dch">%s</pre>' % (BG, FG, cols, "".join(out)))


if __name__ == "__main__":
    main()
