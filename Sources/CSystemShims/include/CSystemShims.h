#ifndef CSYSTEMSHIMS_H
#define CSYSTEMSHIMS_H

/// Renames `from` to `to` only if `to` does not exist (Linux renameat2 with RENAME_NOREPLACE).
/// Returns 0 on success, or -1 with errno set (EEXIST when `to` exists).
int csys_rename_noreplace(const char *from, const char *to);

#endif
