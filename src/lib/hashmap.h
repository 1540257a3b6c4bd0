/*
 * hashmap.h: a fast map from byte-string keys to fixed-size values.
 *
 * Open addressing with linear probing over a power-of-two slot array, kept at
 * most 3/4 full. Each slot is 8 bytes (32 bits of the key's hash, 32 bits of
 * entry number), so a probe rarely touches an entry whose key does not match.
 * Entries live in insertion order in a dense array; their keys are copied
 * into one growing arena and their values into a second dense array of
 * value_size bytes each. Nothing is allocated per insertion: the arrays grow
 * by doubling (realloc, so untouched capacity costs address space, not
 * memory).
 *
 * Entries are named by their number (0, 1, 2, ... in insertion order), which
 * stays valid for the map's life; pointers returned by tx_map_value() are
 * valid only until the next insertion. There is no removal: drop the whole
 * map with tx_map_release().
 *
 * Memory per entry: 12 bytes of entry header, the key's bytes, value_size,
 * and 8/load bytes of slot (10.7 to 21.3 bytes at load 3/4 to 3/8).
 */
#ifndef TX_HASHMAP_H
#define TX_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * A 64-bit hash of n bytes (a wyhash-style multiply-mix). Not
 * cryptographic: any two different keys collide with probability ~2^-64.
 */
uint64_t tx_hash64(const void *p, size_t n);

struct tx_map_entry {
	uint32_t hash; /* low 32 bits of tx_hash64(key) */
	uint32_t key_off;
	uint32_t key_len;
};

struct tx_map {
	uint64_t *slots; /* 0 empty, else (hash << 32) | (entry number + 1) */
	uint32_t mask;	 /* slot count - 1 */
	uint32_t count;	 /* entries */
	uint32_t cap;	 /* entries the arrays have room for */
	size_t value_size;
	struct tx_map_entry *entries;
	char *values;
	char *arena; /* keys, back to back, each followed by a NUL */
	size_t arena_len, arena_cap;
};

/* An empty map whose values are value_size bytes each (may be 0: a set). */
void tx_map_init(struct tx_map *m, size_t value_size);
void tx_map_release(struct tx_map *m);

/* The entry number of key, or -1 when absent. */
int64_t tx_map_find(const struct tx_map *m, const void *key, size_t len);
/*
 * The entry number of key, inserting it with a zeroed value when absent
 * (*created then set to 1, else 0; created may be NULL). The key is copied.
 * Returns -1 (after tx_error) only when the map would exceed 2^32-2 entries
 * or 4 GiB of keys.
 */
int64_t tx_map_insert(struct tx_map *m, const void *key, size_t len, int *created);

static inline void *tx_map_value(const struct tx_map *m, uint32_t i)
{
	return m->values + (size_t)i * m->value_size;
}
/* The key of entry i (NUL-terminated in the arena; *len set when len != NULL). */
static inline const char *tx_map_key(const struct tx_map *m, uint32_t i, size_t *len)
{
	if (len)
		*len = m->entries[i].key_len;
	return m->arena + m->entries[i].key_off;
}

#endif
