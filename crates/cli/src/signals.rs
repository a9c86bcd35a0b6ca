//! Signal dispositions set once at start-up, so that a fault becomes a
//! message and an exit code rather than a silent death, and a request to
//! stop (`SIGTERM`, `SIGINT`) ends the run cleanly ([`crate::interrupt`]).

/// What a bus error almost always means here: a memory-mapped input (the
/// `.bed`, an eigen file) was truncated by another process while kindred
/// read it. Written by the handler as is (no formatting in a handler).
const SIGBUS_MESSAGE: &[u8] = b"kindred: error: bus error (SIGBUS) reading a memory-mapped file: an input file was truncated while mapped, by another process; nothing was published\n";

/// Installs the dispositions (first thing in `main`, before any other
/// thread exists: the threads started later inherit the signal mask):
///
/// - `SIGTERM` and `SIGINT` blocked in every thread and taken by a thread
///   of their own with `sigwait(3)`, which runs [`crate::interrupt::stop`]:
///   ordinary code, not a handler, so it may take locks, remove files and
///   write the log. A second signal while it runs is left pending (the
///   cleanup is not cut short); `SIGKILL` still ends the process at once.
///   Should the thread not start, the signals keep their default action;
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
    watch_interrupts();
}

/// Blocks `SIGTERM` and `SIGINT` in this thread (and so in every thread
/// started after) and starts the thread that waits for them.
fn watch_interrupts() {
    // SAFETY: a signal set initialised by sigemptyset before use.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        set
    };
    let mask = |how| {
        // SAFETY: changes this thread's mask with a valid set.
        unsafe { libc::pthread_sigmask(how, &set, std::ptr::null_mut()) };
    };
    mask(libc::SIG_BLOCK);
    let watcher = std::thread::Builder::new().name("signals".into()).spawn(move || loop {
        let mut signo = 0;
        // SAFETY: waits for one of `set`'s signals, blocked in every thread.
        if unsafe { libc::sigwait(&set, &mut signo) } == 0 {
            crate::interrupt::stop(signo);
        }
    });
    if watcher.is_err() {
        mask(libc::SIG_UNBLOCK);
    }
}

extern "C" fn on_sigbus(_: libc::c_int) {
    // SAFETY: write(2) of a static buffer and _exit(2) are async-signal-safe.
    unsafe {
        libc::write(2, SIGBUS_MESSAGE.as_ptr().cast(), SIGBUS_MESSAGE.len());
        libc::_exit(i32::from(crate::exit::IO));
    }
}
