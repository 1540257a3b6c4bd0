#!/usr/bin/env python3
"""term-check.py FILE: exit 1 (naming the offset) when FILE holds a byte
sequence that drives a terminal: C0 controls but LF (ESC, BEL, CR, TAB...),
DEL, a C1 control (U+0080-U+009F in UTF-8) or a bidi embedding, override or
isolate (U+202A-U+202E, U+2066-U+2069); or invalid UTF-8. The corpus is
tests/data/term-hostile.ndjson, shared by the txlog, txtop and txstore
tests (term.h)."""
import sys

data = open(sys.argv[1], "rb").read()
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("%s: invalid UTF-8 at byte %d" % (sys.argv[1], e.start))
for i, ch in enumerate(text):
    c = ord(ch)
    if (c < 0x20 and ch != "\n") or 0x7F <= c <= 0x9F or 0x202A <= c <= 0x202E \
            or 0x2066 <= c <= 0x2069:
        sys.exit("%s: U+%04X at character %d: %r" % (sys.argv[1], c, i, text[max(0, i - 20):i + 5]))
