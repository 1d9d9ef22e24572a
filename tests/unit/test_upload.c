#include "api/upload.h"
#include "util/alloc.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static int sql_only(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".sql") == 0 || strcasecmp(dot, ".ddl") == 0);
}

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/lineaged-upload-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int files_in_dir(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for(struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static int remove_dir(void **state)
{
    (void)state;
    return rmdir(dir);
}

static upload_t *new_upload(int64_t max_file, size_t max_files)
{
    upload_limits_t lim = {dir, max_file, max_files, "files", sql_only};
    upload_t *u = upload_new(&lim);
    assert_non_null(u);
    return u;
}

static void send_file(upload_t *u, const char *name, const char *content, size_t len)
{
    assert_int_equal(upload_file_open(u, "files", name), 0);
    size_t half = len / 2;
    assert_int_equal(upload_file_data(u, content, half, 0), 0);
    assert_int_equal(upload_file_data(u, content + half, len - half, 1), 0);
}

static void display_names_never_escape(void **state)
{
    (void)state;
    static const struct {
        const char *raw, *want;
    } cases[] = {
        {"orders.sql", "orders.sql"},
        {"../../etc/passwd", "etc/passwd"},
        {"/etc/shadow.sql", "etc/shadow.sql"},
        {"C:\\Users\\x\\a.sql", "C:/Users/x/a.sql"},
        {"a/./b/../c.sql", "a/b/c.sql"},
        {"..", "unnamed"},
        {"", "unnamed"},
        {"\x01\x02\x1b[31mred.sql\x7f", "[31mred.sql"},
        {"new\nline.sql", "newline.sql"},
        {"caf\xc3\xa9.sql", "caf\xc3\xa9.sql"},
        {"bad\xff\xfe.sql", "bad.sql"},
        {"//a//b//", "a/b"},
    };
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[UPLOAD_NAME_MAX + 1];
        upload_display_name(cases[i].raw, out, sizeof(out));
        if(strcmp(out, cases[i].want) != 0)
            fail_msg("'%s' became '%s', want '%s'", cases[i].raw, out, cases[i].want);
    }
    static char huge[10 * 1024 + 1];
    memset(huge, 'a', sizeof(huge) - 1);
    char out[UPLOAD_NAME_MAX + 1];
    upload_display_name(huge, out, sizeof(out));
    assert_int_equal(strlen(out), UPLOAD_NAME_MAX);
    /* Truncation never splits a UTF-8 sequence or leaves a dot segment. */
    for(size_t i = 0; i + 2 < sizeof(huge) - 1; i += 2)
        memcpy(huge + i, "\xc3\xa9", 2);
    upload_display_name(huge, out, sizeof(out));
    assert_true(strlen(out) <= UPLOAD_NAME_MAX);
    assert_int_equal(strlen(out) % 2, 0);
    memset(huge, 'a', sizeof(huge) - 1);
    memcpy(huge + UPLOAD_NAME_MAX - 2, "/..", 3);
    upload_display_name(huge, out, sizeof(out));
    assert_null(strstr(out, "/."));
}

static void files_are_stored_under_generated_names(void **state)
{
    (void)state;
    upload_t *u = new_upload(1 << 20, 10);
    static const char *const hostile[] = {"../../../tmp/evil.sql", "/etc/passwd.sql", "x\x01y.sql"};
    for(size_t i = 0; i < 3; i++)
        send_file(u, hostile[i], "select 1;\n", 10);
    assert_int_equal(upload_finish(u), 0);
    assert_int_equal(upload_count(u), 3);
    /* One spool file per request until it is split into a file per part. */
    assert_int_equal(files_in_dir(), 1);
    assert_null(upload_file(u, 0)->disk_path);
    assert_int_equal(upload_split(u, NULL), 0);
    for(size_t i = 0; i < 3; i++) {
        const upload_file_t *f = upload_file(u, i);
        assert_null(f->skip);
        assert_int_equal(f->size, 10);
        assert_non_null(f->disk_path);
        assert_memory_equal(f->disk_path, dir, strlen(dir));
        assert_null(strchr(f->disk_path + strlen(dir) + 1, '/'));
        struct stat st;
        assert_int_equal(stat(f->disk_path, &st), 0);
        assert_int_equal(st.st_size, 10);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
    assert_string_equal(upload_file(u, 0)->name, "tmp/evil.sql");
    assert_int_equal(access("/tmp/evil.sql", F_OK), -1);
    assert_int_equal(files_in_dir(), 3);
    /* Handed over: the new owner deletes it; free leaves it alone. */
    char kept[4096];
    snprintf(kept, sizeof(kept), "%s", upload_file(u, 1)->disk_path);
    upload_disown(u, 1);
    upload_free(u);
    assert_int_equal(files_in_dir(), 1);
    assert_int_equal(unlink(kept), 0);
}

static void unsupported_empty_and_binary_files_are_skipped(void **state)
{
    (void)state;
    upload_t *u = new_upload(1 << 20, 10);
    send_file(u, "notes.txt", "hello", 5);
    send_file(u, "empty.sql", "", 0);
    send_file(u, "blob.sql", "sel\0ect", 7);
    send_file(u, "noext", "select 1", 8);
    send_file(u, "ok.DDL", "create table t (a int);", 23);
    /* lws_spa keeps 255 bytes of a name: one that long may have lost its real extension */
    char cut[UPLOAD_WHOLE_NAME_MAX + 2], whole[UPLOAD_WHOLE_NAME_MAX + 1];
    memset(cut, 'a', sizeof(cut) - 1);
    cut[sizeof(cut) - 1] = '\0';
    memcpy(cut + sizeof(cut) - 5, ".sql", 4);
    memcpy(whole, cut + 1, sizeof(whole));
    send_file(u, cut, "select 1", 8);
    send_file(u, whole, "select 1", 8);
    assert_int_equal(upload_finish(u), 0);
    assert_int_equal(upload_split(u, NULL), 0);
    assert_int_equal(upload_count(u), 7);
    assert_non_null(strstr(upload_file(u, 5)->skip, "longer than 254 bytes"));
    assert_null(upload_file(u, 5)->disk_path);
    assert_null(upload_file(u, 6)->skip);
    assert_non_null(strstr(upload_file(u, 0)->skip, "unsupported file type '.txt'"));
    assert_string_equal(upload_file(u, 1)->skip, "empty file");
    assert_non_null(strstr(upload_file(u, 2)->skip, "binary"));
    assert_non_null(strstr(upload_file(u, 3)->skip, "unsupported"));
    assert_null(upload_file(u, 4)->skip);
    for(size_t i = 0; i < 4; i++)
        assert_null(upload_file(u, i)->disk_path);
    assert_int_equal(files_in_dir(), 2);
    /* The skipped parts gave their room back: each kept file holds exactly its own bytes. */
    char got[32] = {0};
    FILE *fp = fopen(upload_file(u, 4)->disk_path, "r");
    assert_non_null(fp);
    assert_int_equal(fread(got, 1, sizeof(got) - 1, fp), 23);
    fclose(fp);
    assert_string_equal(got, "create table t (a int);");
    upload_free(u);
    assert_int_equal(files_in_dir(), 0);
}

static void limits_end_the_upload_and_leave_nothing(void **state)
{
    (void)state;
    upload_t *u = new_upload(16, 2);
    send_file(u, "a.sql", "select 1;", 9);
    assert_int_equal(upload_file_open(u, "files", "big.sql"), 0);
    assert_int_equal(upload_file_data(u, "0123456789", 10, 0), 0);
    assert_int_equal(upload_file_data(u, "0123456789", 10, 0), 413);
    assert_non_null(strstr(upload_error(u), "per-file limit"));
    upload_free(u);
    assert_int_equal(files_in_dir(), 0);

    u = new_upload(16, 2);
    send_file(u, "a.sql", "1", 1);
    send_file(u, "b.sql", "2", 1);
    assert_int_equal(upload_file_open(u, "files", "c.sql"), 413);
    assert_non_null(strstr(upload_error(u), "the limit is 2"));
    upload_free(u);
    assert_int_equal(files_in_dir(), 0);

    u = new_upload(16, 2);
    assert_int_equal(upload_file_open(u, "other", "c.sql"), 400);
    upload_free(u);

    u = new_upload(16, 2);
    assert_int_equal(upload_file_open(u, "files", "c.sql"), 0);
    assert_int_equal(upload_file_data(u, "x", 1, 0), 0);
    assert_int_equal(upload_finish(u), 400);
    assert_non_null(strstr(upload_error(u), "middle of file 'c.sql'"));
    upload_free(u);
    assert_int_equal(files_in_dir(), 0);
}

static void out_of_memory_is_an_error_not_a_crash(void **state)
{
    (void)state;
    for(long n = 0; n < 6; n++) {
        upload_t *u = new_upload(1 << 20, 10);
        util_alloc_fail_after(n);
        int rc = upload_file_open(u, "files", "a.sql");
        util_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == 500);
        upload_free(u);
        assert_int_equal(files_in_dir(), 0);
    }
    /* Out of memory while splitting: an error, and free removes what was written. */
    for(long n = 0; n < 3; n++) {
        upload_t *u = new_upload(1 << 20, 10);
        send_file(u, "a.sql", "select 1;\n", 10);
        send_file(u, "b.sql", "select 2;\n", 10);
        assert_int_equal(upload_finish(u), 0);
        util_alloc_fail_after(n);
        int rc = upload_split(u, NULL);
        util_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == 500);
        upload_free(u);
        assert_int_equal(files_in_dir(), 0);
    }
}

static void a_stop_ends_the_split(void **state)
{
    (void)state;
    upload_t *u = new_upload(1 << 20, 10);
    send_file(u, "a.sql", "select 1;\n", 10);
    assert_int_equal(upload_finish(u), 0);
    atomic_int stop = 1;
    assert_int_equal(upload_split(u, &stop), 503);
    assert_non_null(strstr(upload_error(u), "shutting down"));
    upload_free(u);
    assert_int_equal(files_in_dir(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(display_names_never_escape),
        cmocka_unit_test(files_are_stored_under_generated_names),
        cmocka_unit_test(unsupported_empty_and_binary_files_are_skipped),
        cmocka_unit_test(limits_end_the_upload_and_leave_nothing),
        cmocka_unit_test(out_of_memory_is_an_error_not_a_crash),
        cmocka_unit_test(a_stop_ends_the_split),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
