#!/usr/bin/env python3
"""man/check-render.py: catch mdoc that mandoc -Tlint accepts but renders wrong.

  man/check-render.py man/*.[1-9]

groff's mdoc (what man(1) shows on Debian) and mandoc agree on these, and
neither warns:
  - Fl applies to every word after it up to the next macro, so
    `.Pq Fl \\-limit , 20 by default` reads "(--limit, -20 -by -default)";
  - Ql, Dq, Sq and Qq enclose the rest of the line, so
    `.Ql 1m , Ql 1h` reads "'1m, '1h''" (quotes nested, not in a row);
  - so does Op: `.It Fl t Ar t Ns Op : Ns Ar n , Fl Fl topic` reads
    "-t t[:n, --topic]" (use Oo ... Oc for an optional part mid-line).
It also renders each page with groff at 80 columns and refuses a quote
opened twice before it closes, and a command line wider than 80
columns (a terminal wraps it, and a paste then breaks it: split it with a
backslash). Exit 1, with file:line, on any of them.
"""
import os
import re
import subprocess
import sys

# Callable mdoc macros: a word spelled like one ends an Fl's scope.
CALLABLE = set("""Ac Ad An Ao Ap Aq Ar At Bc Bo Bq Brc Bro Brq Bsx Bx Cd Cm Dc
Do Dq Dv Dx Ec Em En Eo Er Ev Fa Fc Fl Fn Fo Fr Fx Ic Li Lk Ms Mt Nm No Ns Nx Oc
Oo Op Ox Pa Pc Pf Po Pq Qc Ql Qo Qq Sc So Sq St Sx Sy Tn Ux Va Vt Xc Xo Xr""".split())
QUOTES = {"Ql", "Dq", "Sq", "Qq"}
DELIM = re.compile(r'^[.,:;)\]?!(\[|]+$')


def words(line):
    """The arguments of a macro line, with "quoted words" kept whole."""
    return re.findall(r'"[^"]*"|\S+', line)


def check_source(path):
    bad = []
    literal = False
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith(".Bd") and "-literal" in line:
                literal = True
            elif line.startswith(".Ed"):
                literal = False
            if literal or not line.startswith(".") or line.startswith('.\\"'):
                continue
            w = words(line[1:])
            in_fl = after_delim = False
            quote = None
            for i, t in enumerate(w):
                if t in CALLABLE and (i == 0 or not in_fl or True):
                    if t in QUOTES and quote and i > 0:
                        bad.append(f"{path}:{n}: '{t}' inside '{quote}' on one line "
                                   f"nests the quotes; put each on its own line")
                    if t in QUOTES:
                        quote = quote or t
                    elif t == "Op" and not quote:
                        quote = "Op"
                    in_fl = t == "Fl"
                    after_delim = False
                    continue
                if not in_fl and not (quote == "Op" and t == "," and i + 1 < len(w) and
                                      w[i + 1] == "Fl"):
                    continue
                if not in_fl:
                    bad.append(f"{path}:{n}: 'Op' encloses the rest of the line, this ',' "
                               f"and what follows included; use 'Oo ... Oc'")
                    quote = None
                    continue
                if DELIM.match(t):
                    after_delim = True
                elif after_delim:
                    bad.append(f"{path}:{n}: 'Fl' also applies to '{t}' after the "
                               f"delimiter; end it with 'No' first")
                    in_fl = False
    return bad


def check_rendered(path):
    env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="", LC_ALL="C.UTF-8")
    try:
        out = subprocess.run(["groff", "-mdoc", "-Tutf8", "-rLL=78n", path], env=env,
                             capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        return []  # no groff: the source checks above still ran
    text = re.sub(r".\x08", "", out)
    bad = []
    depth = 0
    for n, line in enumerate(text.splitlines(), 1):
        for ch in line:
            if ch == "\u2018":
                depth += 1
                if depth > 1:
                    bad.append(f"{path}: rendered line {n}: a quote opens inside "
                               f"another: {line.strip()}")
                    break
            elif ch == "\u2019" and depth:
                depth -= 1
        depth = 0
        cmd = line.strip()
        if len(line) > 80 and not re.match(r"[{\[\"0-9]", cmd) and (
                " | " in cmd or re.match(r"(\$ )?(tx[a-z]+|printf|eval|kcat|jq|sqlite3|psql)(?!:)\b", cmd)):
            bad.append(f"{path}: rendered line {n}: a command {len(line)} columns wide; "
                       f"split it with a backslash: {cmd[:50]}...")
    return bad


def main(paths):
    bad = []
    for p in paths:
        bad += check_source(p) + check_rendered(p)
    for b in bad:
        print(b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
