//! Memory for the `n x n` matrices: estimated before allocating, checked
//! against what the machine has free, and allocated fallibly, so that a
//! sample count too large for the machine is a clear error naming the
//! estimate instead of an allocation panic or the OOM killer.
//!
//! The free memory is Linux's `MemAvailable` (`/proc/meminfo`), lowered to
//! the cgroup v2 limit (`/sys/fs/cgroup/memory.max` minus
//! `memory.current`) when one is set. Where neither can be read the check
//! is skipped and only the allocation itself can fail.

use faer::Mat;

use crate::error::{Error, Result};

/// Requests below this are not checked against the free memory.
const CHECK_FROM: u64 = 64 << 20;

/// `8 n²`: the bytes of one `n x n` `f64` matrix; `None` on overflow.
pub fn square_bytes(n: usize) -> Option<u64> {
    (n as u64).checked_mul(n as u64)?.checked_mul(8)
}

/// Bytes as gigabytes for messages (`28.8 GB`), or megabytes below one GB.
pub fn format_bytes(b: u64) -> String {
    if b >= 1_000_000_000 {
        format!("{:.1} GB", b as f64 / 1e9)
    } else {
        format!("{:.1} MB", b as f64 / 1e6)
    }
}

/// Memory this process can still use, in bytes (see the module docs);
/// `None` where the system does not say.
pub fn available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    let mut avail = kb.saturating_mul(1024);
    let read = |p: &str| std::fs::read_to_string(p).ok()?.trim().parse::<u64>().ok();
    if let (Some(max), Some(cur)) = (read("/sys/fs/cgroup/memory.max"), read("/sys/fs/cgroup/memory.current")) {
        avail = avail.min(max.saturating_sub(cur));
    }
    Some(avail)
}

/// A memory figure of this process from Linux's `/proc/self/status`, in
/// bytes: `VmRSS` (resident now), `VmHWM` (resident at its peak so far,
/// what `/usr/bin/time` and schedulers report), ...; `None` where the
/// system does not say.
pub fn process_status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb.saturating_mul(1024))
}

/// Refuses a request of `bytes` (`None`: beyond what can be addressed)
/// that is more than the free memory; `what` says what it is for.
///
/// # Errors
/// `OutOfMemory` with the estimate and what is available.
pub fn ensure(bytes: Option<u64>, what: &str) -> Result<()> {
    let too_big = |needed, available| Error::OutOfMemory {
        what: what.to_string(),
        needed,
        available,
    };
    let Some(b) = bytes.filter(|&b| usize::try_from(b).is_ok()) else {
        return Err(too_big(None, available()));
    };
    if b < CHECK_FROM {
        return Ok(());
    }
    match available() {
        Some(a) if b > a => Err(too_big(Some(b), Some(a))),
        _ => Ok(()),
    }
}

/// A zero `nrows x ncols` matrix, checked against the free memory and
/// allocated without panicking when the allocation fails.
///
/// # Errors
/// `OutOfMemory` naming `what` and the size.
pub fn try_zeros<T: Copy + Default>(nrows: usize, ncols: usize, what: &str) -> Result<Mat<T>> {
    let bytes = (nrows as u64)
        .checked_mul(ncols as u64)
        .and_then(|c| c.checked_mul(std::mem::size_of::<T>() as u64));
    ensure(bytes, what)?;
    let mut m = Mat::<T>::new();
    m.try_reserve(nrows, ncols).map_err(|_| Error::OutOfMemory {
        what: what.to_string(),
        needed: bytes,
        available: available(),
    })?;
    m.resize_with(nrows, ncols, |_, _| T::default());
    Ok(m)
}

/// A vector of `len` copies of `value`, as [`try_zeros`].
///
/// # Errors
/// `OutOfMemory` naming `what` and the size.
pub fn try_vec<T: Clone>(len: usize, value: T, what: &str) -> Result<Vec<T>> {
    let bytes = (len as u64).checked_mul(std::mem::size_of::<T>() as u64);
    ensure(bytes, what)?;
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Error::OutOfMemory {
        what: what.to_string(),
        needed: bytes,
        available: available(),
    })?;
    v.resize(len, value);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn square_bytes_uses_checked_arithmetic() {
        assert_eq!(square_bytes(60_000), Some(28_800_000_000));
        assert_eq!(square_bytes(1 << 31), None);
        assert_eq!(format_bytes(28_800_000_000), "28.8 GB");
        assert_eq!(format_bytes(2_500_000), "2.5 MB");
    }

    #[test]
    fn available_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(available().is_some_and(|a| a > 0));
            let (now, peak) = (process_status("VmRSS").unwrap(), process_status("VmHWM").unwrap());
            assert!(now > 0 && peak >= now, "{now} {peak}");
            assert_eq!(process_status("VmNoSuchField"), None);
        }
    }

    #[test]
    fn issue_17_6_an_impossible_matrix_is_an_error_not_a_panic() {
        // more than the machine has (28.8 GB for 60,000 samples here), and
        // beyond the address space
        let mut sizes = vec![1usize << 31];
        sizes.extend(available().map(|a| ((a / 8) as f64).sqrt() as usize + 1000));
        for n in sizes {
            let e = try_zeros::<f64>(n, n, "the GRM of 60000 samples").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::OutOfMemory, "{e}");
            let msg = e.to_string();
            assert!(
                msg.starts_with("not enough memory for the GRM of 60000 samples: "),
                "{msg}"
            );
        }
        let e = try_vec(usize::MAX / 2, 0u8, "a buffer").unwrap_err();
        assert!(e.to_string().contains("a buffer"), "{e}");
        let m = try_zeros::<f32>(3, 2, "small").unwrap();
        assert_eq!((m.nrows(), m.ncols(), m[(2, 1)]), (3, 2, 0.0));
        assert_eq!(try_vec(4, 1.5, "small").unwrap(), vec![1.5; 4]);
    }
}
