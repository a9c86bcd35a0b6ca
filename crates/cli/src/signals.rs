//! Signal dispositions set once at start-up, so that a fault becomes a
//! message and an exit code rather than a silent death.

/// What a bus error almost always means here: a memory-mapped input (the
/// `.bed`, an eigen file) was truncated by another process while kindred
/// read it. Written by the handler as is (no formatting in a handler).
const SIGBUS_MESSAGE: &[u8] = b"kindred: error: bus error (SIGBUS) reading a memory-mapped file: an input file was truncated while mapped, by another process; nothing was published\n";

/// Installs the dispositions:
///
/// - `SIGXFSZ` ignored: past a file-size limit (`ulimit -f`) a write then
///   fails with `EFBIG`, which is reported like any failed write, instead
///   of the process being killed without a word;
/// - `SIGBUS` turned into [`SIGBUS_MESSAGE`] on stderr and exit code 3
///   (I/O). The handler calls only `write(2)` and `_exit(2)`, both
///   async-signal-safe; outputs are never published (the run dies before
///   its publication), but its `PREFIX.lock` is left for the next run to
///   take over, and a staged temporary file (`.NAME.XXXXXX.tmp`) may remain.
pub fn install() {
    // SAFETY: setting dispositions before any other thread exists; the
    // handler is async-signal-safe (see above).
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let handler: extern "C" fn(libc::c_int) = on_sigbus;
        libc::signal(libc::SIGBUS, handler as libc::sighandler_t);
    }
}

extern "C" fn on_sigbus(_: libc::c_int) {
    // SAFETY: write(2) of a static buffer and _exit(2) are async-signal-safe.
    unsafe {
        libc::write(2, SIGBUS_MESSAGE.as_ptr().cast(), SIGBUS_MESSAGE.len());
        libc::_exit(i32::from(crate::exit::IO));
    }
}
