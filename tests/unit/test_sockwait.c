/* Deadlines for a thread's blocking socket calls (libgit2's): recv, send and connect cut in time. */
#include "server/sockwait.h"

#include "server/lws_status.h"
#include "server/reqguard.h"

#include "util/timefmt.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#define WAIT_MS 300

static atomic_int stop;

static void pair(int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void recv_and_send_are_cut_at_the_deadline(void **state)
{
    (void)state;
    int sv[2];
    char b[4096] = {0};
    pair(sv);
    int64_t t0 = time_mono_ms();
    sockwait_begin(t0 + WAIT_MS, &stop);
    assert_int_equal(recv(sv[0], b, sizeof(b), 0), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_int_equal(sockwait_cut(), ETIMEDOUT);
    assert_true(time_mono_ms() - t0 >= WAIT_MS);
    /* the peer stops reading: fill its socket, then a blocking send waits for the deadline */
    int fl = fcntl(sv[0], F_GETFL);
    fcntl(sv[0], F_SETFL, fl | O_NONBLOCK);
    while(send(sv[0], b, sizeof(b), 0) > 0)
        ;
    fcntl(sv[0], F_SETFL, fl);
    t0 = time_mono_ms();
    sockwait_begin(t0 + WAIT_MS, &stop);
    assert_int_equal(send(sv[0], b, sizeof(b), 0), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_true(time_mono_ms() - t0 >= WAIT_MS);
    sockwait_end();
    close(sv[0]);
    close(sv[1]);
}

static void ready_and_non_blocking_sockets_pass_through(void **state)
{
    (void)state;
    int sv[2];
    char b[8];
    pair(sv);
    assert_int_equal(send(sv[1], "abc", 3, 0), 3);
    sockwait_begin(time_mono_ms() + WAIT_MS, &stop);
    assert_int_equal(recv(sv[0], b, sizeof(b), 0), 3);
    assert_int_equal(sockwait_cut(), 0);
    /* a non-blocking socket is answered at once, as its owner expects */
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    assert_int_equal(recv(sv[0], b, sizeof(b), 0), -1);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    assert_int_equal(sockwait_cut(), 0);
    sockwait_end();
    close(sv[0]);
    close(sv[1]);
}

static void a_cancel_ends_the_wait(void **state)
{
    (void)state;
    int sv[2];
    char b[8];
    pair(sv);
    atomic_store(&stop, 1);
    int64_t t0 = time_mono_ms();
    sockwait_begin(t0 + 60000, &stop);
    assert_int_equal(recv(sv[0], b, sizeof(b), 0), -1);
    assert_int_equal(errno, ECANCELED);
    assert_int_equal(sockwait_cut(), ECANCELED);
    assert_true(time_mono_ms() - t0 < 30000);
    sockwait_end();
    atomic_store(&stop, 0);
    close(sv[0]);
    close(sv[1]);
}

static void connect_is_cut_when_the_listener_never_takes_it(void **state)
{
    (void)state;
    int lsn = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(at);
    assert_int_equal(bind(lsn, (struct sockaddr *)&at, sizeof(at)), 0);
    assert_int_equal(getsockname(lsn, (struct sockaddr *)&at, &len), 0);
    assert_int_equal(listen(lsn, 0), 0);
    /* an accept queue of one, never accepted: later handshakes are dropped and retried by the kernel */
    int fds[4], cut_at = -1;
    for(int i = 0; i < 4 && cut_at < 0; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        sockwait_begin(time_mono_ms() + WAIT_MS, &stop);
        if(connect(fds[i], (struct sockaddr *)&at, sizeof(at)) == 0) {
            assert_int_equal(fcntl(fds[i], F_GETFL) & O_NONBLOCK, 0); /* blocking again */
        } else {
            assert_int_equal(errno, ETIMEDOUT);
            cut_at = i;
        }
        sockwait_end();
    }
    assert_true(cut_at >= 1);
    for(int i = 0; i <= cut_at; i++)
        close(fds[i]);
    close(lsn);
}

int main(void)
{
    /* The waiting recv() and send() are theirs: referenced, so a sanitizer's own do not come first. */
    assert_non_null(reqguard_watch);
    assert_non_null(lws_status_init);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recv_and_send_are_cut_at_the_deadline),
        cmocka_unit_test(ready_and_non_blocking_sockets_pass_through),
        cmocka_unit_test(a_cancel_ends_the_wait),
        cmocka_unit_test(connect_is_cut_when_the_listener_never_takes_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
