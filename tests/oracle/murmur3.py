#!/usr/bin/env python3
"""MurmurHash3 x64 128 (Austin Appleby's reference, seed 0) of stdin, as 32
hex digits (h1 then h2): the reference for txmap --id hash
(tests/t1100-txmap.sh)."""
import sys

M = (1 << 64) - 1
C1, C2 = 0x87C37B91114253D5, 0x4CF5AD432745937F


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def fmix(k):
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & M
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & M
    k ^= k >> 33
    return k


def murmur3_128(data):
    h1 = h2 = 0
    n = len(data)
    for i in range(0, n - n % 16, 16):
        k1 = int.from_bytes(data[i:i + 8], "little")
        k2 = int.from_bytes(data[i + 8:i + 16], "little")
        h1 ^= rotl((k1 * C1) & M, 31) * C2 & M
        h1 = (rotl(h1, 27) + h2) & M
        h1 = (h1 * 5 + 0x52DCE729) & M
        h2 ^= rotl((k2 * C2) & M, 33) * C1 & M
        h2 = (rotl(h2, 31) + h1) & M
        h2 = (h2 * 5 + 0x38495AB5) & M
    tail = data[n - n % 16:]
    if len(tail) > 8:
        k2 = int.from_bytes(tail[8:], "little")
        h2 ^= rotl((k2 * C2) & M, 33) * C1 & M
    if tail:
        k1 = int.from_bytes(tail[:8], "little")
        h1 ^= rotl((k1 * C1) & M, 31) * C2 & M
    h1 ^= n
    h2 ^= n
    h1 = (h1 + h2) & M
    h2 = (h2 + h1) & M
    h1, h2 = fmix(h1), fmix(h2)
    h1 = (h1 + h2) & M
    h2 = (h2 + h1) & M
    return "%016x%016x" % (h1, h2)


if __name__ == "__main__":
    print(murmur3_128(sys.stdin.buffer.read()))
