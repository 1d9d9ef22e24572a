#include "server/reqscan.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

typedef struct scan_case {
    const char *name;
    const char *bytes;
    size_t len;
    enum reqscan_result want;
    const char *why; /* a word the reason must contain, for REQSCAN_BAD */
} scan_case_t;

/* the bytes and their length: some hold NULs */
#define B(literal) literal, sizeof(literal) - 1

static const scan_case_t cases[] = {
    {"plain GET", B("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), REQSCAN_OK, NULL},
    {"LF-only lines", B("GET / HTTP/1.1\nHost: a\n\n"), REQSCAN_OK, NULL},
    {"tab in a value", B("GET / HTTP/1.1\r\nX-A: a\tb\r\n\r\n"), REQSCAN_OK, NULL},
    {"obs-text in a value", B("GET / HTTP/1.1\r\nX-A: caf\xc3\xa9\r\n\r\n"), REQSCAN_OK, NULL},
    {"empty value", B("GET / HTTP/1.1\r\nX-A:\r\n\r\n"), REQSCAN_OK, NULL},
    {"line without colon", B("GET / HTTP/1.1\r\nHost: a\r\nFoo\r\n\r\n"), REQSCAN_BAD, "without ':'"},
    {"line without colon, LF only", B("GET / HTTP/1.1\nFoo\n\n"), REQSCAN_BAD, "without ':'"},
    {"obs-fold", B("GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n"), REQSCAN_BAD, "obs-fold"},
    {"obs-fold with a tab", B("GET / HTTP/1.1\r\nX-A: a\r\n\tb\r\n\r\n"), REQSCAN_BAD, "obs-fold"},
    {"space before colon", B("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), REQSCAN_BAD, "between"},
    {"NUL in a value", B("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n"), REQSCAN_BAD, "NUL"},
    {"NUL in a name", B("GET / HTTP/1.1\r\nX\0A: b\r\n\r\n"), REQSCAN_BAD, "field name"},
    {"bare CR in a value", B("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n"), REQSCAN_BAD, "bare CR"},
    {"bare CR ending the block", B("GET / HTTP/1.1\r\nX-A: a\r\n\rX"), REQSCAN_BAD, "bare CR"},
    {"bare CR in the request line", B("GET /\r HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "bare CR"},
    {"control byte in the request line", B("GET /\x01 HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "request line"},
    {"every tchar in a name", B("GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09azAZ: 1\r\n\r\n"), REQSCAN_OK, NULL},
    {"a separator in a name", B("GET / HTTP/1.1\r\nX(a): 1\r\n\r\n"), REQSCAN_BAD, "invalid byte"},
    {"a non-ASCII byte in a name", B("GET / HTTP/1.1\r\nX\xc3\xa9: 1\r\n\r\n"), REQSCAN_BAD, "invalid byte"},
    {"encoded NUL in the path", B("GET /a%00b HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "%00"},
    {"encoded NUL in the query", B("GET /a?q=%00 HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "%00"},
    {"%0 then a letter past F, %2500, %20, %7E: no control",
     B("GET /a%0g%2500%20%7E%8F%7g HTTP/1.1\r\nX-A: %00\r\n\r\n"), REQSCAN_OK, NULL},
    /* names are data: an encoded control asks for a name that holds it */
    {"encoded SOH in the path", B("GET /api/v1/nodes/a%01b HTTP/1.1\r\n\r\n"), REQSCAN_OK, NULL},
    {"encoded tab in the query", B("GET /a?q=%09x HTTP/1.1\r\n\r\n"), REQSCAN_OK, NULL},
    {"encoded ESC in lower case", B("GET /a?q=%1b HTTP/1.1\r\n\r\n"), REQSCAN_OK, NULL},
    {"encoded US", B("GET /a%1F HTTP/1.1\r\n\r\n"), REQSCAN_OK, NULL},
    {"encoded DEL in the path", B("GET /api/v1/lineage/a%7Fb HTTP/1.1\r\n\r\n"), REQSCAN_OK, NULL},
    {"encoded DEL in lower case, in the query", B("GET /a?q=%7f HTTP/1.1\r\n\r\n"), REQSCAN_OK, NULL},
    {"raw DEL in the path", B("GET /a\x7f HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "control character in the request line"},
    {"raw ESC in the query", B("GET /a?q=\x1b[2J HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "control character in the request line"},
    {"encoded LF in the path", B("GET /api/v1/nodes/a%0Ab HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "line feed (%0A)"},
    {"encoded LF in lower case", B("GET /a%0ab HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "line feed (%0A)"},
    {"encoded CR in the query", B("GET /a?q=x%0D HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "carriage return (%0D)"},
    {"encoded CR in lower case", B("GET /a%0d HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "carriage return (%0D)"},
    {"encoded LF, in a pipelined request", B("GET / HTTP/1.1\r\n\r\nGET /a%0A HTTP/1.1\r\n\r\n"), REQSCAN_BAD,
     "line feed (%0A)"},
    {"%0 apart from a hex digit, escapes in a value", B("GET /a%0%A0%1%7 HTTP/1.1\r\nX-A: %0A%0D%7F\r\n\r\n"),
     REQSCAN_OK, NULL},
    {"C1 CSI raw in the path", B("GET /api/v1/nodes/a\xc2\x9b" "b HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "(U+009B, UTF-8 C2 9B)"},
    {"C1 CSI escaped in the query", B("GET /a?q=%C2%9B HTTP/1.1\r\n\r\n"), REQSCAN_OK, NULL},
    {"C1 NEL, escape then raw", B("GET /a%c2\x85 HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "(U+0085"},
    {"C1 PAD, raw then escape", B("GET /a\xc2%80 HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "(U+0080"},
    {"C1 APC escaped, last of them", B("GET /a%C2%9f HTTP/1.1\r\n\r\n"), REQSCAN_OK, NULL},
    {"C1 escaped, then raw", B("GET /a%C2%85b\xc2\x9f HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "(U+009F, UTF-8 C2 9F) sent raw"},
    {"NBSP, (c), e acute, %9B alone, C2 apart: no C1",
     B("GET /a%C2%A0\xc2\xa9%C3%A9%9B%C2x%9B\xc2/\x9b?%C2&%9B HTTP/1.1\r\nX-A: \xc2\x9b\r\n\r\n"), REQSCAN_OK, NULL},
    {"raw C1 in a pipelined request", B("GET / HTTP/1.1\r\n\r\nGET /\xc2\x9b HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "U+009B"},
    {"empty name", B("GET / HTTP/1.1\r\n: a\r\n\r\n"), REQSCAN_BAD, "no field name"},
    {"escape byte in a value (RFC 9110 lets it be kept)", B("GET / HTTP/1.1\r\nX-A: \x1b[31m\r\n\r\n"), REQSCAN_OK,
     NULL},
    {"empty line first", B("\r\nGET / HTTP/1.1\r\n\r\n"), REQSCAN_BAD, "empty line"},
    {"upgrade: off", B("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n\x81\x00\r junk"), REQSCAN_OFF, NULL},
    {"chunked: off", B("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab\0de\r\n"), REQSCAN_OFF, NULL},
    {"two lengths: off", B("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx\0"), REQSCAN_OFF, NULL},
    {"length not a number: off", B("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n\0"), REQSCAN_OFF, NULL},
    {"length too long: off", B("POST / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n"), REQSCAN_OFF, NULL},
    {"body skipped by its length", B("POST / HTTP/1.1\r\ncontent-LENGTH: 5\r\n\r\n\0\r\n:\rGET / HTTP/1.1\r\n\r\n"),
     REQSCAN_OK, NULL},
    {"bad header in a pipelined request", B("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nFoo\r\n\r\n"), REQSCAN_BAD,
     "without ':'"},
    {"bad header after a body", B("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nabGET / HTTP/1.1\r\nA B: c\r\n\r\n"),
     REQSCAN_BAD, "between"},
    {"a name that starts like content-length", B("POST / HTTP/1.1\r\nContent-Lengthy: 3\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
     REQSCAN_OK, NULL},
};

static unsigned char copy[256];

/* Scans a copy of the case's bytes (the scanner may rename a field), in reads of `step` bytes. */
static enum reqscan_result scan(const scan_case_t *c, size_t step, const char **why)
{
    reqscan_t s;
    reqscan_init(&s);
    size_t len = c->len;
    assert_true(len <= sizeof(copy));
    memcpy(copy, c->bytes, len);
    enum reqscan_result r = REQSCAN_OK;
    for(size_t at = 0; at < len && r == REQSCAN_OK; at += step)
        r = reqscan_feed(&s, copy + at, len - at < step ? len - at : step, why);
    return r;
}

/* Whole, a byte at a time and in 7-byte pieces: where the reads split the stream changes nothing. */
static void test_cases(void **state)
{
    (void)state;
    const size_t steps[] = {SIZE_MAX, 1, 7};
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for(size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
            const char *why = NULL;
            enum reqscan_result r = scan(&cases[i], steps[k], &why);
            if(r != cases[i].want)
                fail_msg("%s (step %zu): got %d, want %d", cases[i].name, steps[k], r, cases[i].want);
            if(cases[i].why && (!why || !strstr(why, cases[i].why)))
                fail_msg("%s: reason '%s' lacks '%s'", cases[i].name, why ? why : "(none)", cases[i].why);
        }
    }
}

/* Once off or bad, it stays so: nothing later is judged. */
static void test_stays_off(void **state)
{
    (void)state;
    reqscan_t s;
    reqscan_init(&s);
    const char *why = NULL;
    char up[] = "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", more[] = "Foo\r\n\r\n";
    assert_int_equal(reqscan_feed(&s, (unsigned char *)up, strlen(up), &why), REQSCAN_OFF);
    assert_int_equal(reqscan_feed(&s, (unsigned char *)more, strlen(more), &why), REQSCAN_OFF);
}

/* A body longer than one read is skipped across reads; the next request is checked from its start. */
static void test_body_across_reads(void **state)
{
    (void)state;
    reqscan_t s;
    reqscan_init(&s);
    const char *why = NULL;
    char head[] = "POST /u HTTP/1.1\r\nContent-Length: 100000\r\n\r\n";
    assert_int_equal(reqscan_feed(&s, (unsigned char *)head, strlen(head), &why), REQSCAN_OK);
    unsigned char junk[4096];
    memset(junk, '\r', sizeof(junk));
    size_t left = 100000;
    while(left) {
        size_t n = left < sizeof(junk) ? left : sizeof(junk);
        assert_int_equal(reqscan_feed(&s, junk, n, &why), REQSCAN_OK);
        left -= n;
    }
    char next[] = "GET / HTTP/1.1\r\nBad\r\n\r\n";
    assert_int_equal(reqscan_feed(&s, (unsigned char *)next, strlen(next), &why), REQSCAN_BAD);
}

/* Names of lws 4.1.6's lextable, a few of each kind. */
static const char *const lws_like[] = {"get ",
                                       "post ",
                                       "host:",
                                       "accept:",
                                       "accept-encoding:",
                                       "content-length:",
                                       "content-type:",
                                       "x-auth-token:",
                                       "x-forwarded-for:",
                                       "put",
                                       "uri-args",
                                       ""};

/* A name that begins a known one without being it gets its last byte changed; others are left alone. */
static void test_misread_names_renamed(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } renames[] = {
        {"X-A: 1\r\n", "X-~: 1\r\n"},
        {"x-forwarded: 1\r\n", "x-forwarde~: 1\r\n"},
        {"Content: 1\r\n", "Conten~: 1\r\n"},
        {"PUT: 1\r\n", "PU~: 1\r\n"},
        {"Uri-Args: a=b\r\n", "Uri-Arg~: a=b\r\n"},
        {"Accept-: 1\r\n", "Accept~: 1\r\n"},
        {"Host: a\r\n", "Host: a\r\n"},
        {"ACCEPT: a\r\n", "ACCEPT: a\r\n"},
        {"Accept-Encoding: gzip\r\n", "Accept-Encoding: gzip\r\n"},
        {"X-Ab: 1\r\n", "X-Ab: 1\r\n"},
        {"Hosts: 1\r\n", "Hosts: 1\r\n"},
        {"X-Auth-Token-2: 1\r\n", "X-Auth-Token-2: 1\r\n"},
    };
    reqscan_known_names(lws_like, sizeof(lws_like) / sizeof(lws_like[0]));
    for(size_t i = 0; i < sizeof(renames) / sizeof(renames[0]); i++) {
        char buf[128];
        int n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\n%s\r\n", renames[i].in);
        char want[128];
        snprintf(want, sizeof(want), "GET / HTTP/1.1\r\n%s\r\n", renames[i].out);
        reqscan_t s;
        reqscan_init(&s);
        const char *why = NULL;
        assert_int_equal(reqscan_feed(&s, (unsigned char *)buf, (size_t)n, &why), REQSCAN_OK);
        assert_string_equal(buf, want);
    }
    /* the name's last byte came in the read before: it is lws's already, so the block is refused */
    reqscan_t s;
    reqscan_init(&s);
    const char *why = NULL;
    char head[] = "GET / HTTP/1.1\r\nX-A", rest[] = ": 1\r\n\r\n";
    assert_int_equal(reqscan_feed(&s, (unsigned char *)head, strlen(head), &why), REQSCAN_OK);
    assert_int_equal(reqscan_feed(&s, (unsigned char *)rest, strlen(rest), &why), REQSCAN_BAD);
    assert_non_null(strstr(why, "misread"));
    reqscan_known_names(NULL, 0);
}

/* A Content-Type's media type and parameter names reach lws_spa lower-cased, its values as sent. */
static void test_content_type_lowered(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } types[] = {
        {"MULTIPART/FORM-DATA; BOUNDARY=AbC", "multipart/form-data; boundary=AbC"},
        {"Multipart/Form-Data; Charset=UTF-8; Boundary=\"X;Y=Z\\\"Q\"",
         "multipart/form-data; charset=UTF-8; boundary=\"X;Y=Z\\\"Q\""},
        {"multipart/form-data; boundary=----WebKitFormBoundaryAB",
         "multipart/form-data; boundary=----WebKitFormBoundaryAB"},
    };
    for(size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        char want[160], buf[160];
        int n = snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nContent-Type: %s\r\nX-B: KEEP\r\n\r\n", types[i].in);
        snprintf(want, sizeof(want), "POST / HTTP/1.1\r\nContent-Type: %s\r\nX-B: KEEP\r\n\r\n", types[i].out);
        for(size_t step = 1; step <= (size_t)n; step += step < 8 ? 6 : (size_t)n) {
            char copy_[160];
            memcpy(copy_, buf, (size_t)n + 1);
            reqscan_t s;
            reqscan_init(&s);
            const char *why = NULL;
            for(size_t at = 0; at < (size_t)n; at += step)
                assert_int_equal(
                    reqscan_feed(&s, (unsigned char *)copy_ + at, (size_t)n - at < step ? (size_t)n - at : step, &why),
                    REQSCAN_OK);
            assert_string_equal(copy_, want);
        }
    }
}

/* A block lws's header table cannot hold is refused before lws drops the connection on it. */
static void test_table_limits(void **state)
{
    (void)state;
    static char buf[20000];
    const char *why = NULL;
    reqscan_table(4096, 95);
    struct {
        int fields, value, params;
        enum reqscan_result want;
    } blocks[] = {
        {1, 3900, 0, REQSCAN_OK},       {1, 4100, 0, REQSCAN_TOO_BIG}, {300, 1, 0, REQSCAN_TOO_BIG},
        {40, 60, 0, REQSCAN_OK},        {0, 0, 90, REQSCAN_OK},        {0, 0, 93, REQSCAN_TOO_BIG},
        {0, 0, 10000, REQSCAN_TOO_BIG},
    };
    for(size_t k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++) {
        size_t n = (size_t)snprintf(buf, sizeof(buf), "GET /s?q=1");
        for(int i = 0; i < blocks[k].params && n < 4000; i++)
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "&a");
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, " HTTP/1.1\r\n");
        for(int i = 0; i < blocks[k].fields; i++) {
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-%d: ", i);
            memset(buf + n, 'v', (size_t)blocks[k].value);
            n += (size_t)blocks[k].value;
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
        }
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
        for(size_t step = 1; step <= n; step = step * 5 + 1) { /* however the reads split it */
            reqscan_t s;
            reqscan_init(&s);
            enum reqscan_result r = REQSCAN_OK;
            for(size_t at = 0; at < n && r == REQSCAN_OK; at += step)
                r = reqscan_feed(&s, (unsigned char *)buf + at, n - at < step ? n - at : step, &why);
            if(r != blocks[k].want)
                fail_msg("case %zu (step %zu): got %d, want %d", k, step, r, blocks[k].want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_stays_off),
        cmocka_unit_test(test_body_across_reads),
        cmocka_unit_test(test_misread_names_renamed),
        cmocka_unit_test(test_table_limits),
        cmocka_unit_test(test_content_type_lowered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
