/* Open-addressing string map: see hashmap.h. */
#define _GNU_SOURCE /* mremap */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hashmap.h"
#include "tx.h"

uint64_t tx_hash64(const void *data, size_t n)
{
	return tx_hash64_inline(data, n);
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

void tx_map_clear(struct tx_map *m)
{
	if (!m->count)
		return;
	memset(m->slots, 0, ((size_t)m->mask + 1) * sizeof(*m->slots));
	/* add_entry() counts on the entries past count being zero */
	memset(m->entries, 0, (size_t)m->count * m->stride);
	m->count = 0;
	m->arena_len = 0;
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

/* The entry of key, or -1 with *free set to the slot where its probe run ends. */
static inline int64_t probe_h(const struct tx_map *m, const void *key, size_t len, uint64_t h,
			      uint32_t *free)
{
	uint32_t h32 = (uint32_t)h, i = h32 & m->mask;

	for (;;) {
		uint64_t s = m->slots[i];
		if (!s) {
			*free = i;
			return -1;
		}
		if ((uint32_t)(s >> 32) == h32) {
			uint32_t e = (uint32_t)s - 1;
			if (key_is(m, tx_map_entry(m, e), key, len))
				return e;
		}
		i = (i + 1) & m->mask;
	}
}

int64_t tx_map_find_h(const struct tx_map *m, const void *key, size_t len, uint64_t h)
{
	uint32_t free;
	return probe_h(m, key, len, h, &free);
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

/*
 * Add an entry with a key of len bytes in free slot i: where the caller
 * copies the key to, with *e set to the entry number; NULL (after
 * tx_error()) when the map is full.
 */
static inline __attribute__((always_inline)) char *add_entry(struct tx_map *m, uint32_t i,
							     uint32_t h32, size_t len, int64_t *e)
{
	struct tx_map_entry *en;
	char *k;

	if (m->count >= UINT32_MAX - 1 || len > UINT32_MAX) {
		*e = tx_error("hash table full (%u entries)", m->count);
		return NULL;
	}
	if (m->count == m->cap) {
		uint32_t cap = m->cap ? m->cap * 2 : 16;
		m->entries = tx_huge_realloc(m->entries, (size_t)m->cap * m->stride,
					     (size_t)cap * m->stride);
		m->cap = cap;
	}
	*e = m->count++;
	en = tx_map_entry(m, (uint32_t)*e);
	/*
	 * No memset: the entries past count are zero (tx_huge_realloc() zeroes
	 * what it adds and no entry is ever removed), so the value is zeroed
	 * and a short key NUL-padded already.
	 */
	en->hash = h32;
	en->key_len = (uint32_t)len;
	if (len < TX_MAP_INLINE_KEY) {
		k = en->k.key;
	} else {
		if (m->arena_cap - m->arena_len < len + 1) {
			while (m->arena_cap - m->arena_len < len + 1)
				m->arena_cap = m->arena_cap ? tx_st_mult(m->arena_cap, 2) : 4096;
			m->arena = tx_realloc(m->arena, m->arena_cap);
		}
		en->k.key_off = m->arena_len;
		k = m->arena + m->arena_len;
		k[len] = '\0';
		m->arena_len += len + 1;
	}
	m->slots[i] = ((uint64_t)h32 << 32) | (uint64_t)(*e + 1);
	if ((uint64_t)m->count * 4 > (uint64_t)(m->mask + 1) * 3)
		grow_slots(m);
	return k;
}

int64_t tx_map_insert_h(struct tx_map *m, const void *key, size_t len, uint64_t h, int *created)
{
	uint32_t i;
	int64_t e = probe_h(m, key, len, h, &i);
	char *k;

	if (created)
		*created = 0;
	if (e >= 0)
		return e;
	k = add_entry(m, i, (uint32_t)h, len, &e);
	if (!k)
		return e;
	if (len)
		memcpy(k, key, len);
	if (created)
		*created = 1;
	return e;
}

int64_t tx_map_find3(const struct tx_map *m, const char pre[3], const void *key, size_t len,
		     uint64_t h)
{
	uint32_t free;
	return tx_map_probe3(m, pre, key, len, h, &free);
}

int64_t tx_map_add3(struct tx_map *m, uint32_t free, const char pre[3], const void *key, size_t len,
		    uint64_t h)
{
	int64_t e;
	char *k = add_entry(m, free, (uint32_t)h, len + 3, &e);

	if (k) {
		memcpy(k, pre, 3);
		if (len >= 8 && len <= 16) { /* two overlapping words: within both keys */
			memcpy(k + 3, key, 8);
			memcpy(k + 3 + len - 8, (const char *)key + len - 8, 8);
		} else {
			memcpy(k + 3, key, len);
		}
	}
	return e;
}

int64_t tx_map_insert3(struct tx_map *m, const char pre[3], const void *key, size_t len, uint64_t h,
		       int *created)
{
	uint32_t free;
	int64_t e = tx_map_probe3(m, pre, key, len, h, &free);

	if (created)
		*created = 0;
	if (e >= 0)
		return e;
	e = tx_map_add3(m, free, pre, key, len, h);
	if (e >= 0 && created)
		*created = 1;
	return e;
}

int64_t tx_map_insert(struct tx_map *m, const void *key, size_t len, int *created)
{
	return tx_map_insert_h(m, key, len, tx_hash64(key, len), created);
}
