/*
 * Disk room for uploads and clones, known without the service thread touching the disk: a thread of
 * its own reads the data folder's free space (statvfs) every ROOM_REFRESH_MS, and request handlers
 * answer from that figure. Threads that are about to write (the split thread, the clone thread) ask
 * the file system again at that moment. Beside it, a server-wide budget of upload bytes in flight
 * (spools and split files not yet handed to ingestion), so N concurrent uploads cannot take N times
 * --max-upload-mb (docs/design.md "Uploads").
 */
#ifndef LINEAGED_API_ROOM_H
#define LINEAGED_API_ROOM_H

#include <stdint.h>

#define ROOM_REFRESH_MS 250 /* the most the service thread's free-space figure lags the disk */

typedef struct room room_t;

/*
 * `keep_mb` MiB under `dir` stay free (--min-free-mb); at most `inflight_mb` MiB of uploads are in
 * flight at once (--upload-inflight-mb). Reads the free space once, then starts the refresh thread.
 */
room_t *room_new(const char *dir, int keep_mb, int inflight_mb);
void room_free(room_t *room);

/*
 * Any thread, no system call: whether `need` more bytes leave the kept space free, by the last
 * figure read, less the upload bytes in flight (counted as if none of them were written yet). A
 * file system that cannot be asked counts as having room.
 */
int room_has(room_t *room, int64_t need);
/* Threads that may wait on disk: the same question, asked of the file system now. */
int room_has_now(room_t *room, int64_t need);

/*
 * The in-flight budget: 0 and `bytes` counted, or -1 when they would take it past the limit. One
 * reservation always passes when nothing is in flight, so an upload within --max-upload-mb is never
 * refused for good.
 */
int room_reserve(room_t *room, int64_t bytes);
void room_release(room_t *room, int64_t bytes);
int64_t room_inflight(room_t *room);
int64_t room_inflight_limit(const room_t *room);

#endif
