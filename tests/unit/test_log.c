/* The log line: client values quoted and escaped, control bytes never raw, client-triggered lines limited. */
#include "util/log.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static char captured[1 << 16];
static int saved_stderr = -1;
static FILE *sink;

/* stderr goes to a temporary file while a test logs; end_capture() reads it back. */
static void begin_capture(void)
{
    sink = tmpfile();
    assert_non_null(sink);
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    assert_true(saved_stderr >= 0);
    assert_true(dup2(fileno(sink), STDERR_FILENO) >= 0);
}

static const char *end_capture(void)
{
    assert_true(dup2(saved_stderr, STDERR_FILENO) >= 0);
    close(saved_stderr);
    rewind(sink);
    size_t n = fread(captured, 1, sizeof(captured) - 1, sink);
    captured[n] = '\0';
    fclose(sink);
    return captured;
}

static int count_lines(const char *text, const char *needle)
{
    int n = 0;
    for(const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char copy[8192];
        snprintf(copy, sizeof(copy), "%.*s", (int)len, line);
        if(strstr(copy, needle))
            n++;
        line = end ? end + 1 : NULL;
    }
    return n;
}

/* The keys of a line's key=value fields, read the way a log parser would (quotes with \ escapes). */
static int keys_of(const char *line, char keys[][32], int max)
{
    int n = 0;
    const char *p = line;
    for(int skip = 0; skip < 3; skip++) { /* time, level, event */
        p = strchr(p, ' ');
        if(!p)
            return 0;
        while(*p == ' ')
            p++;
    }
    while(*p && *p != '\n' && n < max) {
        const char *eq = strchr(p, '=');
        if(!eq)
            break;
        snprintf(keys[n++], 32, "%.*s", (int)(eq - p), p);
        p = eq + 1;
        if(*p == '"') {
            for(p++; *p && *p != '"'; p++) {
                if(*p == '\\' && p[1])
                    p++;
            }
            if(*p == '"')
                p++;
        } else {
            while(*p && *p != ' ' && *p != '\n')
                p++;
        }
        while(*p == ' ')
            p++;
    }
    return n;
}

static void forged_fields_and_escapes_stay_inside_the_value(void **state)
{
    (void)state;
    const char *origin = "http://e\" status=200 admin=1 x=\"\x1b[31mRED";
    begin_capture();
    log_warn("http.rejected", "reason=origin origin=%s path=%s status=403", LOG_Q(origin), LOG_Q("/a b\\c"));
    const char *out = end_capture();
    assert_null(strchr(out, '\x1b'));
    assert_non_null(strstr(out, "origin=\"http://e\\\" status=200 admin=1 x=\\\"\\x1b[31mRED\""));
    assert_non_null(strstr(out, "path=\"/a b\\\\c\""));
    char keys[8][32];
    assert_int_equal(keys_of(out, keys, 8), 4);
    assert_string_equal(keys[0], "reason");
    assert_string_equal(keys[1], "origin");
    assert_string_equal(keys[2], "path");
    assert_string_equal(keys[3], "status");
}

static void quoted_values_are_capped_and_non_ascii_escaped(void **state)
{
    (void)state;
    char big[1000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char out[LOG_QUOTED_SIZE];
    log_quote(out, sizeof(out), big);
    assert_int_equal(strlen(out), 2 + LOG_VALUE_MAX + 3);
    assert_string_equal(out + 1 + LOG_VALUE_MAX, "...\"");
    assert_string_equal(log_quote(out, sizeof(out), "caf\xc3\xa9\t\x7f"), "\"caf\\xc3\\xa9\\x09\\x7f\"");
    assert_string_equal(log_quote(out, sizeof(out), NULL), "-");
    char worst[LOG_VALUE_MAX + 1];
    memset(worst, '\x01', LOG_VALUE_MAX);
    worst[LOG_VALUE_MAX] = '\0';
    log_quote(out, sizeof(out), worst);
    assert_int_equal(strlen(out), 2 + 4 * LOG_VALUE_MAX);
}

static void control_bytes_in_unquoted_values_never_reach_the_log(void **state)
{
    (void)state;
    begin_capture();
    log_info("test.raw", "x=%s y=1", "a\x1b[2Jb\r\nforged line\x7f");
    const char *out = end_capture();
    assert_string_equal(strchr(out, ' ') + 1, "info  test.raw x=a\\x1b[2Jb\\x0d\\x0aforged line\\x7f y=1\n");
    /* C1 too (U+009B is a CSI), sent as UTF-8; NBSP beside it stays */
    begin_capture();
    log_info("test.raw", "x=%s y=1", "a\xc2\x9b" "2J\xc2\x85\xc2\xa0" "b\xc2\x9f");
    out = end_capture();
    assert_string_equal(strchr(out, ' ') + 1, "info  test.raw x=a\\xc2\\x9b2J\\xc2\\x85\xc2\xa0" "b\\xc2\\x9f y=1\n");
}

static void bytes_that_are_not_utf8_never_reach_the_log(void **state)
{
    (void)state;
    begin_capture();
    log_info("test.raw", "branch=%s y=1", "br\xff\xfe caf\xc3\xa9 \xe2\x82 \xc0\xae \xed\xa0\x80");
    const char *out = end_capture();
    assert_string_equal(strchr(out, ' ') + 1,
                        "info  test.raw branch=br\\xff\\xfe caf\xc3\xa9 \\xe2\\x82 \\xc0\\xae \\xed\\xa0\\x80 y=1\n");
}

static int64_t fake_now;
static int64_t fake_clock(void)
{
    return fake_now;
}

static void a_burst_is_written_then_aggregated(void **state)
{
    (void)state;
    log_set_clock(fake_clock);
    fake_now = 1000000;
    begin_capture();
    for(int i = 0; i < 100; i++)
        log_limited(LOG_WARN, "test.burst", "n=%d", i);
    log_limited(LOG_WARN, "test.other", "n=0");
    fake_now += LOG_WINDOW_MS / 2;
    log_limited_flush(0); /* window not over: nothing yet */
    log_limited(LOG_WARN, "test.burst", "n=100");
    const char *out = end_capture();
    assert_int_equal(count_lines(out, "test.burst n="), LOG_BURST);
    assert_int_equal(count_lines(out, "test.other n=0"), 1);
    assert_int_equal(count_lines(out, "log.suppressed"), 0);

    fake_now += LOG_WINDOW_MS / 2;
    begin_capture();
    log_limited_flush(0);
    log_limited(LOG_WARN, "test.burst", "n=101");
    out = end_capture();
    /* 80 of the first 100 and the one at half time were held back over the 10 s window */
    char want[128];
    snprintf(want, sizeof(want), "warn  log.suppressed event=test.burst more=%d last_s=%.1f", 100 - LOG_BURST + 1,
             LOG_WINDOW_MS / 1000.0);
    assert_int_equal(count_lines(out, want), 1);
    assert_int_equal(count_lines(out, "log.suppressed"), 1);
    assert_int_equal(count_lines(out, "test.burst n=101"), 1); /* a new window writes again */
    log_set_clock(NULL);
}

static void pending_summaries_are_written_at_exit_and_quiet_events_cost_nothing(void **state)
{
    (void)state;
    log_set_clock(fake_clock);
    fake_now = 5000000;
    begin_capture();
    for(int i = 0; i < LOG_BURST + 3; i++)
        log_limited(LOG_WARN, "test.exit", "n=%d", i);
    log_set_level(LOG_ERROR);
    for(int i = 0; i < 50; i++)
        log_limited(LOG_WARN, "test.hidden", "n=%d", i); /* below the level: not counted either */
    log_set_level(LOG_INFO);
    fake_now += 1500;
    log_limited_flush(1);
    log_limited_flush(1); /* once only */
    const char *out = end_capture();
    assert_int_equal(count_lines(out, "log.suppressed event=test.exit more=3 last_s=1.5"), 1);
    assert_int_equal(count_lines(out, "log.suppressed"), 1);
    assert_int_equal(count_lines(out, "test.hidden"), 0);
    log_set_clock(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forged_fields_and_escapes_stay_inside_the_value),
        cmocka_unit_test(quoted_values_are_capped_and_non_ascii_escaped),
        cmocka_unit_test(control_bytes_in_unquoted_values_never_reach_the_log),
        cmocka_unit_test(bytes_that_are_not_utf8_never_reach_the_log),
        cmocka_unit_test(a_burst_is_written_then_aggregated),
        cmocka_unit_test(pending_summaries_are_written_at_exit_and_quiet_events_cost_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
