#include "query/source.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int source_read(const char *disk_path, buf_t *out)
{
    buf_init(out, SOURCE_FILE_MAX);
    if(!disk_path)
        return -1;
    int fd = open(disk_path, O_RDONLY | O_CLOEXEC);
    if(fd < 0)
        return -1;
    struct stat st;
    if(fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (off_t)SOURCE_FILE_MAX) {
        close(fd);
        return -1;
    }
    char chunk[16384];
    ssize_t got;
    int rc = 0;
    while(!rc && (got = read(fd, chunk, sizeof(chunk))) > 0)
        rc = buf_add(out, chunk, (size_t)got);
    close(fd);
    if(rc || got < 0) {
        buf_free(out);
        return -1;
    }
    return 0;
}

void source_lines(const char *text, size_t len, int from, int to, const char **start, size_t *n, size_t max)
{
    size_t i = 0;
    for(int line = 1; line < from && i < len; i++)
        if(text[i] == '\n')
            line++;
    size_t j = i;
    for(int line = from; j < len; j++) {
        if(text[j] == '\n') {
            if(to > 0 && line >= to)
                break;
            line++;
        }
    }
    while(j > i && (text[j - 1] == '\n' || text[j - 1] == '\r' || text[j - 1] == ' ' || text[j - 1] == '\t'))
        j--;
    if(j - i > max) {
        j = i + max;
        while(j > i && ((unsigned char)text[j] & 0xC0) == 0x80) /* not inside a UTF-8 sequence */
            j--;
    }
    *start = text + i;
    *n = j - i;
}
