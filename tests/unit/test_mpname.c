/* The part-header reader beside lws_spa (src/server/mpname.c): which file each part names, as sent. */
#include "server/mpname.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define TYPE "multipart/form-data; boundary=XyZ"

typedef struct seen {
    char names[8][MPNAME_LINE_MAX + 1];
    int files[8];
    size_t n, stops_at[8];
} seen_t;

/* Feeds `body` in pieces of `step` bytes (0: whole), recording each Content-Disposition read. */
static void feed(const char *type, const char *body, size_t step, seen_t *out)
{
    mpname_t *m = mpname_new(type);
    assert_non_null(m);
    memset(out, 0, sizeof(*out));
    size_t len = strlen(body), at = 0;
    while(at < len) {
        size_t piece = step && len - at > step ? step : len - at;
        while(piece) {
            int disposition = -1;
            size_t n = mpname_feed(m, body + at, piece, &disposition);
            assert_in_range(n, 1, piece);
            at += n;
            piece -= n;
            if(!disposition)
                continue;
            assert_int_equal(disposition, 1);
            assert_in_range(out->n, 0, 7);
            const char *name = mpname_filename(m);
            snprintf(out->names[out->n], sizeof(out->names[0]), "%s", name ? name : "(none)");
            out->files[out->n] = mpname_is_file(m);
            out->stops_at[out->n++] = at;
        }
    }
    mpname_free(m);
}

static const char body[] = "preamble\r\n"
                           "--XyZ\r\n"
                           "Content-Disposition: form-data; name=\"files\"; filename=\"a;b.sql\"\r\n"
                           "Content-Type: application/sql\r\n\r\n"
                           "SELECT 1;\r\n-- XyZ not a boundary\r\r\n--XyZ is one\r\n"
                           "content-disposition: form-data; NAME=files; FileName = plain.sql ;x=1\r\n\r\n"
                           "Content-Disposition: form-data; filename=\"inside.sql\"\r\n"
                           "\r\n--XyZ\r\n"
                           "Content-Disposition: form-data; name=\"project_id\"\r\n\r\np\r\n"
                           "--XyZ--\r\n"
                           "Content-Disposition: form-data; filename=\"after.sql\"\r\n";

static void names_as_sent_stopping_at_each_disposition(void **state)
{
    (void)state;
    seen_t whole, bytewise;
    feed(TYPE, body, 0, &whole);
    assert_int_equal(whole.n, 3); /* a Content-Disposition in content or after the end is no part's */
    assert_string_equal(whole.names[0], "a;b.sql");
    assert_string_equal(whole.names[1], "plain.sql");
    assert_string_equal(whole.names[2], "(none)");
    assert_int_equal(whole.files[0], 1);
    assert_int_equal(whole.files[2], 0);
    /* each stop is just after the line's CR: where lws_spa opens the part */
    const char *first = strstr(body, "a;b.sql\"\r") + strlen("a;b.sql\"\r");
    assert_int_equal(whole.stops_at[0], (size_t)(first - body));
    assert_int_equal(body[whole.stops_at[1] - 1], '\r');
    /* however the body is cut into pieces */
    feed(TYPE, body, 1, &bytewise);
    assert_int_equal(bytewise.n, whole.n);
    for(size_t i = 0; i < whole.n; i++) {
        assert_string_equal(bytewise.names[i], whole.names[i]);
        assert_int_equal(bytewise.stops_at[i], whole.stops_at[i]);
    }
}

static void quoted_names_rfc5987_and_escapes(void **state)
{
    (void)state;
    seen_t s;
    feed(TYPE,
         "--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename*=UTF-8''r%C3%A9.sql\r\n\r\nx\r\n"
         "--XyZ\r\nContent-Disposition: form-data; filename=\"p.sql\"; filename*=UTF-8''q.sql\r\n\r\nx\r\n"
         "--XyZ\r\nContent-Disposition: form-data; filename=\"a\\\"b\\\\c.sql\"\r\n\r\nx\r\n"
         "--XyZ\r\nContent-Disposition: form-data; filename=\"C:\\dir\\d.sql\"\r\n\r\nx\r\n"
         "--XyZ\r\nContent-Disposition: form-data; filename=\"\"\r\n\r\nx\r\n"
         "--XyZ\r\nContent-Disposition: form-data; filename=\"unterminated.sql\r\n\r\nx\r\n--XyZ--\r\n",
         0, &s);
    assert_int_equal(s.n, 6);
    assert_string_equal(s.names[0], "(none)"); /* filename* alone: a file, without a name we use */
    assert_int_equal(s.files[0], 1);
    assert_string_equal(s.names[1], "p.sql");
    assert_string_equal(s.names[2], "a\"b\\c.sql");
    assert_string_equal(s.names[3], "C:\\dir\\d.sql");
    assert_string_equal(s.names[4], "");
    assert_int_equal(s.files[4], 1);
    assert_string_equal(s.names[5], "unterminated.sql");
}

/* Each part's field name, as the duplicate-field check reads it. */
static void field_names(void **state)
{
    (void)state;
    mpname_t *m = mpname_new(TYPE);
    assert_non_null(m);
    const char *form = "--XyZ\r\nContent-Disposition: form-data; NAME = \"dialect\" ; filename=\"d.sql\"\r\n\r\nx\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=project_id\r\n\r\nx\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; filename=\"n.sql\"\r\n\r\nx\r\n--XyZ--\r\n";
    const char *want[] = {"dialect", "project_id", ""};
    size_t len = strlen(form), at = 0, seen = 0;
    while(at < len) {
        int disposition = 0;
        at += mpname_feed(m, form + at, len - at, &disposition);
        if(disposition) {
            assert_in_range(seen, 0, 2);
            assert_string_equal(mpname_field(m), want[seen++]);
        }
    }
    assert_int_equal(seen, 3);
    mpname_free(m);
}

static void boundary_as_lws_spa_takes_it(void **state)
{
    (void)state;
    seen_t s;
    /* up to a space or ';'; a quoted boundary keeps its quotes, so lws_spa finds no part: neither do we */
    const char *part = "--XyZ\r\nContent-Disposition: form-data; filename=\"x.sql\"\r\n\r\nx\r\n--XyZ--\r\n";
    feed("multipart/form-data; boundary=XyZ; charset=utf-8", part, 0, &s);
    assert_int_equal(s.n, 1);
    feed("multipart/form-data; boundary=\"XyZ\"", part, 0, &s);
    assert_int_equal(s.n, 0);
    feed("multipart/form-data", part, 0, &s);
    assert_int_equal(s.n, 0);
}

static void long_lines_are_cut_never_overrun(void **state)
{
    (void)state;
    static char big[3 * MPNAME_LINE_MAX];
    char name[2 * MPNAME_LINE_MAX];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    snprintf(big, sizeof(big), "--XyZ\r\nContent-Disposition: form-data; filename=\"%s.sql\"\r\n\r\nx\r\n--XyZ--\r\n",
             name);
    seen_t s;
    feed(TYPE, big, 7, &s);
    assert_int_equal(s.n, 1);
    size_t kept = strlen(s.names[0]);
    assert_true(kept > 900 && kept < MPNAME_LINE_MAX);
    assert_int_equal(strspn(s.names[0], "n"), kept);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_as_sent_stopping_at_each_disposition),
        cmocka_unit_test(quoted_names_rfc5987_and_escapes),
        cmocka_unit_test(field_names),
        cmocka_unit_test(boundary_as_lws_spa_takes_it),
        cmocka_unit_test(long_lines_are_cut_never_overrun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
