#include "server/sendbatch.h"
#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#define PAIRS 300 /* more than one SENDBATCH_DEPTH */

static int pairs[PAIRS][2];

static void open_pairs(void)
{
    for(int i = 0; i < PAIRS; i++) {
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pairs[i]), 0);
        fcntl(pairs[i][1], F_SETFL, O_NONBLOCK);
    }
}

static void close_pairs(void)
{
    for(int i = 0; i < PAIRS; i++) {
        close(pairs[i][0]);
        if(pairs[i][1] >= 0)
            close(pairs[i][1]);
    }
}

/* Every socket gets its own bytes, in item order, in both paths; the results say what each took. */
static void each_socket_gets_its_bytes_in_order(int use_uring)
{
    sendbatch_t *sb = sendbatch_new(use_uring);
    assert_non_null(sb);
    if(use_uring && !sendbatch_uses_uring(sb))
        print_message("io_uring unavailable here: the plain path is tested twice\n");
    open_pairs();
    static char msgs[PAIRS][16];
    static sendbatch_item_t items[PAIRS + 1];
    for(int i = 0; i < PAIRS; i++) {
        snprintf(msgs[i], sizeof(msgs[i]), "frame %d;", i);
        items[i] = (sendbatch_item_t){pairs[i][0], msgs[i], strlen(msgs[i]), 0};
    }
    /* a second item to socket 7, after the first: it must arrive after it */
    items[PAIRS] = (sendbatch_item_t){pairs[7][0], "again;", 6, 0};
    sendbatch_run(sb, items, PAIRS + 1);
    for(int i = 0; i < PAIRS; i++) {
        assert_int_equal(items[i].result, (ssize_t)strlen(msgs[i]));
        char got[64] = {0};
        ssize_t r = read(pairs[i][1], got, sizeof(got) - 1);
        char want[64];
        snprintf(want, sizeof(want), i == 7 ? "%sagain;" : "%s", msgs[i]);
        assert_int_equal(r, (ssize_t)strlen(want));
        assert_string_equal(got, want);
    }
    assert_int_equal(items[PAIRS].result, 6);
    close_pairs();
    sendbatch_free(sb);
}

static void order_and_bytes_uring(void **state)
{
    (void)state;
    each_socket_gets_its_bytes_in_order(1);
}

static void order_and_bytes_plain(void **state)
{
    (void)state;
    each_socket_gets_its_bytes_in_order(0);
}

/* A full socket answers -EAGAIN at once (never a wait), a closed peer -EPIPE, a bad descriptor -EBADF. */
static void failures_are_reported_per_item(int use_uring)
{
    sendbatch_t *sb = sendbatch_new(use_uring);
    assert_non_null(sb);
    int full[2], gone[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, full), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, gone), 0);
    int small = 4096;
    setsockopt(full[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    static char junk[65536];
    while(send(full[0], junk, sizeof(junk), MSG_DONTWAIT) > 0)
        ;
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    close(gone[1]);
    int bad = dup(gone[0]);
    close(bad);
    sendbatch_item_t items[4] = {
        {full[0], "x", 1, 0},
        {gone[0], "y", 1, 0},
        {bad, "z", 1, 0},
        {full[1], "ok", 2, 0},
    };
    sendbatch_run(sb, items, 4);
    assert_int_equal(items[0].result, -EAGAIN);
    assert_int_equal(items[1].result, -EPIPE);
    assert_int_equal(items[2].result, -EBADF);
    assert_int_equal(items[3].result, 2);
    close(full[0]);
    close(full[1]);
    close(gone[0]);
    sendbatch_free(sb);
}

static void failures_uring(void **state)
{
    (void)state;
    failures_are_reported_per_item(1);
}

static void failures_plain(void **state)
{
    (void)state;
    failures_are_reported_per_item(0);
}

static void empty_batch_and_out_of_memory(void **state)
{
    (void)state;
    sendbatch_t *sb = sendbatch_new(1);
    assert_non_null(sb);
    sendbatch_run(sb, NULL, 0);
    sendbatch_free(sb);
    util_alloc_fail_after(0);
    assert_null(sendbatch_new(1));
    util_alloc_fail_after(-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_and_bytes_uring),
        cmocka_unit_test(order_and_bytes_plain),
        cmocka_unit_test(failures_uring),
        cmocka_unit_test(failures_plain),
        cmocka_unit_test(empty_batch_and_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
