#!/usr/bin/env python3
"""The rounding oracle for txmap (tests/t1101-txmap-oracle.sh): Python's
decimal module, on random decimal strings.

    txmap_round.py N SEED DIR

writes DIR/in (N records with random amounts: JSON numbers as Python and
other producers write them, exponents included, and strings, some with
leading zeros; currencies with 0, 2, 3 and 4 decimals) and, for each mode
of txmap (none: the default, half-even, half-up), DIR/out.MODE (the
records txmap must write, exactly) and DIR/rej.MODE (the input lines it
must reject). Amounts that do not fit in int64 minor units are rejected in
every mode.
"""
import decimal
import os
import random
import sys

D = decimal.Decimal
CTX = decimal.Context(prec=400, Emax=10**9, Emin=-10**9)
MODES = {"none": None, "half-even": decimal.ROUND_HALF_EVEN, "half-up": decimal.ROUND_HALF_UP}
CURRENCIES = [("USD", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4), ("EUR", 2)]
INT64_MAX = 2**63 - 1


def digits(rng, n, lead_nonzero):
    s = "".join(rng.choice("0123456789") for _ in range(n))
    if lead_nonzero and n > 1:
        s = rng.choice("123456789") + s[1:]
    return s


def amount(rng):
    """(text, as_string): a decimal text valid as a JSON number unless as_string."""
    as_string = rng.random() < 0.3
    shape = rng.random()
    if shape < 0.3:  # what money mostly looks like
        ip = str(rng.randrange(0, 100000))
        fp = digits(rng, rng.randrange(0, 5), False)
        text = ip + ("." + fp if fp else "")
    elif shape < 0.55:  # binary floats as Python prints them
        text = repr(rng.uniform(0, 10 ** rng.randrange(0, 8)))
        if "e" in text or "E" in text:
            pass
    elif shape < 0.7:  # halves: the ties
        ip = str(rng.randrange(0, 1000))
        fp = digits(rng, rng.randrange(0, 4), False) + "5" + "0" * rng.randrange(0, 3)
        text = ip + "." + fp
    else:  # anything: long, with exponents
        ip = "0" if rng.random() < 0.3 else digits(rng, rng.randrange(1, 25), True)
        fp = digits(rng, rng.randrange(0, 40), False) if rng.random() < 0.7 else ""
        text = ip + ("." + fp if fp else "")
        if rng.random() < 0.5:
            text += rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randrange(0, 30))
    if as_string and rng.random() < 0.2:
        text = "0" * rng.randrange(1, 3) + text  # leading zeros: strings only
    return text, as_string


def main():
    n, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = random.Random(seed)
    files = {m: (open(os.path.join(out, "out." + m), "w"), open(os.path.join(out, "rej." + m), "w"))
             for m in MODES}
    with open(os.path.join(out, "in"), "w") as fin:
        for i in range(n):
            text, as_string = amount(rng)
            code, exp = rng.choice(CURRENCIES)
            value = f'"{text}"' if as_string else text
            line = f'{{"id":"o{i}","account":"a","type":"deposit","amount":{value},"currency":"{code}"}}'
            fin.write(line + "\n")
            d = CTX.create_decimal(text)
            unit = D(1).scaleb(-exp, CTX)
            for m, rounding in MODES.items():
                fo, fr = files[m]
                q = d.quantize(unit, rounding=rounding or decimal.ROUND_HALF_EVEN, context=CTX)
                if (rounding is None and q != d) or abs(q.scaleb(exp, CTX)) > INT64_MAX:
                    fr.write(line + "\n")
                    continue
                shown = format(q, "f")
                fo.write(f'{{"transaction_id":"o{i}","account":"a","type":"deposit",'
                         f'"amount":{shown},"currency":"{code}"}}\n')
    for fo, fr in files.values():
        fo.close()
        fr.close()


if __name__ == "__main__":
    main()
