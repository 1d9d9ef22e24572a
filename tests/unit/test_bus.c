/* The event bus (inbox bound, FIFO, wake-ups, transport vtable) and the broadcast queue. */
#include "events/bus.h"
#include "server/bcast.h"
#include "util/alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static int wakes;
static void count_wake(void *arg)
{
    (void)arg;
    wakes++;
}

static void publish_drain_fifo_and_one_wake_per_batch(void **state)
{
    (void)state;
    wakes = 0;
    bus_t *bus = bus_new(3, count_wake, NULL);
    assert_int_equal(bus_publish(bus, "error", json_pack("{s:i}", "n", 1)), BUS_OK);
    assert_int_equal(bus_publish(bus, "error", json_pack("{s:i}", "n", 2)), BUS_OK);
    assert_int_equal(bus_publish(bus, "error", json_pack("{s:i}", "n", 3)), BUS_OK);
    assert_int_equal(bus_publish(bus, "error", json_pack("{s:i}", "n", 4)), BUS_ERR_FULL);
    assert_int_equal(wakes, 1);
    assert_int_equal(bus_dropped(bus), 1);
    bus_event_t *list = bus_drain(bus);
    int n = 0;
    for(bus_event_t *ev = list; ev; ev = ev->next)
        assert_int_equal(json_integer_value(json_object_get(ev->data, "n")), ++n);
    assert_int_equal(n, 3);
    bus_event_free_list(list);
    assert_null(bus_drain(bus));
    assert_int_equal(bus_publish(bus, "x", NULL), BUS_OK);
    assert_int_equal(wakes, 2);
    char long_type[BUS_TYPE_MAX + 1];
    memset(long_type, 'a', sizeof(long_type) - 1);
    long_type[BUS_TYPE_MAX] = '\0';
    assert_int_equal(bus_publish(bus, long_type, json_object()), BUS_ERR_ARG);
    bus_free(bus);
}

struct fake_remote {
    int published;
};

static int remote_publish(void *impl, bus_t *bus, bus_event_t *ev)
{
    struct fake_remote *r = impl;
    r->published++;
    return bus_deliver(bus, ev); /* a real transport would go through NATS and come back here */
}

static void remote_destroy(void *impl)
{
    util_free(impl);
}

static void transport_is_replaceable_without_touching_producers(void **state)
{
    (void)state;
    static const bus_transport_ops_t ops = {"fake", remote_publish, remote_destroy};
    bus_t *bus = bus_new(8, NULL, NULL);
    struct fake_remote *r = util_calloc(1, sizeof(*r));
    bus_set_transport(bus, &ops, r);
    assert_int_equal(bus_publish(bus, "error", json_object()), BUS_OK);
    assert_int_equal(r->published, 1);
    bus_event_t *list = bus_drain(bus);
    assert_non_null(list);
    assert_string_equal(list->type, "error");
    bus_event_free_list(list);
    bus_free(bus);
}

static bcast_msg_t *msg(int n)
{
    json_t *data = json_pack("{s:i}", "n", n);
    bcast_msg_t *m = bcast_msg_encode(EV_ERROR, data, 1767323045678);
    json_decref(data);
    return m;
}

static int msg_n(const bcast_msg_t *m)
{
    json_t *env = json_loadb((const char *)BCAST_PAYLOAD(m), m->len, 0, NULL);
    int n = (int)json_integer_value(json_object_get(json_object_get(env, "data"), "n"));
    json_decref(env);
    return n;
}

static void encode_once_with_envelope_and_headroom(void **state)
{
    (void)state;
    bcast_msg_t *m = msg(7);
    assert_string_equal((const char *)BCAST_PAYLOAD(m),
                        "{\"type\":\"error\",\"data\":{\"n\":7},\"timestamp\":\"2026-01-02T03:04:05.678Z\"}");
    assert_int_equal(m->len, strlen((const char *)BCAST_PAYLOAD(m)));
    assert_int_equal(m->refs, 1);
    bcast_msg_ref(m);
    bcast_msg_unref(m);
    assert_int_equal(m->refs, 1);
    bcast_msg_unref(m);
}

/* The frame header sits right before the payload: 7-bit, 16-bit and 64-bit lengths, unmasked. */
static void frame_header_precedes_payload(void **state)
{
    (void)state;
    static const size_t sizes[] = {10, 200, 70000};
    for(size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char *text = calloc(1, sizes[i] + 1);
        memset(text, 'x', sizes[i]);
        json_t *data = json_pack("{s:s}", "t", text);
        bcast_msg_t *m = bcast_msg_encode(EV_ERROR, data, 0);
        json_decref(data);
        free(text);
        assert_non_null(m);
        const unsigned char *f = BCAST_FRAME(m);
        assert_int_equal(f[0], 0x81);
        assert_int_equal(BCAST_FRAME_LEN(m), m->frame_hdr + m->len);
        assert_ptr_equal(f + m->frame_hdr, BCAST_PAYLOAD(m));
        uint64_t len = 0;
        if(m->len < 126) {
            assert_int_equal(m->frame_hdr, 2);
            len = f[1];
        } else if(m->len <= 0xffff) {
            assert_int_equal(m->frame_hdr, 4);
            assert_int_equal(f[1], 126);
            len = ((uint64_t)f[2] << 8) | f[3];
        } else {
            assert_int_equal(m->frame_hdr, 10);
            assert_int_equal(f[1], 127);
            for(int b = 0; b < 8; b++)
                len = (len << 8) | f[2 + b];
        }
        assert_int_equal(len, m->len);
        bcast_msg_unref(m);
    }
}

static void cursors_walk_and_entries_free_when_passed(void **state)
{
    (void)state;
    bcast_queue_t q;
    assert_int_equal(bcast_init(&q, 8, 1 << 20), 0);
    uint64_t a, b;
    bcast_attach(&q, &a);
    for(int i = 0; i < 3; i++) {
        bcast_msg_t *m = msg(i);
        bcast_push(&q, m, 0, 1);
        bcast_msg_unref(m);
    }
    bcast_attach(&q, &b); /* joins at the tail: sees only what comes next */
    assert_null(bcast_peek(&q, &b));
    assert_int_equal(bcast_len(&q), 3);
    for(int i = 0; i < 3; i++) {
        const bcast_msg_t *m = bcast_peek(&q, &a);
        assert_non_null(m);
        assert_int_equal(msg_n(m), i);
        bcast_advance(&q, &a);
    }
    assert_null(bcast_peek(&q, &a));
    assert_int_equal(bcast_len(&q), 0); /* nobody needs them any more */
    bcast_msg_t *m = msg(9);
    bcast_push(&q, m, 0, 1);
    assert_int_equal(m->refs, 2); /* shared, not copied */
    bcast_detach(&q, &b);
    assert_int_equal(bcast_len(&q), 1);
    bcast_detach(&q, &a);
    assert_int_equal(bcast_len(&q), 0);
    assert_int_equal(m->refs, 1);
    bcast_msg_unref(m);
    bcast_free(&q);
}

static void superseded_entries_are_skipped(void **state)
{
    (void)state;
    bcast_queue_t q;
    assert_int_equal(bcast_init(&q, 16, 1 << 20), 0);
    uint64_t c;
    bcast_attach(&q, &c);
    int keys[] = {5, 6, 5, 0, 5};
    for(int i = 0; i < 5; i++) {
        bcast_msg_t *m = msg(i);
        bcast_push(&q, m, (uint64_t)keys[i], 0);
        bcast_msg_unref(m);
    }
    int seen[5], n = 0;
    const bcast_msg_t *m;
    while((m = bcast_peek(&q, &c))) {
        seen[n++] = msg_n(m);
        bcast_advance(&q, &c);
    }
    assert_int_equal(n, 3);
    assert_int_equal(seen[0], 1); /* key 6, never superseded */
    assert_int_equal(seen[1], 3); /* key 0 */
    assert_int_equal(seen[2], 4); /* the newest of key 5 */
    bcast_detach(&q, &c);
    bcast_free(&q);
}

static void lagging_cursor_catch_up_reports_critical_loss(void **state)
{
    (void)state;
    bcast_queue_t q;
    assert_int_equal(bcast_init(&q, 4, 1 << 20), 0);
    uint64_t slow;
    bcast_attach(&q, &slow);
    for(int i = 0; i < 4; i++) {
        bcast_msg_t *m = msg(i);
        bcast_push(&q, m, i < 2 ? 3 : 0, i == 3);
        bcast_msg_unref(m);
    }
    assert_true(bcast_full(&q, 10));
    uint64_t skipped = 0;
    /* entry 0 is superseded by 1 (same key): no real loss; entry 1 is the newest of its key: lost */
    assert_int_equal(bcast_catch_up(&q, &slow, q.head + 2, &skipped), 0);
    assert_int_equal(skipped, 1);
    bcast_drop_head(&q, q.head + 2);
    assert_int_equal(bcast_len(&q), 2);
    assert_false(bcast_full(&q, 10));
    assert_int_equal(bcast_catch_up(&q, &slow, q.head + 2, &skipped), -1); /* entry 3 is critical */
    bcast_detach(&q, &slow);
    bcast_free(&q);
}

static void byte_bound_counts_as_full(void **state)
{
    (void)state;
    bcast_queue_t q;
    bcast_msg_t *m = msg(1);
    assert_int_equal(bcast_init(&q, 64, m->len * 2), 0);
    uint64_t c;
    bcast_attach(&q, &c);
    assert_false(bcast_full(&q, m->len));
    bcast_push(&q, m, 0, 0);
    bcast_push(&q, m, 0, 0);
    assert_true(bcast_full(&q, m->len));
    bcast_detach(&q, &c);
    assert_false(bcast_full(&q, m->len));
    bcast_msg_unref(m);
    bcast_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(publish_drain_fifo_and_one_wake_per_batch),
        cmocka_unit_test(transport_is_replaceable_without_touching_producers),
        cmocka_unit_test(encode_once_with_envelope_and_headroom),
        cmocka_unit_test(frame_header_precedes_payload),
        cmocka_unit_test(cursors_walk_and_entries_free_when_passed),
        cmocka_unit_test(superseded_entries_are_skipped),
        cmocka_unit_test(lagging_cursor_catch_up_reports_critical_loss),
        cmocka_unit_test(byte_bound_counts_as_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
