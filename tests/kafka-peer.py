"""kafka-peer.py: Python's confluent-kafka as an independent Kafka peer for the tests.

  kafka-peer.py produce BROKERS TOPIC [--header NAME=VALUE]... < lines
      Each input line is KEY<TAB>VALUE (a line without a TAB has no key).
      Murmur2 partitioner (the Java clients' placement), idempotent, acks=all.
      Exit 0 only when every record was acknowledged; the count goes to stderr.

  kafka-peer.py consume BROKERS TOPIC [--group G] [--commit] [--meta] [--timeout S]
                [--session-timeout MS]
      Without --group: every partition from the beginning. With --group: the
      group's committed offsets (earliest when none), committing what was
      printed when --commit is given. Stops when every partition it reads has
      reached its end (or after --timeout seconds, default 60: exit 1).
      Prints KEY<TAB>VALUE per record (--meta: PARTITION<TAB>OFFSET<TAB> first),
      the bytes exactly as stored. --session-timeout (default 6000, the
      smallest Apache Kafka accepts by default) also bounds how long
      txbroker's mock cluster waits for a group to rejoin.
"""
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition


def produce(brokers, topic, args):
    headers = []
    while args:
        if args[0] == "--header" and len(args) > 1:
            name, _, value = args[1].partition("=")
            headers.append((name, value.encode()))
            args = args[2:]
        else:
            sys.exit("kafka-peer: unknown argument %r" % args[0])
    failed = []
    delivered = [0]

    def on_delivery(err, msg):
        if err:
            failed.append(err)
        else:
            delivered[0] += 1

    p = Producer({"bootstrap.servers": brokers, "partitioner": "murmur2_random",
                  "enable.idempotence": True, "acks": "all", "linger.ms": 5})
    count = 0
    for line in sys.stdin.buffer:
        line = line.rstrip(b"\n")
        key, tab, value = line.partition(b"\t")
        if not tab:
            key, value = None, line
        while True:
            try:
                p.produce(topic, value, key, on_delivery=on_delivery,
                          headers=headers or None)
                break
            except BufferError:
                p.poll(0.1)
        count += 1
        p.poll(0)
    left = p.flush(60)
    print("kafka-peer: %d read, %d delivered, %d failed, %d not flushed"
          % (count, delivered[0], len(failed), left), file=sys.stderr)
    return 0 if delivered[0] == count and not failed and left == 0 else 1


def consume(brokers, topic, args):
    group, commit, meta, timeout, session = None, False, False, 60.0, 6000
    while args:
        if args[0] == "--group" and len(args) > 1:
            group, args = args[1], args[2:]
        elif args[0] == "--timeout" and len(args) > 1:
            timeout, args = float(args[1]), args[2:]
        elif args[0] == "--session-timeout" and len(args) > 1:
            session, args = int(args[1]), args[2:]
        elif args[0] == "--commit":
            commit, args = True, args[1:]
        elif args[0] == "--meta":
            meta, args = True, args[1:]
        else:
            sys.exit("kafka-peer: unknown argument %r" % args[0])
    conf = {"bootstrap.servers": brokers, "enable.partition.eof": True,
            "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "group.id": group or "kafka-peer-unused", "session.timeout.ms": session,
            "heartbeat.interval.ms": max(100, session // 4)}
    c = Consumer(conf)
    parts = c.list_topics(topic, timeout=30).topics[topic].partitions
    pending = set(parts)
    if group:
        assigned = []

        def on_assign(consumer, tps):
            assigned.extend(tp.partition for tp in tps)

        c.subscribe([topic], on_assign=on_assign)
    else:
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    out = sys.stdout.buffer
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                pending.discard(m.partition())
                continue
            print("kafka-peer: %s" % m.error(), file=sys.stderr)
            continue
        if meta:
            out.write(b"%d\t%d\t" % (m.partition(), m.offset()))
        out.write((m.key() or b"") + b"\t" + (m.value() or b"") + b"\n")
        if commit:
            out.flush()
            c.commit(m, asynchronous=False)
    out.flush()
    c.close()
    if pending:
        print("kafka-peer: timed out with partitions %s not at their end"
              % sorted(pending), file=sys.stderr)
        return 1
    return 0


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("produce", "consume"):
        sys.exit(__doc__)
    cmd, brokers, topic, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    return (produce if cmd == "produce" else consume)(brokers, topic, args)


if __name__ == "__main__":
    sys.exit(main())
