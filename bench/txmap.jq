# bench/txmap.jq: what `txmap --round half-even` does to bench/txmap.sh's
# records, as jq can do it (the anchor of bench/txmap.sh): the renames of
# txmap's alias table, numeric ids to strings, type words through the
# codec's aliases, statuses in lower case, epoch times to RFC 3339, and
# amounts to cents. jq computes with binary floats: its rounding of
# amounts is the float's, not the decimal text's, which is why it is only
# the speed anchor.
def types: {"purchase": "payment", "credit": "deposit", "debit": "withdrawal",
	"deposit": "deposit", "withdrawal": "withdrawal", "payment": "payment"};
{
	transaction_id: (.id | tostring),
	account: .user_id,
	type: types[.type | ascii_downcase],
	amount: ((.amount * 100 | round) / 100),
	status: (.status | ascii_downcase),
	ts: (.timestamp | todate),
	merchant: .merchant
}
