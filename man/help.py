#!/usr/bin/env python3
"""man/help.py: the option list of each program's --help, from its man page.

  man/help.py man/txbal.1 man/txsub.1 ... >src/lib/help.inc

The OPTIONS section of a page is the one list of a program's options, so
`PROG --help` prints it from there and never drifts from the page: each
entry of the section's top list (.It), rendered to plain text, with the
first sentence of its description. The output is C, a table that
tx_help() (src/lib/tx.h) looks the program up in, which
src/lib/common-main.c includes.
"""
import re
import sys

WIDTH = 79  # the whole line, as a terminal of 80 columns shows it
TAG = 26  # where the descriptions start

# Enclosures: macro -> (open, close).
ENCLOSE = {"Pq": ("(", ")"), "Op": ("[", "]"), "Dq": ('"', '"'), "Ql": ("'", "'"),
           "Sq": ("'", "'"), "Qq": ('"', '"'), "Bq": ("[", "]"), "Aq": ("<", ">")}
PLAIN = {"Ar", "Cm", "Ev", "Pa", "Va", "Em", "Sy", "Li", "Ic", "Dv", "Er", "Nm", "No",
         "Tn", "Xr", "Sx", "Fn", "Fa", "Vt", "Lk", "Mt", "Ad", "Cd", "An"}
DELIM = set(".,:;)]?!")
OPEN = set("([")
# Explicit enclosures: open and close on their own macros.
EXPLICIT = {"Po": "(", "Pc": ")", "Oo": "[", "Oc": "]", "Do": '"', "Dc": '"', "Qo": '"',
            "Qc": '"', "So": "'", "Sc": "'", "Bro": "{", "Brc": "}"}


def unescape(t):
    t = t.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")
    t = t.replace("\\(dq", '"').replace("\\(aq", "'").replace("\\(em", "--")
    t = re.sub(r"\\\(..", "", t)
    return t.replace("\\ ", " ")


def words(line):
    return [w[1:-1] if len(w) > 1 and w[0] == '"' and w[-1] == '"' else w
            for w in re.findall(r'"[^"]*"|\S+', line)]


def render(args, name):
    """Plain text of a macro line's arguments (the macro name stripped)."""
    out, stack = [], []
    glue = False  # Ns: no space before the next word
    fl = False  # inside Fl: words are flags

    def put(t, space=True):
        nonlocal glue
        if out and space and not glue and t not in DELIM and not (out[-1] and out[-1][-1] in OPEN):
            out.append(" ")
        out.append(t)
        glue = False

    i = 0
    while i < len(args):
        w = args[i]
        i += 1
        if w == "Ns":
            glue = True
            continue
        if w == "Fl":
            fl = True
            # Fl before another macro or a delimiter (or alone) is a dash
            if i >= len(args) or args[i] in DELIM or args[i] in ENCLOSE or args[i] in PLAIN \
                    or args[i] in ("Fl", "Ns"):
                put("-", not (out and out[-1] == "-"))
                glue = True
            continue
        if w in EXPLICIT:
            t = EXPLICIT[w]
            if t in "([{" or w in ("Do", "Qo", "So"):
                put(t)
                glue = True
            else:
                out.append(t)
            fl = False
            continue
        if w == "Xr" and i + 1 < len(args):
            put(f"{unescape(args[i])}({args[i + 1]})")
            i += 2
            fl = False
            continue
        if w in ENCLOSE:
            o, c = ENCLOSE[w]
            put(o)
            glue = True
            stack.append(c)
            fl = False
            continue
        if w in PLAIN or w in ("Xo", "Xc"):
            fl = False
            if w == "Nm" and (i >= len(args) or args[i] in DELIM or args[i] == "Ns"):
                put(name)
            continue
        if w in DELIM and stack and all(a in DELIM for a in args[i - 1:]):
            # trailing delimiters close the enclosures first
            while stack:
                out.append(stack.pop())
            put(w)
            continue
        if fl and re.match(r"[A-Za-z0-9\\]", w):
            w = "-" + unescape(w)
        else:
            w = unescape(w)
        put(w)
    while stack:
        out.append(stack.pop())
    return "".join(out)


def options(path):
    name = re.sub(r"\.\d$", "", path.rsplit("/", 1)[-1])
    lines = open(path, encoding="utf-8").read().split("\n")
    entries, depth, in_opts, cur = [], 0, False, None
    it_cont = None
    for line in lines:
        if line.startswith(".Sh "):
            in_opts = line.strip() == ".Sh OPTIONS"
            continue
        if not in_opts or line.startswith('.\\"'):
            continue
        if line.startswith(".Bl"):
            depth += 1
            continue
        if line.startswith(".El"):
            depth -= 1
            continue
        if depth != 1 and not (depth > 1 and cur is not None):
            continue
        if depth == 1 and line.startswith(".It"):
            a = words(line[3:])
            if a and a[-1] == "Xo":
                it_cont = a[:-1]
                continue
            cur = [render(a, name), []]
            entries.append(cur)
            continue
        if it_cont is not None:
            if line.startswith(".Xc"):
                cur = [render(it_cont, name), []]
                entries.append(cur)
                it_cont = None
            else:
                it_cont += words(line[1:]) if line.startswith(".") else words(line)
            continue
        if cur is None or depth != 1:
            continue
        if line.startswith(".Pp") or line.startswith(".Bd") or line.startswith(".Ed"):
            cur[1].append("\n")
            continue
        if line.startswith("."):
            a = words(line[1:])
            if a and (a[0] in ENCLOSE or a[0] in PLAIN or a[0] in EXPLICIT or
                      a[0] in ("Fl", "Ns", "No", "Xr")):
                cur[1].append(render(a, name))
            elif a and a[0] in ("Dl", "D1"):
                cur[1].append("\n")
            continue
        cur[1].append(unescape(line))
    return name, entries


def sentence(parts):
    text = ""
    for p in parts:
        if p == "\n":
            break
        if text and p and p[0] not in ".,:;)]" and not text.endswith(("(", "[")):
            text += " "
        text += p
    text = text.strip()
    if text.endswith(":"):
        text = text[:-1] + "."
    text = re.sub(r"\s+", " ", text).strip()
    m = re.search(r"(?<!e\.g)(?<!i\.e)(?<!etc)\.(\s|$)", text)
    if m:
        text = text[:m.start() + 1]
    return text


def wrap(tag, text):
    lines, line = [], "  " + tag
    if len(line) >= TAG - 1:
        lines.append(line)
        line = ""
    words_ = text.split()
    line = line.ljust(TAG)
    first = True
    for w in words_:
        if not first and len(line) + 1 + len(w) > WIDTH:
            lines.append(line.rstrip())
            line = " " * TAG
            first = True
        line += ("" if first else " ") + w
        first = False
    lines.append(line.rstrip())
    return "\n".join(lines)


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n\"\n\t\"") + '"'


def main(paths):
    print("/* Generated by man/help.py from the OPTIONS of each man page: do not edit. */")
    print("const struct tx_help tx_help_pages[] = {")
    for p in sorted(paths):
        if not p.endswith(".1"):
            continue
        name, entries = options(p)
        text = "".join(wrap(tag, sentence(desc)) + "\n" for tag, desc in entries)
        print(f'\t{{"{name}",\n\t {c_string(text)}}},')
    print("\t{NULL, NULL},\n};")


if __name__ == "__main__":
    main(sys.argv[1:])
