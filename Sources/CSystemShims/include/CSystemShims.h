#ifndef CSYSTEMSHIMS_H
#define CSYSTEMSHIMS_H

/// Renames `from` to `to` only if `to` does not exist (Linux renameat2 with RENAME_NOREPLACE).
/// Returns 0 on success, or -1 with errno set (EEXIST when `to` exists).
int csys_rename_noreplace(const char *from, const char *to);

#include <stddef.h>

/// Whether `needle` occurs in `haystack` (glibc's memmem, which Swift does not import).
int csys_contains_bytes(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

/// Hands freed heap memory back to the system (glibc's malloc_trim, declared in malloc.h, which
/// Swift does not import); does nothing where there is no such call.
void csys_release_free_memory(void);

/// Caps the arenas glibc's allocator makes (mallopt M_ARENA_MAX); does nothing elsewhere.
void csys_limit_allocator_arenas(int count);

/// Turns writing past the page cache (O_DIRECT) on or off for an open file. Returns 0 on
/// success, or -1 with errno set (EINVAL where the file system cannot; ENOSYS where the system
/// has no such flag).
int csys_set_direct_writes(int descriptor, int on);

/// Starts writing an open file's changed pages to the disk without waiting for them (Linux
/// sync_file_range with SYNC_FILE_RANGE_WRITE), so that a later fsync has less left to wait for.
/// Returns 0, or -1 with errno set; does nothing where there is no such call.
int csys_start_writeback(int descriptor);

/// Waits for an open file's first `length` bytes to be on the disk (starting the writes of any
/// not yet started), then drops them from the page cache (posix_fadvise POSIX_FADV_DONTNEED), so
/// that the memory they held is used again for what is written next. Returns 0, or -1 with
/// errno set; does nothing where there are no such calls.
int csys_write_back_and_drop(int descriptor, long long length);

/// Opens a file for reading past the page cache (O_RDONLY | O_CLOEXEC | O_DIRECT). Returns the
/// descriptor, or -1 with errno set (EINVAL where the file system cannot; ENOSYS where the
/// system has no such flag).
int csys_open_direct_reads(const char *path);

/// Makes a pipe whose two ends close when the process execs (pipe2 with O_CLOEXEC, which Swift
/// does not import): a parent learns that its forked child has exec'd when reading the pipe
/// ends. Returns 0, or -1 with errno set.
int csys_pipe_closed_on_exec(int descriptors[2]);

#endif
