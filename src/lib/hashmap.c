/* Open-addressing string map: see hashmap.h. */
#define _GNU_SOURCE /* mremap */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hashmap.h"
#include "tx.h"

#define P0 0xa0761d6478bd642fULL
#define P1 0xe7037ed1a0b428dbULL
#define P2 0x8ebc6af09c88c6e3ULL

static inline uint64_t mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t rd8(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t rd4(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

uint64_t tx_hash64(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t seed = P0 ^ mum(n ^ P1, P2), a, b;
	size_t left = n;

	while (left > 16) {
		seed = mum(rd8(p) ^ P1, rd8(p + 8) ^ seed);
		p += 16;
		left -= 16;
	}
	if (left >= 8) {
		a = rd8(p);
		b = rd8(p + left - 8);
	} else if (left >= 4) {
		a = rd4(p);
		b = rd4(p + left - 4);
	} else if (left > 0) {
		a = ((uint64_t)p[0] << 16) | ((uint64_t)p[left >> 1] << 8) | p[left - 1];
		b = 0;
	} else {
		a = b = 0;
	}
	return mum(P1 ^ n, mum(a ^ P1, b ^ seed));
}

#define HUGE_MIN (1u << 20)

void *tx_huge_calloc(size_t size)
{
	void *p;

	if (size < HUGE_MIN)
		return tx_calloc(1, size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		tx_die(TX_EXIT_SOFTWARE, "out of memory mapping %zu bytes", size);
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE); /* a hint: without it, 4 KiB pages */
#endif
	return p;
}

void *tx_huge_realloc(void *p, size_t old_size, size_t new_size)
{
	void *q;

	if (new_size < HUGE_MIN) {
		q = tx_realloc(p, new_size);
		if (new_size > old_size)
			memset((char *)q + old_size, 0, new_size - old_size);
		return q;
	}
	if (old_size >= HUGE_MIN) {
		q = mremap(p, old_size, new_size, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			tx_die(TX_EXIT_SOFTWARE, "out of memory remapping %zu bytes", new_size);
#ifdef MADV_HUGEPAGE
		madvise(q, new_size, MADV_HUGEPAGE);
#endif
		return q;
	}
	q = tx_huge_calloc(new_size);
	if (p)
		memcpy(q, p, old_size);
	free(p);
	return q;
}

void tx_huge_free(void *p, size_t size)
{
	if (!p)
		return;
	if (size < HUGE_MIN)
		free(p);
	else
		munmap(p, size);
}

void tx_map_init(struct tx_map *m, size_t value_size)
{
	memset(m, 0, sizeof(*m));
	m->value_size = value_size;
	m->stride = sizeof(struct tx_map_entry) + (value_size + 7) / 8 * 8;
	m->mask = 15;
	m->slots = tx_huge_calloc(16 * sizeof(*m->slots));
}

void tx_map_release(struct tx_map *m)
{
	tx_huge_free(m->slots, ((size_t)m->mask + 1) * sizeof(*m->slots));
	tx_huge_free(m->entries, (size_t)m->cap * m->stride);
	free(m->arena);
	memset(m, 0, sizeof(*m));
}

static inline int key_is(const struct tx_map *m, const struct tx_map_entry *en, const void *key,
			 size_t len)
{
	if (en->key_len != len)
		return 0;
	return !memcmp(len < TX_MAP_INLINE_KEY ? en->k.key : m->arena + en->k.key_off, key, len);
}

int64_t tx_map_find_h(const struct tx_map *m, const void *key, size_t len, uint64_t h)
{
	uint32_t h32 = (uint32_t)h, i = h32 & m->mask;

	for (;;) {
		uint64_t s = m->slots[i];
		if (!s)
			return -1;
		if ((uint32_t)(s >> 32) == h32) {
			uint32_t e = (uint32_t)s - 1;
			if (key_is(m, tx_map_entry(m, e), key, len))
				return e;
		}
		i = (i + 1) & m->mask;
	}
}

int64_t tx_map_find(const struct tx_map *m, const void *key, size_t len)
{
	return tx_map_find_h(m, key, len, tx_hash64(key, len));
}

static void grow_slots(struct tx_map *m)
{
	uint32_t nslots = (m->mask + 1) * 2, mask = nslots - 1, e;
	uint64_t *slots = tx_huge_calloc((size_t)nslots * sizeof(*slots));

	for (e = 0; e < m->count; e++) {
		uint32_t h32 = tx_map_entry(m, e)->hash, i = h32 & mask;
		while (slots[i])
			i = (i + 1) & mask;
		slots[i] = ((uint64_t)h32 << 32) | (e + 1);
	}
	tx_huge_free(m->slots, ((size_t)m->mask + 1) * sizeof(*m->slots));
	m->slots = slots;
	m->mask = mask;
}

int64_t tx_map_insert_h(struct tx_map *m, const void *key, size_t len, uint64_t h, int *created)
{
	uint32_t h32 = (uint32_t)h, i = h32 & m->mask, e;
	struct tx_map_entry *en;

	if (created)
		*created = 0;
	for (;;) {
		uint64_t s = m->slots[i];
		if (!s)
			break;
		if ((uint32_t)(s >> 32) == h32) {
			e = (uint32_t)s - 1;
			if (key_is(m, tx_map_entry(m, e), key, len))
				return e;
		}
		i = (i + 1) & m->mask;
	}
	if (m->count >= UINT32_MAX - 1 || len > UINT32_MAX)
		return tx_error("hash table full (%u entries)", m->count);
	if (m->count == m->cap) {
		uint32_t cap = m->cap ? m->cap * 2 : 16;
		m->entries = tx_huge_realloc(m->entries, (size_t)m->cap * m->stride,
					     (size_t)cap * m->stride);
		m->cap = cap;
	}
	e = m->count++;
	en = tx_map_entry(m, e);
	memset(en, 0, m->stride);
	en->hash = h32;
	en->key_len = (uint32_t)len;
	if (len < TX_MAP_INLINE_KEY) {
		if (len)
			memcpy(en->k.key, key, len);
	} else {
		if (m->arena_cap - m->arena_len < len + 1) {
			while (m->arena_cap - m->arena_len < len + 1)
				m->arena_cap = m->arena_cap ? m->arena_cap * 2 : 4096;
			m->arena = tx_realloc(m->arena, m->arena_cap);
		}
		en->k.key_off = m->arena_len;
		memcpy(m->arena + m->arena_len, key, len);
		m->arena[m->arena_len + len] = '\0';
		m->arena_len += len + 1;
	}
	m->slots[i] = ((uint64_t)h32 << 32) | (e + 1);
	if ((uint64_t)m->count * 4 > (uint64_t)(m->mask + 1) * 3)
		grow_slots(m);
	if (created)
		*created = 1;
	return e;
}

/* a[0..n) == b[0..n), in word compares for the short keys of accounts */
static inline int eq_bytes(const char *a, const char *b, size_t n)
{
	if (n >= 8 && n <= 16)
		return ((rd8((const unsigned char *)a) ^ rd8((const unsigned char *)b)) |
			(rd8((const unsigned char *)a + n - 8) ^
			 rd8((const unsigned char *)b + n - 8))) == 0;
	return !memcmp(a, b, n);
}

static inline int key3_is(const struct tx_map *m, const struct tx_map_entry *en, const char pre[3],
			  const void *key, size_t len)
{
	const char *k;

	if (en->key_len != len + 3)
		return 0;
	k = len + 3 < TX_MAP_INLINE_KEY ? en->k.key : m->arena + en->k.key_off;
	return k[0] == pre[0] && k[1] == pre[1] && k[2] == pre[2] && eq_bytes(k + 3, key, len);
}

int64_t tx_map_find3(const struct tx_map *m, const char pre[3], const void *key, size_t len,
		     uint64_t h)
{
	uint32_t h32 = (uint32_t)h, i = h32 & m->mask;

	for (;;) {
		uint64_t s = m->slots[i];
		if (!s)
			return -1;
		if ((uint32_t)(s >> 32) == h32) {
			uint32_t e = (uint32_t)s - 1;
			if (key3_is(m, tx_map_entry(m, e), pre, key, len))
				return e;
		}
		i = (i + 1) & m->mask;
	}
}

int64_t tx_map_insert3(struct tx_map *m, const char pre[3], const void *key, size_t len, uint64_t h,
		       int *created)
{
	char small[TX_MAP_INLINE_KEY], *full;
	int64_t e = tx_map_find3(m, pre, key, len, h);

	if (e >= 0) {
		if (created)
			*created = 0;
		return e;
	}
	/* absent: the rare path builds the whole key and inserts it */
	full = len + 3 <= sizeof(small) ? small : tx_malloc(len + 3);
	memcpy(full, pre, 3);
	memcpy(full + 3, key, len);
	e = tx_map_insert_h(m, full, len + 3, h, created);
	if (full != small)
		free(full);
	return e;
}

int64_t tx_map_insert(struct tx_map *m, const void *key, size_t len, int *created)
{
	return tx_map_insert_h(m, key, len, tx_hash64(key, len), created);
}
