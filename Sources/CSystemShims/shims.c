#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include "CSystemShims.h"

int csys_rename_noreplace(const char *from, const char *to) {
#if defined(__linux__)
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int csys_contains_bytes(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length) {
    return memmem(haystack, haystack_length, needle, needle_length) != NULL;
}

#if defined(__GLIBC__)
#include <malloc.h>
void csys_release_free_memory(void) { malloc_trim(0); }
void csys_limit_allocator_arenas(int count) { mallopt(M_ARENA_MAX, count); }
#else
void csys_release_free_memory(void) {}
void csys_limit_allocator_arenas(int count) { (void)count; }
#endif

int csys_set_direct_writes(int descriptor, int on) {
#if defined(__linux__) && defined(O_DIRECT)
    int flags = fcntl(descriptor, F_GETFL);
    if (flags < 0) return -1;
    return fcntl(descriptor, F_SETFL, on ? (flags | O_DIRECT) : (flags & ~O_DIRECT));
#else
    (void)descriptor; (void)on;
    errno = ENOSYS;
    return -1;
#endif
}

int csys_open_direct_reads(const char *path) {
#if defined(__linux__) && defined(O_DIRECT)
    return open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);
#else
    (void)path;
    errno = ENOSYS;
    return -1;
#endif
}

int csys_write_back_and_drop(int descriptor, long long length) {
#if defined(__linux__)
    if (sync_file_range(descriptor, 0, length, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) != 0) return -1;
    int failed = posix_fadvise(descriptor, 0, length, POSIX_FADV_DONTNEED);
    if (failed != 0) { errno = failed; return -1; }
    return 0;
#else
    (void)descriptor; (void)length;
    return 0;
#endif
}

int csys_start_writeback(int descriptor) {
#if defined(__linux__)
    return sync_file_range(descriptor, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
    (void)descriptor;
    return 0;
#endif
}

#include <unistd.h>
int csys_pipe_closed_on_exec(int descriptors[2]) {
#if defined(__linux__)
    return pipe2(descriptors, O_CLOEXEC);
#else
    if (pipe(descriptors) != 0) return -1;
    fcntl(descriptors[0], F_SETFD, FD_CLOEXEC);
    fcntl(descriptors[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}
