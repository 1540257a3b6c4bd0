#!/bin/sh
# The Kafka configuration txpub and txsub share (src/lib/kafka.c): -X, -X list,
# -X dump with secrets redacted, -F / $TXKIT_CONFIG / ~/.config/txkit/kafka.conf
# precedence, config file errors as FILE:LINE, brokers from -b / -X /
# $TX_BROKERS / the file / localhost:9092, and the permission warning.
# No broker is needed: -X dump shows the configuration a run would use.
. "$TX_SRCDIR/tests/lib.sh"
test_need kafka

# Nothing from the environment of whoever runs the tests.
HOME=$TRASH/home
unset TX_BROKERS TXKIT_CONFIG
export HOME
mkdir -p "$HOME"

test_expect_success '-X list prints librdkafka properties and exits 0' '
	txpub -X list >list &&
	test_grep "^bootstrap.servers" list &&
	test_grep "^enable.idempotence" list &&
	txsub -X list >list2 &&
	test_grep "^group.id" list2
'

test_expect_success 'txpub defaults: idempotent, acks=all, murmur2_random, linger.ms=20 (its alias)' '
	txpub -X dump >dump &&
	test_grep "^enable.idempotence=true$" dump &&
	test_grep "^request.required.acks=-1$" dump &&
	test_grep "^partitioner=murmur2_random$" dump &&
	test_grep "^queue.buffering.max.ms=20$" dump &&
	test_grep "^metadata.broker.list=localhost:9092$" dump
'

test_expect_success 'txsub defaults: session 6000, heartbeat 2000, offsets stored by hand' '
	txsub -G ledger -X dump >dump &&
	test_grep "^group.id=ledger$" dump &&
	test_grep "^fetch.wait.max.ms=10$" dump &&
	test_grep "^session.timeout.ms=6000$" dump &&
	test_grep "^heartbeat.interval.ms=2000$" dump &&
	test_grep "^enable.auto.offset.store=false$" dump &&
	test_grep "^auto.offset.reset=error$" dump &&
	txsub -e -X dump >dump2 &&
	test_grep "^enable.partition.eof=true$" dump2 &&
	test_grep "^fetch.wait.max.ms=10$" dump2 &&
	test_grep "^enable.auto.commit=false$" dump2
'

test_expect_success 'every client waits at most 1 s between attempts to reach a broker' '
	txpub -X dump >dump &&
	test_grep "^reconnect.backoff.max.ms=1000$" dump &&
	txsub -X dump >dump &&
	test_grep "^reconnect.backoff.max.ms=1000$" dump &&
	txsub -X reconnect.backoff.max.ms=10000 -X dump >dump &&
	test_grep "^reconnect.backoff.max.ms=10000$" dump
'

test_expect_success '-X overrides a default' '
	txpub -X partitioner=consistent_random -X linger.ms=50 -X dump >dump &&
	test_grep "^partitioner=consistent_random$" dump &&
	test_grep "^queue.buffering.max.ms=50$" dump &&
	txsub -X fetch.wait.max.ms=500 -X dump >dump &&
	test_grep "^fetch.wait.max.ms=500$" dump
'

test_expect_success '-X dump never prints a secret (command line)' '
	txpub -X sasl.password=hunter2 -X ssl.key.password=k3y -X ssl.keystore.password=st0re \
		-X sasl.username=alice -X dump >dump 2>err &&
	test_grep "^sasl.password=\[redacted\]$" dump &&
	test_grep "^ssl.key.password=\[redacted\]$" dump &&
	test_grep "^ssl.keystore.password=\[redacted\]$" dump &&
	test_grep "^sasl.username=alice$" dump &&
	! grep -e hunter2 -e k3y -e st0re dump err
'

test_expect_success '-X dump never prints a secret (config file), nor does an error' '
	printf "sasl.password=hunter2\n" >secret.conf &&
	chmod 600 secret.conf &&
	txsub -F secret.conf -X dump >dump 2>err &&
	test_grep "^sasl.password=\[redacted\]$" dump &&
	test_expect_code 2 txpub -X sasl.password=hunter2 -X no.such.thing=1 -X dump >out 2>err &&
	! grep hunter2 dump out err
'

test_expect_success 'an unknown -X property: exit 2 with librdkafka'"'"'s reason' '
	test_expect_code 2 txpub -X no.such.property=1 -X dump >out 2>err &&
	test_grep "^txpub: -X no.such.property=\[redacted\]: No such configuration property" err &&
	test_expect_code 2 txsub -X linger -X dump >out 2>err &&
	test_grep "^txsub: -X .linger.: expected name=value, list or dump" err
'

test_expect_success 'config file: comments, blank lines and spaces are fine' '
	cat >ok.conf <<-\EOF &&
	# a comment

	   client.id = from-file
	linger.ms=20
	EOF
	txpub -F ok.conf -X dump >dump &&
	test_grep "^client.id=from-file$" dump &&
	test_grep "^queue.buffering.max.ms=20$" dump
'

test_expect_success 'config file errors name the file and line, exit 2' '
	printf "# ok\nlinger.ms=3\n\nthis line has no equals sign\n" >bad1.conf &&
	test_expect_code 2 txpub -F bad1.conf -X dump >out 2>err &&
	echo "txpub: bad1.conf:4: expected name=value" >want &&
	test_cmp want err &&
	printf "linger.ms=3\nno.such.property=1\n" >bad2.conf &&
	test_expect_code 2 txsub -F bad2.conf -X dump >out 2>err &&
	test_grep "^txsub: bad2.conf:2: No such configuration property: \"no.such.property\"" err &&
	printf "linger.ms=soon\n" >bad3.conf &&
	test_expect_code 2 txpub -F bad3.conf -X dump >out 2>err &&
	test_grep "^txpub: bad3.conf:1: " err &&
	test_expect_code 2 txpub -F missing.conf -X dump >out 2>err &&
	test_grep "^txpub: cannot open .missing.conf." err
'

test_expect_success 'config precedence: -F, else $TXKIT_CONFIG, else ~/.config/txkit/kafka.conf' '
	mkdir -p "$HOME/.config/txkit" &&
	echo client.id=home >"$HOME/.config/txkit/kafka.conf" &&
	echo client.id=env >env.conf &&
	echo client.id=flag >flag.conf &&
	txpub -X dump >d1 && test_grep "^client.id=home$" d1 &&
	TXKIT_CONFIG=env.conf txpub -X dump >d2 && test_grep "^client.id=env$" d2 &&
	TXKIT_CONFIG=env.conf txpub -F flag.conf -X dump >d3 && test_grep "^client.id=flag$" d3 &&
	TXKIT_CONFIG=env.conf txpub -F flag.conf -X client.id=cmd -X dump >d4 &&
	test_grep "^client.id=cmd$" d4 &&
	rm "$HOME/.config/txkit/kafka.conf" &&
	txpub -X dump >d5 && test_grep "^client.id=rdkafka$" d5
'

test_expect_success 'brokers: -b, else -X, else $TX_BROKERS, else the file, else localhost:9092' '
	echo bootstrap.servers=file:1 >b.conf &&
	txpub -X dump >d && test_grep "^metadata.broker.list=localhost:9092$" d &&
	txpub -F b.conf -X dump >d && test_grep "^metadata.broker.list=file:1$" d &&
	TX_BROKERS=env:2 txpub -F b.conf -X dump >d && test_grep "^metadata.broker.list=env:2$" d &&
	TX_BROKERS=env:2 txpub -F b.conf -X bootstrap.servers=x:3 -X dump >d &&
	test_grep "^metadata.broker.list=x:3$" d &&
	TX_BROKERS=env:2 txsub -F b.conf -X bootstrap.servers=x:3 -b flag:4 -X dump >d &&
	test_grep "^metadata.broker.list=flag:4$" d
'

test_expect_success 'a secret in a file others can read draws a warning' '
	printf "sasl.username=alice\nsasl.password=hunter2\n" >open.conf &&
	chmod 644 open.conf &&
	txpub -F open.conf -X dump >dump 2>err &&
	test_grep "^txpub: open.conf: holds a secret (sasl.password) but group or others can read it: chmod 600 open.conf$" err &&
	chmod 600 open.conf &&
	txpub -F open.conf -X dump >dump 2>err &&
	test_line_count 0 err &&
	printf "client.id=x\n" >plain.conf && chmod 644 plain.conf &&
	txpub -F plain.conf -X dump >dump 2>err &&
	test_line_count 0 err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 txpub --no-such-option </dev/null 2>err &&
	test_grep "^Try .txpub --help. for more information\.\$" err &&
	test_expect_code 2 txpub --flush-timeout soon </dev/null 2>err &&
	test_expect_code 2 txpub --connect-timeout 0 </dev/null 2>err &&
	test_expect_code 2 txpub --header novalue </dev/null 2>err &&
	test_grep "expected name=value" err &&
	test_expect_code 2 txpub -t "" </dev/null 2>err &&
	test_expect_code 2 txsub -o sometime 2>err &&
	test_grep "^txsub: -o .sometime.: expected beginning, end, stored" err &&
	test_expect_code 2 txsub -o stored 2>err &&
	test_grep "needs a group" err &&
	test_expect_code 2 txsub -G g -p 1 2>err &&
	test_expect_code 2 txsub -c 0 2>err &&
	test_expect_code 2 txsub extra 2>err &&
	test_expect_code 2 txpub -X acks=1 </dev/null 2>err &&
	test_grep "acks" err &&
	txpub -X acks=1 -X enable.idempotence=false -X dump >out
'

test_expect_success '--help prints the usage to stdout' '
	txpub --help >out && test_grep "^usage: txpub" out &&
	txsub --help >out && test_grep "^usage: txsub" out
'

# issue 14: a thread librdkafka cannot start is a resource failure (exit 70,
# as txsub: /work/briefs/INTERFACE.md), not a bad configuration (2).
test_expect_success 'no thread for the Kafka client: exit 70, not 2' '
	test_kafka_no_thread txpub -t x -b 127.0.0.1:1 --connect-timeout 1
'

test_done
