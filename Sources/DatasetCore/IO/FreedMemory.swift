import CSystemShims

/// Hands memory this process freed back to the system: glibc keeps freed memory for reuse, so a
/// run's resident set after a large stage stays near that stage's peak until something asks.
public func releaseFreeMemory() {
    csys_release_free_memory()
}

/// Caps glibc's allocator at `count` arenas. It makes one for each thread that allocates while
/// the others do (up to eight a core), and what one arena frees the others do not reuse: at a
/// million candidates a run's peak was 250 MB higher with them, its time the same (two arenas
/// cut the peak as much and made the review and release stages half as slow again). Called
/// first thing, before the run's threads allocate.
public func limitAllocatorArenas(_ count: Int = 4) {
    csys_limit_allocator_arenas(Int32(count))
}
