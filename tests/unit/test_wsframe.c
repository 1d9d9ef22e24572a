#include "server/wsframe.h"
#include "server/wshand.h"
#include "util/alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* What the parser handed on: message bytes joined, and the events in order. */
typedef struct seen {
    unsigned char msg[70000];
    size_t msg_len;
    int messages, binary, firsts, controls, last_op;
    unsigned char ctrl[125];
    size_t ctrl_len;
    char events[64];
    size_t n_events;
    int stop_at_control;
} seen_t;

static void note(seen_t *s, char e)
{
    if(s->n_events + 1 < sizeof(s->events))
        s->events[s->n_events++] = e;
}

static int on_data(void *ud, int binary, int first, int last, const unsigned char *p, size_t len, uint64_t left)
{
    seen_t *s = ud;
    (void)left;
    if(first) {
        s->msg_len = 0;
        s->firsts++;
    }
    memcpy(s->msg + s->msg_len, p, len);
    s->msg_len += len;
    s->binary = binary;
    if(last) {
        s->messages++;
        note(s, binary ? 'B' : 'T');
    }
    return 0;
}

static int on_control(void *ud, int opcode, const unsigned char *p, size_t len)
{
    seen_t *s = ud;
    s->controls++;
    s->last_op = opcode;
    memcpy(s->ctrl, p, len);
    s->ctrl_len = len;
    note(s, opcode == WSF_PING ? 'P' : opcode == WSF_PONG ? 'O' : 'C');
    return s->stop_at_control;
}

static const wsframe_ops_t ops = {on_data, on_control};

/* A client frame: masked (unless mask is 0), the shortest length form unless `len_form` forces one. */
static size_t frame(unsigned char *out, unsigned b0, const void *payload, size_t n, int mask, int len_form)
{
    size_t h = 0;
    out[h++] = (unsigned char)b0;
    unsigned mbit = mask ? 0x80 : 0;
    int form = len_form ? len_form : n < 126 ? 1 : n < 65536 ? 2 : 3;
    if(form == 1) {
        out[h++] = (unsigned char)(mbit | n);
    } else if(form == 2) {
        out[h++] = (unsigned char)(mbit | 126);
        out[h++] = (unsigned char)(n >> 8);
        out[h++] = (unsigned char)n;
    } else {
        out[h++] = (unsigned char)(mbit | 127);
        for(int i = 7; i >= 0; i--)
            out[h++] = (unsigned char)((uint64_t)n >> (8 * i));
    }
    static const unsigned char key[4] = {0x12, 0x9a, 0x00, 0xff};
    if(mask) {
        memcpy(out + h, key, 4);
        h += 4;
    }
    for(size_t i = 0; i < n; i++)
        out[h + i] = (unsigned char)(((const unsigned char *)payload)[i] ^ (mask ? key[i % 4] : 0));
    return h + n;
}

static enum wsframe_result feed_split(seen_t *s, const unsigned char *bytes, size_t n, size_t step)
{
    static unsigned char copy[80000];
    memcpy(copy, bytes, n);
    wsframe_t f;
    wsframe_init(&f, 65536);
    memset(s, 0, sizeof(*s));
    for(size_t at = 0; at < n; at += step) {
        enum wsframe_result r = wsframe_feed(&f, copy + at, n - at < step ? n - at : step, &ops, s);
        if(r != WSF_OK)
            return r;
    }
    return WSF_OK;
}

/* Every split of a stream (a byte at a time up to whole) gives the same messages. */
static void test_fragmented_text_with_a_ping_between_at_every_split(void **state)
{
    (void)state;
    unsigned char b[512];
    size_t n = frame(b, 0x01, "{\"type\":", 8, 1, 0);
    n += frame(b + n, 0x89, "mid", 3, 1, 0);
    n += frame(b + n, 0x80, "\"get_stats\"}", 12, 1, 0);
    n += frame(b + n, 0x82, "\x00\x01", 2, 1, 0);
    n += frame(b + n, 0x81, "", 0, 1, 0);
    for(size_t step = 1; step <= n; step++) {
        seen_t s;
        assert_int_equal(feed_split(&s, b, n, step), WSF_OK);
        assert_int_equal(s.messages, 3);
        assert_int_equal(s.controls, 1);
        assert_string_equal(s.events, "PTBT");
        assert_int_equal(s.ctrl_len, 3);
        assert_memory_equal(s.ctrl, "mid", 3);
    }
    seen_t s;
    n = frame(b, 0x01, "{\"type\":", 8, 1, 0);
    n += frame(b + n, 0x80, "\"get_stats\"}", 12, 1, 0);
    assert_int_equal(feed_split(&s, b, n, 1), WSF_OK);
    assert_int_equal(s.msg_len, 20);
    assert_memory_equal(s.msg, "{\"type\":\"get_stats\"}", 20);
    assert_int_equal(s.firsts, 1);
}

typedef struct bad_case {
    const char *name;
    unsigned b0;
    const char *payload;
    size_t len;
    int mask, len_form;
    enum wsframe_result want;
} bad_case_t;

static void test_each_violation_fails_at_every_split(void **state)
{
    (void)state;
    static const bad_case_t cases[] = {
        {"unmasked", 0x81, "{}", 2, 0, 0, WSF_PROTOCOL},
        {"RSV1", 0xC1, "{}", 2, 1, 0, WSF_PROTOCOL},
        {"RSV2", 0xA1, "{}", 2, 1, 0, WSF_PROTOCOL},
        {"RSV3", 0x91, "{}", 2, 1, 0, WSF_PROTOCOL},
        {"reserved opcode 3", 0x83, "x", 1, 1, 0, WSF_PROTOCOL},
        {"reserved opcode 0xB", 0x8B, "x", 1, 1, 0, WSF_PROTOCOL},
        {"continuation without a start", 0x80, "x", 1, 1, 0, WSF_PROTOCOL},
        {"fragmented ping", 0x09, "abc", 3, 1, 0, WSF_PROTOCOL},
        {"ping of 126 bytes", 0x89, NULL, 126, 1, 0, WSF_DROP},
        {"16-bit length for 5 bytes", 0x81, "hello", 5, 1, 2, WSF_PROTOCOL},
        {"64-bit length for 5 bytes", 0x81, "hello", 5, 1, 3, WSF_PROTOCOL},
        {"invalid UTF-8", 0x81, "{\"a\":\"\xff\xfe\"}", 10, 1, 0, WSF_BAD_UTF8},
        {"overlong UTF-8", 0x81, "\xc0\xaf", 2, 1, 0, WSF_BAD_UTF8},
        {"UTF-16 surrogate", 0x81, "\xed\xa0\x80", 3, 1, 0, WSF_BAD_UTF8},
        {"past U+10FFFF", 0x81, "\xf4\x90\x80\x80", 4, 1, 0, WSF_BAD_UTF8},
        {"truncated sequence at the end", 0x81, "ok\xe2\x82", 4, 1, 0, WSF_BAD_UTF8},
        {"65537 bytes", 0x81, NULL, 65537, 1, 0, WSF_TOO_BIG},
    };
    static unsigned char payload[70000], b[70100];
    memset(payload, ' ', sizeof(payload));
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const bad_case_t *c = &cases[i];
        size_t n = frame(b, c->b0, c->payload ? c->payload : (const char *)payload, c->len, c->mask, c->len_form);
        for(size_t step = 1; step <= n && step < 64; step++) {
            seen_t s;
            enum wsframe_result r = feed_split(&s, b, n, step);
            if(r != c->want)
                fail_msg("%s, split every %zu bytes: %d, expected %d", c->name, step, r, c->want);
            assert_int_equal(s.messages, 0);
        }
    }
}

static void test_sequence_and_size_rules(void **state)
{
    (void)state;
    static unsigned char b[140000], big[70000];
    memset(big, ' ', sizeof(big));
    seen_t s;
    /* a new text frame inside a fragmented message */
    size_t n = frame(b, 0x01, "{\"a\":", 5, 1, 0);
    n += frame(b + n, 0x81, "1}", 2, 1, 0);
    assert_int_equal(feed_split(&s, b, n, n), WSF_PROTOCOL);
    /* invalid UTF-8 split across fragments */
    n = frame(b, 0x01, "ok\xe2\x82", 4, 1, 0);
    n += frame(b + n, 0x80, "\x28", 1, 1, 0);
    assert_int_equal(feed_split(&s, b, n, 1), WSF_BAD_UTF8);
    /* a valid 3-byte character split across fragments */
    n = frame(b, 0x01, "\"\xe2\x82", 3, 1, 0);
    n += frame(b + n, 0x80, "\xac\"", 2, 1, 0);
    assert_int_equal(feed_split(&s, b, n, 1), WSF_OK);
    assert_int_equal(s.messages, 1);
    /* exactly the limit, in two fragments, then one byte over */
    n = frame(b, 0x01, big, 30000, 1, 0);
    n += frame(b + n, 0x80, big, 35536, 1, 0);
    assert_int_equal(feed_split(&s, b, n, 4096), WSF_OK);
    assert_int_equal(s.msg_len, 65536);
    n = frame(b, 0x01, big, 40000, 1, 0);
    n += frame(b + n, 0x80, big, 25537, 1, 0);
    assert_int_equal(feed_split(&s, b, n, 4096), WSF_TOO_BIG);
    assert_int_equal(s.messages, 0);
    /* a length of 2^63 and one of 2^64 - 1: refused from the header, before any payload */
    unsigned char huge[14] = {0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
    assert_int_equal(feed_split(&s, huge, sizeof(huge), 1), WSF_PROTOCOL);
    memset(huge + 2, 0x7F, 1);
    memset(huge + 3, 0xFF, 7);
    assert_int_equal(feed_split(&s, huge, sizeof(huge), 1), WSF_TOO_BIG);
    /* ping of exactly 125 bytes passes */
    n = frame(b, 0x89, big, 125, 1, 0);
    assert_int_equal(feed_split(&s, b, n, 7), WSF_OK);
    assert_int_equal(s.ctrl_len, 125);
}

static void test_a_callback_stops_the_parse(void **state)
{
    (void)state;
    unsigned char b[64];
    size_t n = frame(b, 0x88, "\x03\xe8", 2, 1, 0);
    n += frame(b + n, 0x81, "{}", 2, 1, 0);
    wsframe_t f;
    wsframe_init(&f, 65536);
    seen_t s;
    memset(&s, 0, sizeof(s));
    s.stop_at_control = 1;
    assert_int_equal(wsframe_feed(&f, b, n, &ops, &s), WSF_STOPPED);
    assert_int_equal(s.last_op, WSF_CLOSE);
    assert_int_equal(s.messages, 0);
}

static void test_utf8_validity(void **state)
{
    (void)state;
    assert_true(wsframe_utf8_valid((const unsigned char *)"", 0));
    assert_true(wsframe_utf8_valid((const unsigned char *)"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
    assert_true(wsframe_utf8_valid((const unsigned char *)"\xf4\x8f\xbf\xbf", 4));
    assert_false(wsframe_utf8_valid((const unsigned char *)"\xe0\x80\x80", 3));
    assert_false(wsframe_utf8_valid((const unsigned char *)"\xf5\x80\x80\x80", 4));
    assert_false(wsframe_utf8_valid((const unsigned char *)"\x80", 1));
    assert_false(wsframe_utf8_valid((const unsigned char *)"\xc3", 1));
}

/* RFC 6455 §1.3's example key and answer, then other keys (answers from Python's hashlib) with the
 * same context reused, and the RFC's again: each answer depends on its own key only. */
static void test_accept_key(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
        {"AQIDBAUGBwgJCgsMDQ4PEA==", "C/0nmHhBztSRGR1CwL6Tf4ZjwpY="},
        {"x3JJHMbDL1EzLkh9GBhXDw==", "HSmrc0sMlYUkAGmm5OPpG2HaGWk="},
        {"dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
    };
    wshand_sha1_t *h = wshand_sha1_new();
    assert_non_null(h);
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[29];
        assert_int_equal(wshand_accept(h, cases[i][0], out), 0);
        assert_string_equal(out, cases[i][1]);
    }
    wshand_sha1_free(h);
    wshand_sha1_free(NULL);
    util_alloc_fail_after(0);
    assert_null(wshand_sha1_new());
    util_alloc_fail_after(-1);
}

static void test_head_fields(void **state)
{
    (void)state;
    static const char head[] = "GET /admin/ws/dashboard?x=1 HTTP/1.1\r\nHost: a:1\r\nupgrade:  WebSocket \r\n"
                               "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                               "Sec-WebSocket-Version: 13\r\nOrigin: http://a:1\r\nX-Other: y\r\n\r\n";
    ws_request_t r;
    assert_int_equal(wshand_parse(head, sizeof(head) - 1, &r), 0);
    assert_true(r.is_get);
    assert_string_equal(r.path, "/admin/ws/dashboard");
    assert_string_equal(r.host_v, "a:1");
    assert_string_equal(r.upgrade_v, "WebSocket");
    assert_true(wshand_is_websocket(&r));
    assert_string_equal(r.key_v, "dGhlIHNhbXBsZSBub25jZQ==");
    assert_string_equal(r.origin_v, "http://a:1");
    assert_int_equal(r.xff, 0);
    static const char twice[] = "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n";
    assert_int_equal(wshand_parse(twice, sizeof(twice) - 1, &r), -1);
    static const char no_colon[] = "GET / HTTP/1.1\r\nHost\r\n\r\n";
    assert_int_equal(wshand_parse(no_colon, sizeof(no_colon) - 1, &r), -1);
    static const char http10[] = "GET / HTTP/1.0\r\n\r\n";
    assert_int_equal(wshand_parse(http10, sizeof(http10) - 1, &r), -1);
    static const char escaped[] = "GET /admin/ws/%64ashboard HTTP/1.1\r\n\r\n";
    assert_int_equal(wshand_parse(escaped, sizeof(escaped) - 1, &r), -1);
    static const char no_conn[] = "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: close\r\n\r\n";
    assert_int_equal(wshand_parse(no_conn, sizeof(no_conn) - 1, &r), 0);
    assert_false(wshand_is_websocket(&r));
    char long_origin[600];
    int n = snprintf(long_origin, sizeof(long_origin), "GET / HTTP/1.1\r\nOrigin: http://%0300d\r\n\r\n", 0);
    assert_int_equal(wshand_parse(long_origin, (size_t)n, &r), 0);
    assert_int_equal(r.origin, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fragmented_text_with_a_ping_between_at_every_split),
        cmocka_unit_test(test_each_violation_fails_at_every_split),
        cmocka_unit_test(test_sequence_and_size_rules),
        cmocka_unit_test(test_a_callback_stops_the_parse),
        cmocka_unit_test(test_utf8_validity),
        cmocka_unit_test(test_accept_key),
        cmocka_unit_test(test_head_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
