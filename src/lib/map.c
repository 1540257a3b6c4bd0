/* Foreign records -> tx-record(5): see map.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "json.h"
#include "map.h"
#include "timefmt.h"
#include "tx.h"

const struct tx_mapper_alias tx_mapper_aliases[] = {
    {"timestamp", TX_F_TS},
    {"time", TX_F_TS},
    {"created_at", TX_F_TS},
    {"event_time", TX_F_TS},
    {"datetime", TX_F_TS},
    {"user_id", TX_F_ACCOUNT},
    {"account_id", TX_F_ACCOUNT},
    {"customer_id", TX_F_ACCOUNT},
    {"account_number", TX_F_ACCOUNT},
    {"nameOrig", TX_F_ACCOUNT},
    {"id", TX_F_TRANSACTION_ID},
    {"tx_id", TX_F_TRANSACTION_ID},
    {"txn_id", TX_F_TRANSACTION_ID},
    {"nameDest", TX_F_COUNTERPARTY},
    {"to_account", TX_F_COUNTERPARTY},
};
const size_t tx_mapper_naliases = sizeof(tx_mapper_aliases) / sizeof(tx_mapper_aliases[0]);

/* A member name seen in the input, and where it goes. */
struct tx_mapper_key {
	char *name;
	size_t len;
	int field;	/* enum tx_field, or -1 */
	const char *to; /* the name written: canonical, renamed, or name itself */
	char *to_json;	/* to as a JSON string, quotes included, then ':' */
	size_t to_json_len;
	enum tx_mapper_how how;
	int has_values; /* a --value map names its target */
	uint64_t uses;
};

struct tx_mapper_value {
	char *field, *from, *to;
	int icase;
	uint64_t uses;
};

#define MAX_KEYS 4096 /* names remembered; beyond, each is looked up every time */

void tx_mapper_init(struct tx_mapper *m)
{
	memset(m, 0, sizeof(*m));
	tx_record_init(&m->in);
	tx_record_init(&m->check);
	tx_buf_init(&m->compact);
	tx_buf_init(&m->out);
	tx_buf_init(&m->scratch);
	m->tz_cache_key = INT64_MIN;
	m->usd = tx_currency_default();
}

static void key_free(struct tx_mapper_key *k)
{
	free(k->name);
	free(k->to_json);
}

void tx_mapper_release(struct tx_mapper *m)
{
	for (size_t i = 0; i < m->nkeys; i++)
		key_free(&m->keys[i]);
	free(m->keys);
	for (size_t i = 0; i < m->nrenames; i++) {
		free(m->renames[i].from);
		free(m->renames[i].to);
	}
	free(m->renames);
	for (size_t i = 0; i < m->nvalues; i++) {
		free(m->values[i].field);
		free(m->values[i].from);
		free(m->values[i].to);
	}
	free(m->values);
	for (size_t i = 0; i < m->nid_fields; i++)
		free(m->id_fields[i]);
	free(m->id_fields);
	free(m->tz_name);
	tx_record_release(&m->in);
	tx_record_release(&m->check);
	tx_buf_release(&m->compact);
	tx_buf_release(&m->out);
	tx_buf_release(&m->scratch);
	memset(m, 0, sizeof(*m));
}

/* ---- options ---- */

int tx_mapper_add_field(struct tx_mapper *m, const char *spec)
{
	const char *eq = strchr(spec, '=');

	if (!eq || eq == spec || !eq[1])
		return tx_error("--field '%s': expected FROM=TO", spec);
	for (size_t i = 0; i < m->nrenames; i++)
		if (strlen(m->renames[i].from) == (size_t)(eq - spec) &&
		    !memcmp(m->renames[i].from, spec, (size_t)(eq - spec))) {
			if (!strcmp(m->renames[i].to, eq + 1))
				return 0;
			return tx_error("--field: '%s' is mapped to both '%s' and '%s'",
					m->renames[i].from, m->renames[i].to, eq + 1);
		}
	m->renames = tx_reallocarray(m->renames, m->nrenames + 1, sizeof(*m->renames));
	m->renames[m->nrenames].from = tx_strndup(spec, (size_t)(eq - spec));
	m->renames[m->nrenames].to = tx_strdup(eq + 1);
	m->nrenames++;
	return 0;
}

int tx_mapper_add_value(struct tx_mapper *m, const char *spec)
{
	const char *colon = strchr(spec, ':'), *eq = colon ? strchr(colon, '=') : NULL;
	struct tx_mapper_value *v;
	int f;

	if (!colon || colon == spec || !eq || eq == colon + 1)
		return tx_error("--value '%s': expected FIELD:FROM=TO", spec);
	m->values = tx_reallocarray(m->values, m->nvalues + 1, sizeof(*m->values));
	v = &m->values[m->nvalues++];
	v->field = tx_strndup(spec, (size_t)(colon - spec));
	v->from = tx_strndup(colon + 1, (size_t)(eq - colon - 1));
	v->to = tx_strdup(eq + 1);
	v->uses = 0;
	f = tx_field_lookup(v->field, strlen(v->field));
	v->icase = f == TX_F_TYPE || f == TX_F_STATUS || f == TX_F_OP;
	if (v->icase) /* tx_word_ieq() compares with a word in lower case */
		for (char *c = v->from; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	return 0;
}

int tx_mapper_set_tz(struct tx_mapper *m, const char *zone)
{
	const char *dir = getenv("TZDIR");
	struct tx_buf path = TX_BUF_INIT;
	struct stat st;
	int ok;

	m->have_tz = 1;
	free(m->tz_name);
	m->tz_name = tx_strdup(zone);
	if (!strcmp(zone, "UTC") || !strcmp(zone, "Z")) {
		m->tz_fixed = 1;
		m->tz_offset = 0;
		return 0;
	}
	if ((zone[0] == '+' || zone[0] == '-') && strlen(zone) == 6 && zone[3] == ':') {
		int h = (zone[1] - '0') * 10 + (zone[2] - '0'),
		    mi = (zone[4] - '0') * 10 + (zone[5] - '0');
		if (zone[1] < '0' || zone[1] > '9' || zone[2] < '0' || zone[2] > '9' ||
		    zone[4] < '0' || zone[4] > '9' || zone[5] < '0' || zone[5] > '9' || h > 23 ||
		    mi > 59)
			return tx_error("--tz '%s': not an offset +HH:MM", zone);
		m->tz_fixed = 1;
		m->tz_offset = (zone[0] == '-' ? -1 : 1) * (h * 3600 + mi * 60);
		return 0;
	}
	if (!zone[0] || zone[0] == '/' || strstr(zone, ".."))
		return tx_error("--tz '%s': not a time zone name", zone);
	tx_buf_adds(&path, dir && *dir ? dir : "/usr/share/zoneinfo");
	tx_buf_addch(&path, '/');
	tx_buf_adds(&path, zone);
	ok = stat(path.p, &st) == 0 && S_ISREG(st.st_mode);
	tx_buf_release(&path);
	if (!ok)
		return tx_error("--tz '%s': no such time zone in the system's zoneinfo", zone);
	/* the zone of localtime_r(): this process's TZ, set once here */
	if (setenv("TZ", zone, 1) < 0)
		return tx_error_errno("--tz");
	tzset();
	m->tz_fixed = 0;
	return 0;
}

int tx_mapper_set_id(struct tx_mapper *m, const char *spec)
{
	if (!strcmp(spec, "uuid")) {
		m->id = TX_ID_UUID;
		return 0;
	}
	if (!strcmp(spec, "hash")) {
		m->id = TX_ID_HASH;
		return 0;
	}
	if (!strncmp(spec, "hash:", 5) && spec[5]) {
		const char *p = spec + 5;
		m->id = TX_ID_HASH;
		while (*p) {
			const char *c = strchr(p, ',');
			size_t n = c ? (size_t)(c - p) : strlen(p);
			if (!n)
				return tx_error("--id '%s': an empty field name", spec);
			if (m->nid_fields == TX_MAP_ID_FIELDS)
				return tx_error("--id '%s': more than %d fields", spec,
						TX_MAP_ID_FIELDS);
			m->id_fields =
			    tx_reallocarray(m->id_fields, m->nid_fields + 1, sizeof(char *));
			m->id_fields[m->nid_fields++] = tx_strndup(p, n);
			p += n + (c != NULL);
		}
		return 0;
	}
	return tx_error("--id '%s': expected hash, hash:FIELD,... or uuid", spec);
}

/* ---- names ---- */

static void key_set_to(struct tx_mapper_key *k, const char *to)
{
	struct tx_buf b = TX_BUF_INIT;

	k->to = to;
	tx_buf_add_json_string(&b, to, strlen(to));
	tx_buf_addch(&b, ':');
	k->to_json = b.p;
	k->to_json_len = b.len;
}

/* Where a name goes (k->name set): the rules of map.h. */
static void key_resolve(const struct tx_mapper *m, struct tx_mapper_key *k)
{
	int f;

	k->field = -1;
	k->how = TX_HOW_NAME;
	for (size_t i = 0; i < m->nrenames; i++)
		if (strlen(m->renames[i].from) == k->len &&
		    !memcmp(m->renames[i].from, k->name, k->len)) {
			const char *to = m->renames[i].to;
			k->how = TX_HOW_FIELD;
			k->field = tx_field_lookup(to, strlen(to));
			key_set_to(k, k->field >= 0 ? tx_field_name((enum tx_field)k->field) : to);
			goto values;
		}
	for (size_t i = 0; i < tx_mapper_naliases; i++)
		if (strlen(tx_mapper_aliases[i].from) == k->len &&
		    !memcmp(tx_mapper_aliases[i].from, k->name, k->len)) {
			k->how = TX_HOW_ALIAS;
			k->field = (int)tx_mapper_aliases[i].to;
			key_set_to(k, tx_field_name(tx_mapper_aliases[i].to));
			goto values;
		}
	f = tx_field_lookup(k->name, k->len);
	if (f >= 0) {
		k->field = f;
		key_set_to(k, tx_field_name((enum tx_field)f));
		if (strcmp(k->to, k->name))
			k->how = TX_HOW_CODEC;
	} else {
		key_set_to(k, k->name);
	}
values:
	k->has_values = 0;
	for (size_t i = 0; i < m->nvalues; i++)
		if (!strcmp(m->values[i].field, k->to))
			k->has_values = 1;
}

/*
 * The index of a member's name in m->keys. Names repeat from record to
 * record, mostly in the same order: the entry after the last one found is
 * tried first. The table holds at most MAX_KEYS names between records
 * (tx_mapper_record() empties a full one first), so input with ever new
 * names cannot grow it without bound.
 */
static size_t key_get(struct tx_mapper *m, const char *raw, size_t rawlen, int escaped,
		      size_t *hint)
{
	const char *name = raw;
	size_t len = rawlen;
	struct tx_mapper_key *k;

	if (escaped) {
		tx_buf_reset(&m->scratch);
		tx_buf_grow(&m->scratch, rawlen);
		len = tx_json_unescape(m->scratch.p, raw, rawlen);
		name = m->scratch.p;
	}
	if (*hint < m->nkeys && m->keys[*hint].len == len &&
	    !memcmp(m->keys[*hint].name, name, len))
		return (*hint)++;
	for (size_t i = 0; i < m->nkeys; i++)
		if (m->keys[i].len == len && !memcmp(m->keys[i].name, name, len)) {
			*hint = i + 1;
			return i;
		}
	TX_ALLOC_GROW(m->keys, m->nkeys + 1, m->keys_cap, 32);
	k = &m->keys[m->nkeys];
	memset(k, 0, sizeof(*k));
	k->name = tx_strndup(name, len);
	k->len = len;
	key_resolve(m, k);
	*hint = m->nkeys + 1;
	return m->nkeys++;
}

/* ---- values ---- */

static int fail(struct tx_mapper *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct tx_mapper *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int64_t zone_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		return 0;
	return tm.tm_gmtoff;
}

/* Local time t0 (seconds, the zone's wall clock) -> UTC seconds. */
static int local_to_utc(struct tx_mapper *m, int64_t t0, int64_t *out)
{
	int64_t key = t0 >= 0 ? t0 / 900 : -((-t0 + 899) / 900), oa, ob, ua, ub;
	int va, vb;

	if (m->tz_fixed) {
		*out = t0 - m->tz_offset;
		return 0;
	}
	if (key == m->tz_cache_key) {
		*out = t0 - m->tz_cache_off;
		return 0;
	}
	/* the offsets a day before and after: the answer uses one of them */
	oa = zone_offset(t0 - 86400);
	ob = zone_offset(t0 + 86400);
	ua = t0 - oa;
	ub = t0 - ob;
	va = zone_offset(ua) == oa;
	vb = zone_offset(ub) == ob;
	if (va && vb) {
		/* twice (the hour the clocks go back): the earlier, as Python's fold=0 */
		*out = ua < ub ? ua : ub;
		if (oa == ob) {
			m->tz_cache_key = key;
			m->tz_cache_off = oa;
		}
		return 0;
	}
	if (va || vb) {
		*out = va ? ua : ub;
		return 0;
	}
	return -1; /* never (the hour the clocks go forward) */
}

static int digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* An epoch number (decimal text) -> microseconds. */
static int conv_epoch(struct tx_mapper *m, const char *s, size_t n, int64_t *us)
{
	int64_t secs;
	enum tx_mapper_epoch unit = m->epoch;
	char show[44];

	if (n && s[0] == '-')
		return fail(m, "field 'ts' is a negative epoch number: '%s'",
			    tx_record_shown(show, sizeof(show), s, n));
	if (tx_money_parse_number(s, n, 0, TX_ROUND_DOWN, &secs) != TX_MONEY_OK)
		return fail(m, "field 'ts' is not an epoch number: '%s'",
			    tx_record_shown(show, sizeof(show), s, n));
	if (unit == TX_EPOCH_AUTO) {
		if (secs < 100000000000LL)
			unit = TX_EPOCH_S;
		else if (secs < 100000000000000LL)
			unit = TX_EPOCH_MS;
		else
			return fail(m,
				    "field 'ts' is an epoch number too large for seconds or "
				    "milliseconds: '%s' (give its unit with --epoch)",
				    tx_record_shown(show, sizeof(show), s, n));
	}
	if (tx_money_parse_number(s, n, unit == TX_EPOCH_S ? 6 : 3, TX_ROUND_DOWN, us) !=
		TX_MONEY_OK ||
	    *us >= 253402300800000000LL) /* 10000-01-01 */
		return fail(m, "field 'ts' is an epoch number out of range: '%s'",
			    tx_record_shown(show, sizeof(show), s, n));
	return 0;
}

/*
 * A time: RFC 3339, naive ISO 8601 (date, 'T' or ' ', HH:MM[:SS[.frac]],
 * no offset) in --tz, a date alone (midnight in --tz), or epoch digits.
 */
static int conv_ts(struct tx_mapper *m, const char *s, size_t n, int is_str, int64_t *us)
{
	char show[44];
	size_t i;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t frac = 0, local, utc;

	if (!is_str)
		return conv_epoch(m, s, n, us);
	for (i = 0; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); i++)
		;
	if (i == n && n && s[0] != '.')
		return conv_epoch(m, s, n, us);
	if (n < 10 || s[4] != '-' || s[7] != '-' || (y = digits(s, 4)) < 0 ||
	    (mo = digits(s + 5, 2)) < 1 || mo > 12 || (d = digits(s + 8, 2)) < 1)
		goto bad;
	i = 10;
	if (n > 10) {
		if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || n < 16 || s[13] != ':' ||
		    (h = digits(s + 11, 2)) < 0 || h > 23 || (mi = digits(s + 14, 2)) < 0 ||
		    mi > 59)
			goto bad;
		i = 16;
		if (i < n && s[i] == ':') {
			if (n < 19 || (sec = digits(s + 17, 2)) < 0 || sec > 59)
				goto bad;
			i = 19;
			if (i < n && s[i] == '.') {
				size_t k = ++i;
				int64_t scale = 100000;
				for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
					frac += (s[i] - '0') * scale;
					scale /= 10;
				}
				if (i == k)
					goto bad;
			}
		}
	}
	if (i < n) {
		/* an offset or 'Z' follows: RFC 3339 */
		if (tx_time_parse(s, n, us) == 0)
			return 0;
		goto bad;
	}
	{
		static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30,
						      31, 31, 30, 31, 30, 31};
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		if (d > mdays[mo - 1] + (mo == 2 && leap))
			goto bad;
	}
	if (!m->have_tz)
		return fail(m, "field 'ts' has no UTC offset: '%s' (give its zone with --tz)",
			    tx_record_shown(show, sizeof(show), s, n));
	local = tx_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	if (local_to_utc(m, local, &utc) < 0)
		return fail(m, "field 'ts' does not exist in %s (the clocks went forward): '%s'",
			    m->tz_name, tx_record_shown(show, sizeof(show), s, n));
	*us = utc * 1000000 + frac;
	return 0;
bad:
	return fail(m, "field 'ts' is not an RFC 3339 or ISO 8601 date-time: '%s'",
		    tx_record_shown(show, sizeof(show), s, n));
}

/* ---- ids ---- */

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static inline uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void tx_mapper_hash_hex(const void *key, size_t len, char hex[33])
{
	static const char xd[] = "0123456789abcdef";
	const unsigned char *data = key, *tail;
	const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
	uint64_t h1 = 0, h2 = 0, k1 = 0, k2 = 0, hs[2];
	size_t nblocks = len / 16;

	for (size_t i = 0; i < nblocks; i++) {
		k1 = le64(data + 16 * i);
		k2 = le64(data + 16 * i + 8);
		k1 *= c1;
		k1 = rotl64(k1, 31);
		k1 *= c2;
		h1 ^= k1;
		h1 = rotl64(h1, 27);
		h1 += h2;
		h1 = h1 * 5 + 0x52dce729;
		k2 *= c2;
		k2 = rotl64(k2, 33);
		k2 *= c1;
		h2 ^= k2;
		h2 = rotl64(h2, 31);
		h2 += h1;
		h2 = h2 * 5 + 0x38495ab5;
	}
	tail = data + nblocks * 16;
	k1 = k2 = 0;
	for (size_t i = len & 15; i > 8; i--)
		k2 ^= (uint64_t)tail[i - 1] << (8 * (i - 9));
	if ((len & 15) > 8) {
		k2 *= c2;
		k2 = rotl64(k2, 33);
		k2 *= c1;
		h2 ^= k2;
	}
	for (size_t i = (len & 15) > 8 ? 8 : (len & 15); i > 0; i--)
		k1 ^= (uint64_t)tail[i - 1] << (8 * (i - 1));
	if (len & 15) {
		k1 *= c1;
		k1 = rotl64(k1, 31);
		k1 *= c2;
		h1 ^= k1;
	}
	h1 ^= len;
	h2 ^= len;
	h1 += h2;
	h2 += h1;
	h1 = fmix64(h1);
	h2 = fmix64(h2);
	h1 += h2;
	h2 += h1;
	hs[0] = h1;
	hs[1] = h2;
	for (int w = 0; w < 2; w++)
		for (int i = 0; i < 16; i++)
			hex[16 * w + i] = xd[(hs[w] >> (60 - 4 * i)) & 15];
	hex[32] = 0;
}

static void add_uuid(struct tx_mapper *m, struct tx_buf *b)
{
	static const char xd[] = "0123456789abcdef";
	unsigned char u[16];
	char s[36];
	int j = 0;

	if (m->rnd_left < 16) {
		size_t got = 0;
		while (got < sizeof(m->rnd)) {
			ssize_t n = getrandom(m->rnd + got, sizeof(m->rnd) - got, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				tx_die_errno(TX_EXIT_SOFTWARE, "getrandom");
			got += (size_t)n;
		}
		m->rnd_left = sizeof(m->rnd);
	}
	memcpy(u, m->rnd + sizeof(m->rnd) - m->rnd_left, 16);
	m->rnd_left -= 16;
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s[j++] = '-';
		s[j++] = xd[u[i] >> 4];
		s[j++] = xd[u[i] & 15];
	}
	tx_buf_addch(b, '"');
	tx_buf_add(b, s, 36);
	tx_buf_addch(b, '"');
}

/* ---- records ---- */

/* Copy JSON text without the whitespace between tokens (it holds line breaks). */
static void compact(struct tx_buf *b, const char *s, size_t n)
{
	const char *end = s + n;

	tx_buf_reset(b);
	tx_buf_grow(b, n);
	while (s < end) {
		if (*s == '"') {
			int esc;
			struct tx_json_err e;
			const char *q = tx_json_scan_string(s, end, &esc, &e);
			if (!q)
				q = end;
			tx_buf_add(b, s, (size_t)(q - s));
			s = q;
		} else {
			if (!tx_json_is_ws(*s))
				b->p[b->len++] = *s;
			s++;
		}
	}
	b->p[b->len] = 0;
}

/* The value of member i after the --value maps: *is_str, *s (decoded when a string). */
static void member_value(struct tx_mapper *m, int i, const struct tx_mapper_key *k,
			 struct tx_str *s, int *is_str, int *mapped, int count)
{
	struct tx_str raw = tx_record_raw(&m->in, i);

	*mapped = 0;
	*is_str = raw.p[0] == '"';
	*s = *is_str ? tx_record_text(&m->in, i) : raw;
	if (!k->has_values)
		return;
	for (size_t j = 0; j < m->nvalues; j++) {
		struct tx_mapper_value *v = &m->values[j];
		if (strcmp(v->field, k->to))
			continue;
		if (v->icase ? tx_word_ieq(s->p, s->len, v->from) && strlen(v->from) == s->len
			     : strlen(v->from) == s->len && !memcmp(v->from, s->p, s->len)) {
			v->uses += (uint64_t)count; /* counted once, when written */
			s->p = v->to;
			s->len = strlen(v->to);
			*is_str = 1;
			*mapped = 1;
			return;
		}
	}
}

static int word(const struct tx_str *s, const char *const *words, int n)
{
	for (int i = 0; i < n; i++)
		if (tx_word_ieq(s->p, s->len, words[i]))
			return i;
	return -1;
}

/*
 * Look up the key of every member of m->in (keys[i]: its index in
 * m->keys) and note which member maps to each field (slot[f], -1 when
 * none). 0, or -1 after fail() when two members map to one field.
 */
static int map_keys(struct tx_mapper *m, const char *text, size_t *keys, int *slot)
{
	size_t hint = 0;

	for (int f = 0; f < TX_F__COUNT; f++)
		slot[f] = -1;
	for (size_t i = 0; i < m->in.nmembers; i++) {
		const struct tx_member *mb = &m->in.members[i];
		size_t ki = key_get(m, text + mb->key_off, mb->key_len,
				    mb->flags & TX_MEMBER_KEY_ESCAPED, &hint);
		struct tx_mapper_key *k = &m->keys[ki];
		keys[i] = ki;
		k->uses++;
		if (k->field < 0)
			continue;
		if (slot[k->field] >= 0) {
			const struct tx_mapper_key *a = &m->keys[keys[slot[k->field]]];
			if (a->len == k->len && !memcmp(a->name, k->name, k->len))
				return fail(m, "field '%s' appears twice", a->name);
			return fail(m, "fields '%s' and '%s' both map to '%s'", a->name, k->name,
				    tx_field_name((enum tx_field)k->field));
		}
		slot[k->field] = (int)i;
	}
	return 0;
}

/*
 * The type first: a record that is not a transaction is "other", whatever
 * else it has (its type kept in m->other_type). 1 when it is other, else 0
 * with *type (TX_TYPE_NONE without one).
 */
static int map_type(struct tx_mapper *m, const size_t *keys, const int *slot, enum tx_type *type)
{
	struct tx_str s;
	int is_str, mapped, i = slot[TX_F_TYPE];

	*type = TX_TYPE_NONE;
	if (i < 0)
		return 0;
	member_value(m, i, &m->keys[keys[i]], &s, &is_str, &mapped, 0);
	if (!is_str || (*type = tx_type_parse(s.p, s.len)) != TX_TYPE_NONE)
		return 0;
	if (mapped) /* counted for -v, as when written */
		member_value(m, i, &m->keys[keys[i]], &s, &is_str, &mapped, 1);
	tx_buf_reset(&m->scratch);
	tx_buf_add(&m->scratch, s.p, s.len);
	m->other_type.p = m->scratch.p;
	m->other_type.len = s.len;
	return 1;
}

/* The currency (USD without one): 0, or -1 after fail(). */
static int map_currency(struct tx_mapper *m, const size_t *keys, const int *slot,
			const struct tx_currency **cur)
{
	struct tx_str s;
	int is_str, mapped, i = slot[TX_F_CURRENCY];
	char code[3], show[44];

	*cur = m->usd;
	if (i < 0)
		return 0;
	member_value(m, i, &m->keys[keys[i]], &s, &is_str, &mapped, 0);
	if (!is_str)
		return fail(m, "field 'currency' must be a string");
	for (size_t j = 0; j < s.len && j < 3; j++)
		code[j] = (char)(s.p[j] >= 'a' && s.p[j] <= 'z' ? s.p[j] - 'a' + 'A' : s.p[j]);
	if (s.len != 3 || !(*cur = tx_currency_find(code, 3)))
		return fail(m, "field 'currency' is not a known ISO 4217 code: '%s'",
			    tx_record_shown(show, sizeof(show), s.p, s.len));
	return 0;
}

/* An id, an account, a counterparty: a string, or a number written as one. */
static int put_name(struct tx_mapper *m, const char *text, const struct tx_member *mb,
		    const struct tx_mapper_key *k, const struct tx_str *s, int is_str, int mapped)
{
	struct tx_buf *o = &m->out;

	if (is_str) {
		if (mapped)
			tx_buf_add_json_string(o, s->p, s->len);
		else
			tx_buf_add(o, text + mb->val_off, mb->val_len);
	} else if (s->p[0] == '-' || (s->p[0] >= '0' && s->p[0] <= '9')) {
		if (k->field != TX_F_TRANSACTION_ID && s->p[0] != '-' &&
		    !memchr(s->p, '.', s->len) && !memchr(s->p, 'e', s->len) &&
		    !memchr(s->p, 'E', s->len)) {
			tx_buf_add(o, s->p, s->len);
		} else {
			tx_buf_addch(o, '"');
			tx_buf_add(o, s->p, s->len);
			tx_buf_addch(o, '"');
		}
	} else {
		return fail(m, "field '%s' must be a string or a number", k->to);
	}
	return 0;
}

/* The amount, in the currency's minor units and written canonically. */
static int put_amount(struct tx_mapper *m, const struct tx_str *s, int is_str,
		      const struct tx_currency *cur)
{
	enum tx_money_err e;
	char show[44];
	int64_t v;

	if (!is_str && !(s->p[0] == '-' || (s->p[0] >= '0' && s->p[0] <= '9')))
		return fail(m, "field 'amount' must be a number or a string");
	if (s->len && s->p[0] == '-')
		return fail(m, "field 'amount' is negative: '%s'",
			    tx_record_shown(show, sizeof(show), s->p, s->len));
	e = tx_money_parse_number(s->p, s->len, cur->exponent, m->round, &v);
	if (e == TX_MONEY_PRECISION)
		return fail(
		    m, "field 'amount' has more than %d decimals for %s: '%s' (use --round)",
		    cur->exponent, cur->code, tx_record_shown(show, sizeof(show), s->p, s->len));
	if (e != TX_MONEY_OK)
		return fail(m, "field 'amount' %s: '%s'",
			    e == TX_MONEY_OVERFLOW ? "is too large" : "is not a decimal number",
			    tx_record_shown(show, sizeof(show), s->p, s->len));
	tx_money_format(&m->out, v, cur->exponent);
	return 0;
}

/*
 * Write member i of m->in (its key k) to m->out, after a comma when it is
 * not the first: a field's value converted and checked, another member as
 * it is (or as --value maps it). *start: where its name begins. 1 when
 * written, 0 when left out (a null or empty field: as if absent), -1 after
 * fail().
 */
static int put_member(struct tx_mapper *m, const char *text, size_t i,
		      const struct tx_mapper_key *k, size_t first_out, enum tx_type type,
		      const struct tx_currency *cur, size_t *start)
{
	static const char *const statuses[] = {"pending", "completed", "failed"};
	static const char *const ops[] = {"create", "update", "delete"};
	const struct tx_member *mb = &m->in.members[i];
	struct tx_buf *o = &m->out;
	struct tx_str s;
	int is_str, mapped, w;
	size_t mark = o->len;
	char show[44];
	int64_t v;

	member_value(m, (int)i, k, &s, &is_str, &mapped, 1);
	if (o->len > first_out)
		tx_buf_addch(o, ',');
	*start = o->len;
	tx_buf_add(o, k->to_json, k->to_json_len);
	if ((k->field >= 0 && !mapped && text[mb->val_off] == 'n') ||
	    ((k->field == TX_F_TRANSACTION_ID || k->field == TX_F_ACCOUNT ||
	      k->field == TX_F_COUNTERPARTY) &&
	     is_str && !s.len)) {
		o->len = mark;
		o->p[o->len] = 0;
		return 0;
	}
	switch (k->field) {
	case TX_F_TRANSACTION_ID:
	case TX_F_ACCOUNT:
	case TX_F_COUNTERPARTY: return put_name(m, text, mb, k, &s, is_str, mapped) < 0 ? -1 : 1;
	case TX_F_TYPE:
		if (!is_str)
			return fail(m, "field 'type' must be a string");
		/* known: "other" was decided before */
		tx_buf_addch(o, '"');
		tx_buf_adds(o, tx_type_name(type));
		tx_buf_addch(o, '"');
		return 1;
	case TX_F_STATUS:
	case TX_F_OP: {
		const char *const *ws = k->field == TX_F_STATUS ? statuses : ops;
		w = is_str ? word(&s, ws, 3) : -1;
		if (w < 0)
			return fail(m,
				    "field '%s' is not %s, %s or %s: '%s' (map it with --value "
				    "%s:%s=...)",
				    k->to, ws[0], ws[1], ws[2],
				    tx_record_shown(show, sizeof(show), s.p, s.len), k->to,
				    tx_record_shown(show, sizeof(show), s.p, s.len));
		tx_buf_addch(o, '"');
		tx_buf_adds(o, ws[w]);
		tx_buf_addch(o, '"');
		return 1;
	}
	case TX_F_CURRENCY:
		tx_buf_addch(o, '"');
		tx_buf_add(o, cur->code, 3);
		tx_buf_addch(o, '"');
		return 1;
	case TX_F_AMOUNT: return put_amount(m, &s, is_str, cur) < 0 ? -1 : 1;
	case TX_F_TS:
		if (conv_ts(m, s.p, s.len, is_str, &v) < 0)
			return -1;
		tx_buf_addch(o, '"');
		tx_time_format(o, v);
		tx_buf_addch(o, '"');
		return 1;
	default:
		if (mapped)
			tx_buf_add_json_string(o, s.p, s.len);
		else
			tx_buf_add(o, text + mb->val_off, mb->val_len);
		return 1;
	}
}

/*
 * A record without a transaction_id gets one, as --id says: a hash of the
 * fields named (id_off: where their values are in m->out), a hash of the
 * record as written, or a UUID. 0, or -1 after fail().
 */
static int put_id(struct tx_mapper *m, const char *text, size_t first_out, size_t id_off[][2])
{
	struct tx_buf *o = &m->out;
	size_t at = o->len;
	char hex[33];

	if (m->id == TX_ID_NONE)
		return fail(m, "field 'transaction_id' is missing (make one with --id hash or "
			       "--id uuid)");
	if (m->id == TX_ID_HASH && m->nid_fields) {
		/* name=value\n for each field named, in the order given */
		struct tx_buf *h = m->compact.p == text ? &m->scratch : &m->compact;
		tx_buf_reset(h);
		for (size_t j = 0; j < m->nid_fields; j++) {
			if (!id_off[j][0])
				return fail(m, "field '%s' of --id hash:... is missing",
					    m->id_fields[j]);
			tx_buf_adds(h, m->id_fields[j]);
			tx_buf_addch(h, '=');
			tx_buf_add(h, o->p + id_off[j][0], id_off[j][1] - id_off[j][0]);
			tx_buf_addch(h, '\n');
		}
		tx_mapper_hash_hex(h->p, h->len, hex);
	} else if (m->id == TX_ID_HASH) {
		/* the record as written without the id */
		tx_buf_addch(o, '}');
		tx_mapper_hash_hex(o->p, o->len, hex);
		o->len = at;
	}
	if (o->len > first_out)
		tx_buf_addch(o, ',');
	tx_buf_adds(o, "\"transaction_id\":");
	if (m->id == TX_ID_UUID) {
		add_uuid(m, o);
	} else {
		tx_buf_adds(o, "\"h-");
		tx_buf_add(o, hex, 32);
		tx_buf_addch(o, '"');
	}
	return 0;
}

/* Map the members of m->in into m->out, then check what was written. */
static enum tx_mapper_result map_members(struct tx_mapper *m, const char *text, const size_t *keys,
					 const int *slot)
{
	const struct tx_currency *cur;
	enum tx_type type;
	size_t id_off[TX_MAP_ID_FIELDS][2], first_out;
	int has_id = 0;

	if (map_type(m, keys, slot, &type))
		return TX_MAP_OTHER;
	if (map_currency(m, keys, slot, &cur) < 0)
		return TX_MAP_REJECT;
	memset(id_off, 0, sizeof(id_off));
	tx_buf_reset(&m->out);
	tx_buf_addch(&m->out, '{');
	first_out = m->out.len;
	for (size_t i = 0; i < m->in.nmembers; i++) {
		const struct tx_mapper_key *k = &m->keys[keys[i]];
		size_t start;
		int r = put_member(m, text, i, k, first_out, type, cur, &start);
		if (r < 0)
			return TX_MAP_REJECT;
		if (!r)
			continue;
		if (k->field == TX_F_TRANSACTION_ID)
			has_id = 1;
		/* where the --id hash fields' values are */
		for (size_t j = 0; j < m->nid_fields; j++)
			if (!strcmp(m->id_fields[j], k->to)) {
				id_off[j][0] = start + k->to_json_len;
				id_off[j][1] = m->out.len;
			}
	}
	if (!has_id && put_id(m, text, first_out, id_off) < 0)
		return TX_MAP_REJECT;
	tx_buf_addch(&m->out, '}');
	if (tx_record_parse(&m->check, m->out.p, m->out.len, TX_PARSE_REQUIRE) < 0) {
		snprintf(m->err, sizeof(m->err), "%s", m->check.err);
		return TX_MAP_REJECT;
	}
	return TX_MAP_OK;
}

enum tx_mapper_result tx_mapper_record(struct tx_mapper *m, const char *text, size_t len)
{
	size_t keyof[64], *keys = keyof;
	int slot[TX_F__COUNT];
	enum tx_mapper_result res = TX_MAP_REJECT;

	m->err[0] = 0;
	if (memchr(text, '\n', len)) {
		compact(&m->compact, text, len);
		text = m->compact.p;
		len = m->compact.len;
	}
	if (tx_record_parse(&m->in, text, len, TX_PARSE_JSON_ONLY) < 0) {
		snprintf(m->err, sizeof(m->err), "%s", m->in.err);
		return TX_MAP_REJECT;
	}
	if (m->nkeys >= MAX_KEYS) {
		for (size_t i = 0; i < m->nkeys; i++)
			key_free(&m->keys[i]);
		m->nkeys = 0;
	}
	if (m->in.nmembers > sizeof(keyof) / sizeof(keyof[0]))
		keys = tx_malloc(m->in.nmembers * sizeof(*keys));
	if (map_keys(m, text, keys, slot) == 0)
		res = map_members(m, text, keys, slot);
	if (keys != keyof)
		free(keys);
	return res;
}

void tx_mapper_report(const struct tx_mapper *m,
		      void (*fn)(void *ctx, const char *from, const char *to,
				 enum tx_mapper_how how, uint64_t uses),
		      void (*vfn)(void *ctx, const char *field, const char *from, const char *to,
				  uint64_t uses),
		      void *ctx)
{
	for (size_t i = 0; i < m->nkeys; i++)
		fn(ctx, m->keys[i].name, m->keys[i].to, m->keys[i].how, m->keys[i].uses);
	for (size_t i = 0; i < m->nvalues; i++)
		vfn(ctx, m->values[i].field, m->values[i].from, m->values[i].to, m->values[i].uses);
}
