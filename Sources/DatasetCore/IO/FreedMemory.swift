import CSystemShims

/// Hands memory this process freed back to the system: glibc keeps freed memory for reuse, so a
/// run's resident set after a large stage stays near that stage's peak until something asks.
public func releaseFreeMemory() {
    csys_release_free_memory()
}
