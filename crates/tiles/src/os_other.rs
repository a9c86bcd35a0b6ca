//! Elsewhere there are no tiles: the request fails and nothing else is
//! called.

pub(super) fn request() -> bool {
    false
}

pub(super) unsafe fn configure() {
    unreachable!("AMX tiles are only requested on x86-64 Linux")
}

pub(super) unsafe fn release() {}

#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn block(
    _: [*const i8; 2],
    _: usize,
    _: [*const i8; 2],
    _: usize,
    _: usize,
    _: usize,
    _: [*mut i32; 4],
    _: usize,
) {
    unreachable!("AMX tiles are only requested on x86-64 Linux")
}
