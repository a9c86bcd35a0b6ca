//! Memory: the limit a run is given (`--memory MB`) and the peak it used.

use crate::args::Common;

/// The peak resident memory of this process so far, in bytes (Linux's
/// `VmHWM`, what `/usr/bin/time -v` reports as "Maximum resident set
/// size" and schedulers account); `None` where the system does not say.
pub fn peak_resident_bytes() -> Option<u64> {
    kinship::memory::process_status("VmHWM")
}

/// Writes the run summary `report` to `path` (keys sorted, crash-safe)
/// with the run's peak resident memory so far as `peak_resident_bytes`:
/// the figure a workflow's `resources: mem_mb` can be checked against.
pub fn write_json_with_peak(path: &std::path::Path, report: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut v = serde_json::to_value(report)?;
    if let (Some(map), Some(peak)) = (v.as_object_mut(), peak_resident_bytes()) {
        map.insert("peak_resident_bytes".into(), peak.into());
    }
    association::output::write_json(path, &v)?;
    Ok(())
}

/// The limit `--memory MB` sets, in bytes (1 MB = 10⁶ bytes, the unit of
/// `kindred plan`'s `mem_mb`).
pub fn limit(common: &Common) -> Option<u64> {
    common.memory.map(|mb| mb.saturating_mul(1_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let a = std::hint::black_box(vec![1u8; 64 << 20]);
            let peak = peak_resident_bytes().unwrap();
            assert!(peak >= 64 << 20, "{peak}");
            drop(a);
        }
    }
}
