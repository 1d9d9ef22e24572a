/* Per-IP connection counts: IPv4 per address, IPv6 per network prefix. */
#include "server/iplimit.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void ipv6_addresses_of_one_64_share_a_count(void **state)
{
    (void)state;
    iplimit_t *l = iplimit_new(64);
    assert_non_null(l);
    assert_int_equal(iplimit_add(l, "2001:db8:1:2::1"), 1);
    assert_int_equal(iplimit_add(l, "2001:db8:1:2:ffff:ffff:ffff:ffff"), 2);
    assert_int_equal(iplimit_add(l, "2001:0db8:0001:0002:0000:0000:0000:0009"), 3);
    assert_int_equal(iplimit_count(l, "2001:db8:1:2::abcd"), 3);
    /* the neighbouring /64 is another client */
    assert_int_equal(iplimit_count(l, "2001:db8:1:3::1"), 0);
    assert_int_equal(iplimit_add(l, "2001:db8:1:3::1"), 1);
    assert_int_equal(iplimit_size(l), 2);
    char key[IPLIMIT_ADDR_MAX];
    iplimit_key(l, "2001:db8:1:2:aaaa:bbbb:cccc:dddd", key);
    assert_string_equal(key, "2001:db8:1:2::/64");
    iplimit_remove(l, "2001:db8:1:2::77"); /* any address of the network releases one */
    assert_int_equal(iplimit_count(l, "2001:db8:1:2::1"), 2);
    iplimit_remove(l, "2001:db8:1:2::1");
    iplimit_remove(l, "2001:db8:1:2::1");
    assert_int_equal(iplimit_size(l), 1);
    iplimit_free(l);
}

static void ipv4_counts_per_address_and_prefix_is_configurable(void **state)
{
    (void)state;
    iplimit_t *l = iplimit_new(128);
    assert_int_equal(iplimit_add(l, "2001:db8::1"), 1);
    assert_int_equal(iplimit_add(l, "2001:db8::2"), 1);
    assert_int_equal(iplimit_add(l, "10.0.0.1"), 1);
    assert_int_equal(iplimit_add(l, "10.0.0.2"), 1);
    assert_int_equal(iplimit_add(l, "10.0.0.1"), 2);
    iplimit_free(l);

    l = iplimit_new(48);
    assert_int_equal(iplimit_add(l, "2001:db8:1:2::1"), 1);
    assert_int_equal(iplimit_add(l, "2001:db8:1:ffff::1"), 2);
    assert_int_equal(iplimit_add(l, "2001:db8:2::1"), 1);
    char key[IPLIMIT_ADDR_MAX];
    iplimit_key(l, "2001:db8:1:ff7f::1", key);
    assert_string_equal(key, "2001:db8:1::/48");
    iplimit_free(l);

    l = iplimit_new(60); /* a prefix that ends inside a byte */
    iplimit_key(l, "2001:db8:1:2ff::1", key);
    assert_string_equal(key, "2001:db8:1:2f0::/60");
    iplimit_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ipv6_addresses_of_one_64_share_a_count),
        cmocka_unit_test(ipv4_counts_per_address_and_prefix_is_configurable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
