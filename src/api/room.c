#include "api/room.h"

#include "util/alloc.h"
#include "util/log.h"
#include "util/timefmt.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/statvfs.h>
#include <time.h>

struct room {
    char *dir;
    int64_t keep, limit;
    _Atomic int64_t free_bytes; /* by the last statvfs; -1: the file system could not be asked */
    _Atomic int64_t inflight;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, started;
    pthread_t thread;
};

static int64_t read_free(const room_t *room)
{
    struct statvfs fs;
    if(statvfs(room->dir, &fs))
        return -1;
    uint64_t bytes = (uint64_t)fs.f_bavail * fs.f_frsize;
    return bytes > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)bytes;
}

static void *refresh_main(void *arg)
{
    room_t *room = arg;
    pthread_mutex_lock(&room->mu);
    while(!room->stop) {
        struct timespec until = time_after_ns(CLOCK_MONOTONIC, (int64_t)ROOM_REFRESH_MS * 1000000);
        while(!room->stop && pthread_cond_timedwait(&room->cv, &room->mu, &until) != ETIMEDOUT)
            ;
        if(room->stop)
            break;
        pthread_mutex_unlock(&room->mu);
        atomic_store(&room->free_bytes, read_free(room));
        pthread_mutex_lock(&room->mu);
    }
    pthread_mutex_unlock(&room->mu);
    return NULL;
}

room_t *room_new(const char *dir, int keep_mb, int inflight_mb)
{
    room_t *room = util_calloc(1, sizeof(*room));
    if(!room)
        return NULL;
    room->dir = util_strdup(dir);
    room->keep = (int64_t)keep_mb << 20;
    room->limit = (int64_t)inflight_mb << 20;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&room->mu, NULL);
    pthread_cond_init(&room->cv, &attr);
    pthread_condattr_destroy(&attr);
    if(!room->dir) {
        room_free(room);
        return NULL;
    }
    atomic_store(&room->free_bytes, read_free(room));
    if(pthread_create(&room->thread, NULL, refresh_main, room)) {
        log_error("room.start_failed", "reason=\"cannot start the free-space thread\"");
        room_free(room);
        return NULL;
    }
    room->started = 1;
    return room;
}

void room_free(room_t *room)
{
    if(!room)
        return;
    pthread_mutex_lock(&room->mu);
    room->stop = 1;
    pthread_cond_signal(&room->cv);
    pthread_mutex_unlock(&room->mu);
    if(room->started)
        pthread_join(room->thread, NULL);
    pthread_mutex_destroy(&room->mu);
    pthread_cond_destroy(&room->cv);
    util_free(room->dir);
    util_free(room);
}

/* `free_bytes` -1: the file system could not be asked, which counts as room. */
static int fits(const room_t *room, int64_t free_bytes, int64_t taken, int64_t need)
{
    if(free_bytes < 0)
        return 1;
    return free_bytes - taken >= (need > 0 ? need : 0) + room->keep;
}

int room_has(room_t *room, int64_t need)
{
    return fits(room, atomic_load(&room->free_bytes), atomic_load(&room->inflight), need);
}

int room_has_now(room_t *room, int64_t need)
{
    int64_t free_bytes = read_free(room);
    atomic_store(&room->free_bytes, free_bytes);
    return fits(room, free_bytes, 0, need);
}

int room_reserve(room_t *room, int64_t bytes)
{
    int64_t cur = atomic_load(&room->inflight);
    do {
        if(cur > 0 && cur + bytes > room->limit)
            return -1;
    } while(!atomic_compare_exchange_weak(&room->inflight, &cur, cur + bytes));
    return 0;
}

void room_release(room_t *room, int64_t bytes)
{
    atomic_fetch_sub(&room->inflight, bytes);
}

int64_t room_inflight(room_t *room)
{
    return atomic_load(&room->inflight);
}

int64_t room_inflight_limit(const room_t *room)
{
    return room->limit;
}
