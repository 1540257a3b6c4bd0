# tests/oracle/source.awk: records as txsub writes them, without a broker.
#
# Adds to each line that is a JSON object the "source" member txsub adds
# (build_source() in src/txsub/txsub.c), with its bytes: right before the
# closing brace,
#   ,"source":{"topic":T,"partition":P,"offset":O,"ts":TS,"key":K,"cluster":C}
# where K is the record's "account" when it is a plain string (txpub's key),
# and the member is left out for a record without one, as for a message
# without a key. P is the line number modulo `partitions` (default 8), O
# counts the lines of each partition from 0, TS (the broker's time, in
# milliseconds) goes up by a millisecond every 1000 lines. Other lines pass
# unchanged. Variables: topic, partitions, cluster (awk -v).
#   awk -f tests/oracle/source.awk <in >out
BEGIN {
	if (topic == "")
		topic = "transactions"
	if (partitions == "")
		partitions = 8
	if (cluster == "")
		cluster = "mockCluster156674b408b8"
}
!/^\{.*\}$/ { print; next }
{
	p = NR % partitions
	ms = int(NR / 1000)
	ts = sprintf("2026-12-07T%02d:%02d:%02d.%03d000Z", int(ms / 3600000) % 24,
		     int(ms / 60000) % 60, int(ms / 1000) % 60, ms % 1000)
	key = ""
	if (match($0, /"account":"[^"\\]*"/))
		key = ",\"key\":" substr($0, RSTART + 10, RLENGTH - 10)
	# after the last member, before any whitespace ahead of the brace
	body = substr($0, 1, length($0) - 1)
	match(body, /[ \t]*$/)
	ws = substr(body, RSTART)
	body = substr(body, 1, RSTART - 1)
	print body (body ~ /\{$/ ? "" : ",") "\"source\":{\"topic\":\"" topic \
	    "\",\"partition\":" p ",\"offset\":" (offset[p]++) ",\"ts\":\"" ts "\"" key \
	    ",\"cluster\":\"" cluster "\"}" ws "}"
}
