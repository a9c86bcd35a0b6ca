//! The process's allocator: the system's, asking Linux for transparent
//! huge pages on large blocks.
//!
//! kindred's large buffers (`K`, the eigenvectors, the eigensolver's
//! workspace, a block of variants) are each written once soon after they
//! are allocated, and glibc returns a large block to the kernel when it is
//! freed, so every such buffer is faulted in again page by page. With 4 KiB
//! pages that is one fault per 4 KiB: on the mouse example about 39,000
//! faults, ~13% of the process's CPU time in a virtual machine, where a
//! fault costs a few microseconds. `madvise(MADV_HUGEPAGE)` on the 2 MiB
//! aligned part of a large block lets the kernel map it in 2 MiB pages
//! (512 times fewer faults) where the machine's transparent huge pages are
//! set to `madvise` (the usual default) or `always`; where they are off the
//! advice is ignored. The advice changes no byte of any result.
//!
//! [`configure`] also fixes glibc's threshold for mapping a block on its
//! own at the same 4 MiB. glibc otherwise raises it to the size of each
//! large block freed (up to 32 MiB), after which such blocks come from its
//! per-thread heaps and stay resident when freed: with two LOCO
//! chromosomes decomposed at once on two threads the mouse example's peak
//! grew from the estimated 269 MB to 327 MB. With the threshold fixed a
//! freed large block is returned at once, and the peak is what the memory
//! estimate counts (269 MB); huge pages keep the cost of mapping it again
//! small.
//!
//! Fixing the mmap threshold also keeps glibc's threshold for giving back
//! the free top of a heap at its default, 128 KiB, so the scan's
//! per-block buffers of a few hundred KiB were handed back and faulted in
//! again block after block (mouse `--test all`: 18,000 faults). That
//! threshold is raised to the same 4 MiB: a heap keeps at most 4 MiB it
//! does not use (10,300 faults, the same peak).

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks at least this large are advised.
const LARGE: usize = 4 << 20;
/// The huge page size on x86-64 and most aarch64 kernels.
const HUGE: usize = 2 << 20;

/// Fixes glibc's mmap and heap-trim thresholds at the size from which
/// blocks are advised (see the module's documentation); call first thing
/// in `main`.
pub fn configure() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets parameters of later allocations; called
    // before any thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, LARGE as libc::c_int);
        libc::mallopt(libc::M_TRIM_THRESHOLD, LARGE as libc::c_int);
    }
}

/// [`System`], with large blocks advised to use transparent huge pages.
pub struct HugePages;

/// Advises the 2 MiB aligned whole pages inside `[ptr, ptr + size)`.
fn advise(ptr: *mut u8, size: usize) {
    if ptr.is_null() || size < LARGE {
        return;
    }
    let start = (ptr as usize).next_multiple_of(HUGE);
    let end = (ptr as usize + size) / HUGE * HUGE;
    if end > start {
        // SAFETY: the range lies inside a block the system allocator just
        // handed out; MADV_HUGEPAGE only changes how the kernel backs it
        // (its contents are kept), and a failure (no THP support) is
        // harmless, so the result is ignored.
        #[cfg(target_os = "linux")]
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

// SAFETY: every call is forwarded to `System` with its own arguments; the
// advice never moves, frees or writes memory.
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let ptr = unsafe { System.alloc(layout) };
        advise(ptr, layout.size());
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        advise(ptr, layout.size());
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` (every block here does).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded; `ptr` came from `System`.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        advise(new, new_size);
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_keep_their_contents_through_realloc() {
        let a = HugePages;
        let size = LARGE + 3 * HUGE + 17;
        let layout = Layout::from_size_align(size, 64).unwrap();
        // SAFETY: the layout is non-zero; the block is written within its
        // size and freed with the layout it has at that point.
        unsafe {
            let p = a.alloc_zeroed(layout);
            assert!(!p.is_null());
            let block = std::slice::from_raw_parts_mut(p, size);
            assert!(block.iter().all(|&b| b == 0));
            for (i, b) in block.iter_mut().enumerate() {
                *b = (i % 251) as u8;
            }
            let q = a.realloc(p, layout, 2 * size);
            assert!(!q.is_null());
            let grown = std::slice::from_raw_parts(q, size);
            assert!(grown.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
            a.dealloc(q, Layout::from_size_align(2 * size, 64).unwrap());
        }
    }
}
