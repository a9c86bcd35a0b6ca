//! The per-prefix lock: one run at a time writes the outputs of an `--out`
//! prefix. `PREFIX.lock` holds the PID of the run that owns the prefix and
//! an exclusive `flock(2)` for as long as it runs; the kernel drops the
//! `flock` when that process ends, however it ends, so a lock file left by
//! a run that died is found unlocked and taken over.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use genotype::with_extension;

/// Another run holds the lock of the prefix.
#[derive(Debug)]
pub struct Busy {
    /// The lock file.
    pub lock: PathBuf,
    /// The PID recorded in it, when there is one yet.
    pub pid: Option<u32>,
}

impl fmt::Display for Busy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = self.pid.map_or("another kindred run".to_string(), |p| {
            format!("another kindred run (PID {p})")
        });
        write!(
            f,
            "{who} is writing to this --out prefix and holds {}; wait for it to end or choose another --out",
            self.lock.display()
        )
    }
}

impl std::error::Error for Busy {}

/// The lock of an output prefix, held until dropped (which removes the file).
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
    file: File,
    /// The PID found in a lock file that was no longer locked (a run that
    /// ended without removing it).
    pub stale_pid: Option<u32>,
}

impl OutputLock {
    /// Takes `PREFIX.lock` for this process, or reports the run that holds it.
    ///
    /// # Errors
    /// [`Busy`] when another process holds the lock; an I/O error naming the
    /// lock file when it cannot be created or locked.
    pub fn acquire(prefix: &Path) -> anyhow::Result<Self> {
        let path = with_extension(prefix, "lock");
        let io = |e: std::io::Error| genotype::Error::Io {
            path: path.clone(),
            source: e,
        };
        // Held until the lock is registered: an interruption meanwhile
        // waits, then finds the file to remove.
        let mut run = crate::interrupt::state();
        // A holder removes the file before it unlocks it; a lock taken on a
        // file that was removed meanwhile is not the lock: try again.
        for _ in 0..100 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io)?;
            // SAFETY: flock on a descriptor this function owns.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::WouldBlock {
                    return Err(io(e).into());
                }
                return Err(Busy {
                    pid: holder_pid(&mut file),
                    lock: path,
                }
                .into());
            }
            let same = match (file.metadata(), std::fs::metadata(&path)) {
                (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                _ => false,
            };
            if !same {
                continue;
            }
            let stale_pid = read_pid(&mut file);
            file.set_len(0).map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            writeln!(file, "{}", std::process::id()).map_err(io)?;
            run.add_lock(&path);
            return Ok(Self { path, file, stale_pid });
        }
        Err(io(std::io::Error::other("the lock file keeps being replaced")).into())
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for OutputLock {
    /// Removes the lock file, then unlocks it (closing the descriptor).
    fn drop(&mut self) {
        crate::interrupt::forget_lock(&self.path);
        let _ = std::fs::remove_file(&self.path);
        // SAFETY: unlocking the descriptor this lock owns (closing it
        // would release the lock too).
        unsafe { libc::flock(self.file.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// The PID written in a lock file, if any.
fn read_pid(file: &mut File) -> Option<u32> {
    let mut s = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut s).ok()?;
    s.trim().parse().ok()
}

/// The PID of the run holding a lock: it writes it just after locking, so
/// wait a moment for it when the file is still empty.
fn holder_pid(file: &mut File) -> Option<u32> {
    for _ in 0..20 {
        if let Some(pid) = read_pid(file) {
            return Some(pid);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_17_3_second_lock_is_refused_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("x");
        let lock = OutputLock::acquire(&prefix).unwrap();
        assert_eq!(lock.stale_pid, None);
        let text = std::fs::read_to_string(lock.path()).unwrap();
        assert_eq!(text.trim(), std::process::id().to_string());
        // flock is per open file description: a second open in this process conflicts too.
        let err = OutputLock::acquire(&prefix).unwrap_err();
        let busy = err.downcast_ref::<Busy>().expect("Busy");
        assert_eq!(busy.pid, Some(std::process::id()));
        assert!(err.to_string().contains("x.lock"), "{err}");
        drop(lock);
        assert!(!dir.path().join("x.lock").exists());
        drop(OutputLock::acquire(&prefix).unwrap());
    }

    #[test]
    fn issue_17_3_unlocked_lock_file_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("x");
        std::fs::write(dir.path().join("x.lock"), "4194999\n").unwrap();
        let lock = OutputLock::acquire(&prefix).unwrap();
        assert_eq!(lock.stale_pid, Some(4_194_999));
        let text = std::fs::read_to_string(lock.path()).unwrap();
        assert_eq!(text.trim(), std::process::id().to_string());
    }
}
