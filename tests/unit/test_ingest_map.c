#include "ingest/map.h"
#include "util/alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#define NKEYS 20000

typedef struct item {
    size_t len;
    char key[24];
} item_t;

static const void *item_key(const void *p, size_t *len)
{
    const item_t *it = p;
    *len = it->len;
    return it->key;
}

static item_t items[NKEYS];

static void make_items(void)
{
    for(size_t i = 0; i < NKEYS; i++) {
        int n = snprintf(items[i].key, sizeof(items[i].key), "T%zu.col", i * 7919);
        items[i].len = (size_t)n;
    }
}

static void finds_what_was_put_and_nothing_else(void **state)
{
    (void)state;
    make_items();
    map_t m;
    map_init(&m, item_key, NULL, NULL);
    assert_null(map_get(&m, "x", 1));
    for(size_t i = 0; i < NKEYS; i++)
        assert_int_equal(map_put(&m, &items[i]), 0);
    assert_int_equal(m.n, NKEYS);
    assert_true(m.n * 4 <= m.cap * 3);
    for(size_t i = 0; i < NKEYS; i++)
        assert_ptr_equal(map_get(&m, items[i].key, items[i].len), &items[i]);
    /* a prefix, a longer key and a key with a NUL are other keys */
    assert_null(map_get(&m, items[5].key, items[5].len - 1));
    assert_null(map_get(&m, "T0.colx", 7));
    assert_null(map_get(&m, "T0.col\0", 7));
    map_free(&m, NULL);
    assert_int_equal(m.n, 0);
    assert_null(map_get(&m, items[0].key, items[0].len));
}

/* Removal shifts later items of a probe run back: every other item must stay reachable. */
static void removal_keeps_every_other_item_reachable(void **state)
{
    (void)state;
    make_items();
    map_t m;
    map_init(&m, item_key, NULL, NULL);
    char present[NKEYS];
    memset(present, 1, sizeof(present));
    for(size_t i = 0; i < NKEYS; i++)
        assert_int_equal(map_put(&m, &items[i]), 0);
    uint32_t x = 12345;
    for(int round = 0; round < 4 * NKEYS; round++) {
        x = x * 1103515245u + 12345u;
        size_t i = (x >> 8) % NKEYS;
        if(present[i]) {
            map_remove(&m, &items[i]);
            present[i] = 0;
        } else {
            assert_int_equal(map_put(&m, &items[i]), 0);
            present[i] = 1;
        }
        if(round % 997 == 0) {
            size_t n = 0;
            for(size_t k = 0; k < NKEYS; k++) {
                n += (size_t)present[k];
                assert_ptr_equal(map_get(&m, items[k].key, items[k].len), present[k] ? &items[k] : NULL);
            }
            assert_int_equal(m.n, n);
        }
    }
    /* removing an absent item changes nothing */
    for(size_t k = 0; k < NKEYS; k++) {
        if(!present[k]) {
            size_t n = m.n;
            map_remove(&m, &items[k]);
            assert_int_equal(m.n, n);
            break;
        }
    }
    map_free(&m, NULL);
}

static int freed;

static void count_free(void *p)
{
    (void)p;
    freed++;
}

static void free_visits_each_item_once_and_growth_failure_keeps_the_table(void **state)
{
    (void)state;
    make_items();
    map_t m;
    map_init(&m, item_key, NULL, NULL);
    size_t i = 0;
    for(; i < 768; i++) /* three quarters of the first table */
        assert_int_equal(map_put(&m, &items[i]), 0);
    util_alloc_fail_after(0);
    assert_int_equal(map_put(&m, &items[i]), -1);
    util_alloc_fail_after(-1);
    assert_int_equal(m.n, 768);
    for(size_t k = 0; k < 768; k++)
        assert_ptr_equal(map_get(&m, items[k].key, items[k].len), &items[k]);
    assert_null(map_get(&m, items[i].key, items[i].len));
    assert_int_equal(map_bytes(&m), m.cap * sizeof(map_slot_t) + m.own_cap * sizeof(void *));
    freed = 0;
    map_free(&m, count_free);
    assert_int_equal(freed, 768);
}

/*
 * Every byte of a key reaches its hash, at every length the blocks and the overlapping tail reads
 * cover (0 to 80 bytes), and similar names spread over the low bits a table of 2^15 slots uses.
 */
static void every_byte_counts_and_similar_names_spread(void **state)
{
    (void)state;
    map_t m;
    map_init(&m, item_key, NULL, NULL);
    unsigned char key[80];
    for(size_t i = 0; i < sizeof(key); i++)
        key[i] = (unsigned char)('a' + i % 26);
    for(size_t len = 0; len <= sizeof(key); len++) {
        uint64_t h = map_hash(&m, key, len);
        assert_int_equal(h, map_hash(&m, key, len));
        if(len < sizeof(key))
            assert_true(h != map_hash(&m, key, len + 1));
        for(size_t i = 0; i < len; i++) {
            for(int bit = 0; bit < 8; bit++) {
                key[i] ^= (unsigned char)(1u << bit);
                uint64_t g = map_hash(&m, key, len);
                key[i] ^= (unsigned char)(1u << bit);
                if(g == h)
                    fail_msg("flipping bit %d of byte %zu of a %zu-byte key left its hash", bit, i, len);
            }
        }
    }
    make_items();
    static unsigned char used[1 << 15];
    memset(used, 0, sizeof(used));
    size_t buckets = 0;
    for(size_t i = 0; i < NKEYS; i++) {
        size_t b = map_hash(&m, items[i].key, items[i].len) & ((1u << 15) - 1);
        buckets += !used[b];
        used[b] = 1;
    }
    /* uniform hashing fills 32768 * (1 - e^(-20000/32768)) = 14,900 of them */
    if(buckets < 14300)
        fail_msg("20000 names fill %zu of 32768 buckets", buckets);
    map_free(&m, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_byte_counts_and_similar_names_spread),
        cmocka_unit_test(finds_what_was_put_and_nothing_else),
        cmocka_unit_test(removal_keeps_every_other_item_reachable),
        cmocka_unit_test(free_visits_each_item_once_and_growth_failure_keeps_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
