/*
 * hashmap.h: a fast map from byte-string keys to fixed-size values.
 *
 * Open addressing with linear probing over a power-of-two slot array, kept at
 * most 3/4 full. Each slot is 8 bytes (32 bits of the key's hash, 32 bits of
 * entry number), so a probe rarely touches an entry whose key does not match.
 * Entries live in insertion order in one dense array: a 32-byte header (the
 * hash, the key's length, and the key itself when it is shorter than 24
 * bytes, else its offset in a key arena) followed by the value, value_size bytes
 * rounded up to 8. A lookup of a short key thus touches one slot and one
 * entry, nothing else. Nothing is allocated per insertion: the arrays grow by
 * doubling (realloc, so untouched capacity costs address space, not memory).
 *
 * Entries are named by their number (0, 1, 2, ... in insertion order), which
 * stays valid for the map's life; pointers returned by tx_map_value() and
 * tx_map_key() are valid only until the next insertion. There is no
 * removal: drop the whole map with tx_map_release().
 *
 * Memory per entry: 32 bytes of header, the value, 8/load bytes of slot
 * (10.7 to 21.3 bytes at load 3/4 to 3/8), and len + 1 bytes of arena for a
 * key of 24 bytes or more.
 */
#ifndef TX_HASHMAP_H
#define TX_HASHMAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A 64-bit hash of n bytes (a wyhash-style multiply-mix). Not
 * cryptographic: any two different keys collide with probability ~2^-64.
 */
uint64_t tx_hash64(const void *p, size_t n);

/* The same function, inline for hot paths (tx_hash64() is this). */
static inline uint64_t tx_hash_mum_(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t tx_hash_rd_(const unsigned char *p, size_t n)
{
	uint64_t v8;
	uint32_t v4;

	if (n == 8) {
		memcpy(&v8, p, 8);
		return v8;
	}
	memcpy(&v4, p, 4);
	return v4;
}

static inline uint64_t tx_hash64_inline(const void *data, size_t n)
{
	const uint64_t p0 = 0xa0761d6478bd642fULL, p1 = 0xe7037ed1a0b428dbULL,
		       p2 = 0x8ebc6af09c88c6e3ULL;
	const unsigned char *p = data;
	uint64_t seed = p0 ^ tx_hash_mum_(n ^ p1, p2), a, b;
	size_t left = n;

	while (left > 16) {
		seed = tx_hash_mum_(tx_hash_rd_(p, 8) ^ p1, tx_hash_rd_(p + 8, 8) ^ seed);
		p += 16;
		left -= 16;
	}
	if (left >= 8) {
		a = tx_hash_rd_(p, 8);
		b = tx_hash_rd_(p + left - 8, 8);
	} else if (left >= 4) {
		a = tx_hash_rd_(p, 4);
		b = tx_hash_rd_(p + left - 4, 4);
	} else if (left > 0) {
		a = ((uint64_t)p[0] << 16) | ((uint64_t)p[left >> 1] << 8) | p[left - 1];
		b = 0;
	} else {
		a = b = 0;
	}
	return tx_hash_mum_(p1 ^ n, tx_hash_mum_(a ^ p1, b ^ seed));
}

#define TX_MAP_INLINE_KEY 24

struct tx_map_entry {
	uint32_t hash; /* low 32 bits of tx_hash64(key) */
	uint32_t key_len;
	union {
		char key[TX_MAP_INLINE_KEY]; /* key_len < TX_MAP_INLINE_KEY, NUL-padded */
		uint64_t key_off;	     /* else: its offset in the arena */
	} k;
};

struct tx_map {
	uint64_t *slots; /* 0 empty, else (hash << 32) | (entry number + 1) */
	uint32_t mask;	 /* slot count - 1 */
	uint32_t count;	 /* entries */
	uint32_t cap;	 /* entries the array has room for */
	size_t value_size;
	size_t stride; /* bytes per entry: header + value rounded up to 8 */
	char *entries;
	char *arena; /* long keys, back to back, each followed by a NUL */
	size_t arena_len, arena_cap;
};

/*
 * Zeroed memory for large tables: blocks of 1 MiB or more are mapped
 * directly and marked for transparent huge pages (madvise), so random
 * probes over hundreds of megabytes do not miss the TLB on every access;
 * smaller ones come from calloc. The caller passes the size back to
 * tx_huge_realloc() and tx_huge_free(). tx_huge_realloc() keeps the
 * contents and zeroes what it adds (a mapped block grows by mremap: only
 * the added pages are new). Out of memory is fatal, as in tx_malloc().
 */
void *tx_huge_calloc(size_t size);
void *tx_huge_realloc(void *p, size_t old_size, size_t new_size);
void tx_huge_free(void *p, size_t size);

/* An empty map whose values are value_size bytes each (may be 0: a set). */
void tx_map_init(struct tx_map *m, size_t value_size);
void tx_map_release(struct tx_map *m);
/* Remove every entry, keeping the memory for the next ones (a map reused per batch). */
void tx_map_clear(struct tx_map *m);

/* The entry number of key, or -1 when absent. */
int64_t tx_map_find(const struct tx_map *m, const void *key, size_t len);
/* As tx_map_find(), with h = tx_hash64(key, len) already computed. */
int64_t tx_map_find_h(const struct tx_map *m, const void *key, size_t len, uint64_t h);
/*
 * The entry number of key, inserting it with a zeroed value when absent
 * (*created then set to 1, else 0; created may be NULL). The key is copied.
 * Returns -1 (after tx_error) only when the map would exceed 2^32-2 entries.
 */
int64_t tx_map_insert(struct tx_map *m, const void *key, size_t len, int *created);
int64_t tx_map_insert_h(struct tx_map *m, const void *key, size_t len, uint64_t h, int *created);
/*
 * As tx_map_find_h() and tx_map_insert_h(), for the key that is the 3 bytes
 * at pre followed by the len bytes at key (a prefix such as a currency code:
 * the caller need not build the key). h is the caller's hash of the two,
 * the same function for every lookup and insertion of the map.
 */
int64_t tx_map_find3(const struct tx_map *m, const char pre[3], const void *key, size_t len,
		     uint64_t h);
int64_t tx_map_insert3(struct tx_map *m, const char pre[3], const void *key, size_t len, uint64_t h,
		       int *created);
/*
 * tx_map_insert3() in two steps, the lookup inline for hot paths:
 * tx_map_probe3() (below) returns the entry, or -1 with *free set to the
 * slot where the key goes; tx_map_add3() then inserts it there (the map
 * unchanged in between), with a zeroed value, returning the entry (-1 as
 * tx_map_insert_h()).
 */
int64_t tx_map_add3(struct tx_map *m, uint32_t free, const char pre[3], const void *key, size_t len,
		    uint64_t h);
/* Start loading the slot a key with hash h probes first (before a lookup). */
static inline void tx_map_prefetch(const struct tx_map *m, uint64_t h)
{
	__builtin_prefetch(&m->slots[(uint32_t)h & m->mask]);
}

static inline struct tx_map_entry *tx_map_entry(const struct tx_map *m, uint32_t i)
{
	return (struct tx_map_entry *)(m->entries + (size_t)i * m->stride);
}
static inline void *tx_map_value(const struct tx_map *m, uint32_t i)
{
	return m->entries + (size_t)i * m->stride + sizeof(struct tx_map_entry);
}
/* The key of entry i, NUL-terminated (*len set when len != NULL). */
static inline const char *tx_map_key(const struct tx_map *m, uint32_t i, size_t *len)
{
	const struct tx_map_entry *e = tx_map_entry(m, i);
	if (len)
		*len = e->key_len;
	return e->key_len < TX_MAP_INLINE_KEY ? e->k.key : m->arena + e->k.key_off;
}

/* a[0..n) == b[0..n), in word compares for the short keys of accounts */
static inline int tx_map_eq_bytes_(const char *a, const char *b, size_t n)
{
	if (n >= 8 && n <= 16)
		return ((tx_hash_rd_((const unsigned char *)a, 8) ^
			 tx_hash_rd_((const unsigned char *)b, 8)) |
			(tx_hash_rd_((const unsigned char *)a + n - 8, 8) ^
			 tx_hash_rd_((const unsigned char *)b + n - 8, 8))) == 0;
	return !memcmp(a, b, n);
}

static inline int64_t tx_map_probe3(const struct tx_map *m, const char pre[3], const void *key,
				    size_t len, uint64_t h, uint32_t *free)
{
	uint32_t h32 = (uint32_t)h, i = h32 & m->mask;

	for (;;) {
		uint64_t s = m->slots[i];
		if (!s) {
			*free = i;
			return -1;
		}
		if ((uint32_t)(s >> 32) == h32) {
			const struct tx_map_entry *en = tx_map_entry(m, (uint32_t)s - 1);
			const char *k =
			    len + 3 < TX_MAP_INLINE_KEY ? en->k.key : m->arena + en->k.key_off;
			if (en->key_len == len + 3 && k[0] == pre[0] && k[1] == pre[1] &&
			    k[2] == pre[2] && tx_map_eq_bytes_(k + 3, key, len))
				return (uint32_t)s - 1;
		}
		i = (i + 1) & m->mask;
	}
}

#endif
