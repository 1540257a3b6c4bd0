"""java_partition.py: where the Java Kafka clients put a keyed record, as an
independent check on txpub's placement (imported by t2200 and t2203 through
PYTHONPATH=$TX_SRCDIR/tests).

  java_partition(key, n): the partition of str key among n partitions
"""


def murmur2(data):
    # Java's org.apache.kafka.common.utils.Utils.murmur2
    m, r = 0x5bd1e995, 24
    h = (0x9747b28c ^ len(data)) & 0xffffffff
    n4 = len(data) // 4
    for i in range(n4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & 0xffffffff
        k ^= k >> r
        k = (k * m) & 0xffffffff
        h = (h * m) & 0xffffffff
        h ^= k
    rest = data[4 * n4:]
    if len(rest) >= 3:
        h ^= rest[2] << 16
    if len(rest) >= 2:
        h ^= rest[1] << 8
    if len(rest) >= 1:
        h ^= rest[0]
        h = (h * m) & 0xffffffff
    h ^= h >> 13
    h = (h * m) & 0xffffffff
    h ^= h >> 15
    return h


def java_partition(key, n):
    return (murmur2(key.encode()) & 0x7fffffff) % n
