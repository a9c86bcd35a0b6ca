//! Crash-safe output files: each is written to a fresh temporary file in
//! its destination's directory and renamed into place, alone
//! ([`AtomicFile::commit`]) or together with the other files of a run
//! ([`OutputSet`]).
//!
//! A temporary file is created exclusively (`O_CREAT | O_EXCL`) under an
//! unpredictable name (`.NAME.XXXXXX.tmp`), so a link planted in the
//! directory is never followed and two writers of one name never share a
//! temporary file.
//!
//! Every temporary file of the process is listed from its creation until it
//! is renamed into place or removed, and renames happen under one
//! publication lock, so that [`stop_outputs`] (the path of an interrupted
//! run, e.g. on `SIGTERM`) can wait for a set being published, remove every
//! temporary file left and keep any other from being created or published.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tempfile::{Builder, TempPath};

use crate::error::{Error, Result};

/// An output file written to a temporary file beside `path` and renamed into
/// place by [`AtomicFile::commit`], so that a crash or a kill leaves either
/// the old file or the new one, never half of one. Dropped without `commit`,
/// the temporary file is removed.
///
/// While an [`OutputSet`] is open on the committing thread, `commit` hands
/// the finished temporary file to the set instead of renaming it.
///
/// ```
/// use std::io::Write;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out.txt");
/// let mut f = genotype::AtomicFile::create(&path).unwrap();
/// writeln!(f, "hello").unwrap();
/// f.commit().unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    /// The temporary file's descriptor.
    out: BufWriter<File>,
    /// Its name (the file is removed when this is dropped).
    tmp: Staged,
}

/// The directory a file of `path` is created in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Names of the temporary files of this process that are neither renamed
/// into place nor removed yet.
static LIVE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Held while files are renamed into place ([`AtomicFile::commit`],
/// [`OutputSet::publish`]), so that a set is never published in part.
static PUBLISH: Mutex<()> = Mutex::new(());

/// Locks `m`, whatever a panic holding it left (the sets it guards stay
/// valid: each change is one insertion or removal).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A temporary file's name, listed in [`LIVE`] for as long as the file may
/// exist: from its creation (see [`temp_beside`]) until it is renamed into
/// place ([`Staged::persist`]) or removed (when dropped).
#[derive(Debug)]
struct Staged(Option<TempPath>);

impl Staged {
    /// Renames the file onto `dest` (the caller holds [`PUBLISH`]).
    fn persist(mut self, dest: &Path) -> std::io::Result<()> {
        let Some(tmp) = self.0.take() else {
            return Ok(());
        };
        let name = tmp.to_path_buf();
        // On failure the returned `TempPath` is dropped: the file is removed.
        let result = tmp.persist(dest).map_err(|e| e.error);
        lock(&LIVE).remove(&name);
        result
    }
}

impl Drop for Staged {
    /// Removes the file and forgets its name.
    fn drop(&mut self) {
        if let Some(tmp) = self.0.take() {
            let name = tmp.to_path_buf();
            drop(tmp);
            lock(&LIVE).remove(&name);
        }
    }
}

/// A new temporary file beside `path` (see [`create_temp`]), listed among
/// the live temporary files: creation and listing happen under the list's
/// lock, so that [`stop_outputs`] finds every file created before it and
/// none is created after it.
fn temp_beside(path: &Path) -> std::io::Result<(File, Staged)> {
    let mut live = lock(&LIVE);
    let (file, tmp) = create_temp(path)?;
    live.insert(tmp.to_path_buf());
    Ok((file, Staged(Some(tmp))))
}

/// A new temporary file beside `path`, created exclusively (`O_CREAT |
/// O_EXCL`: never through a link planted at its name) under a random name,
/// with the permissions a plain create gives: mode 0666 asked, so the
/// kernel applies the umask (or the directory's default ACL) exactly as for
/// `File::create`, not `tempfile`'s usual 0600. Errors are the system's own
/// (`tempfile`'s own constructors wrap them with the temporary name).
fn create_temp(path: &Path) -> std::io::Result<(File, TempPath)> {
    let name = path.file_name().map_or("out".into(), |n| n.to_string_lossy());
    let prefix = format!(".{name}.");
    let tmp = Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .make_in(parent_dir(path), |p| {
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o666);
            o.open(p)
        })?;
    Ok(tmp.into_parts())
}

impl AtomicFile {
    /// Creates a temporary file beside `path` for writing.
    ///
    /// # Errors
    /// `Io` naming `path` when the temporary file cannot be created.
    pub fn create(path: &Path) -> Result<Self> {
        let (file, tmp) = temp_beside(path).map_err(|e| Error::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, file),
            tmp,
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes and syncs the temporary file, then renames it onto the final
    /// path, or, while an [`OutputSet`] is open on this thread, leaves the
    /// rename to [`OutputSet::publish`].
    ///
    /// # Errors
    /// `Io` naming the file when any step fails.
    pub fn commit(self) -> Result<()> {
        let Self { path, out, tmp } = self;
        let file = out.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&path, e))?;
        drop(file);
        let tmp = STAGED.with(|s| match s.borrow_mut().as_mut() {
            Some(staged) => {
                staged.push((tmp, path.clone()));
                None
            }
            None => Some(tmp),
        });
        match tmp {
            Some(tmp) => {
                let _publishing = lock(&PUBLISH);
                tmp.persist(&path).map_err(|e| Error::io(&path, e))
            }
            None => Ok(()),
        }
    }

    /// Maps an I/O error of a write to this file's error.
    pub fn err(&self, e: std::io::Error) -> Error {
        Error::io(&self.path, e)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

thread_local! {
    /// Finished temporary files and their destinations, while an
    /// [`OutputSet`] is open on this thread.
    static STAGED: RefCell<Option<Vec<(Staged, PathBuf)>>> = const { RefCell::new(None) };
}

/// The temporary file holding `dest` while it is staged in the
/// [`OutputSet`] open on this thread; `None` when it is not (it is then at
/// `dest`, if anywhere).
pub fn staged_file(dest: &Path) -> Option<PathBuf> {
    STAGED.with(|s| {
        s.borrow()
            .iter()
            .flatten()
            .find(|(_, p)| p == dest)
            .and_then(|(t, _)| t.0.as_ref().map(|t| t.to_path_buf()))
    })
}

/// The outputs of one run, published together: while the set is open, every
/// [`AtomicFile`] committed on this thread stays a finished temporary file;
/// [`OutputSet::publish`] renames them all into place, and a set dropped
/// without publishing removes them, so a failed run publishes none of its
/// files.
///
/// ```
/// use std::io::Write;
/// let dir = tempfile::tempdir().unwrap();
/// let set = genotype::OutputSet::open();
/// let mut f = genotype::AtomicFile::create(&dir.path().join("a.txt")).unwrap();
/// f.write_all(b"a").unwrap();
/// f.commit().unwrap();
/// assert!(!dir.path().join("a.txt").exists());
/// set.publish().unwrap();
/// assert!(dir.path().join("a.txt").exists());
/// ```
#[derive(Debug)]
pub struct OutputSet {
    /// Not `Send`: the set belongs to the thread it was opened on.
    _thread: std::marker::PhantomData<*const ()>,
}

impl OutputSet {
    /// Opens a set on the current thread.
    ///
    /// # Panics
    /// When a set is already open on this thread.
    pub fn open() -> Self {
        STAGED.with(|s| {
            let mut s = s.borrow_mut();
            assert!(s.is_none(), "an OutputSet is already open on this thread");
            *s = Some(Vec::new());
        });
        Self {
            _thread: std::marker::PhantomData,
        }
    }

    /// Where the bytes of `dest`, committed to this set, are until it is
    /// published (its temporary file), so that a run can read back what it
    /// wrote (e.g. to plot it); `None` when `dest` is not staged here.
    pub fn staged_file(&self, dest: &Path) -> Option<PathBuf> {
        staged_file(dest)
    }

    /// The destinations of the files committed so far, in commit order.
    pub fn staged(&self) -> Vec<PathBuf> {
        STAGED.with(|s| s.borrow().iter().flatten().map(|(_, p)| p.clone()).collect())
    }

    /// Renames every committed file into place, in commit order, and syncs
    /// their directories. Destinations are checked first (an existing
    /// directory cannot be replaced), so a failure leaves none of the set
    /// published; a rename that still fails removes the files this set had
    /// newly created.
    ///
    /// # Errors
    /// `Io` naming the destination that cannot be replaced.
    /// The renames happen under the process's publication lock, which
    /// [`stop_outputs`] takes first: an interrupted run publishes a whole
    /// set or none of it.
    pub fn publish(self) -> Result<Vec<PathBuf>> {
        let staged = STAGED.with(|s| s.borrow_mut().take()).unwrap_or_default();
        let _publishing = lock(&PUBLISH);
        for (_, path) in &staged {
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
                let e = std::io::Error::new(std::io::ErrorKind::IsADirectory, "a directory is in the way");
                return Err(Error::io(path, e));
            }
        }
        let mut created = Vec::new();
        let mut published = Vec::new();
        for (tmp, path) in staged {
            let existed = std::fs::symlink_metadata(&path).is_ok();
            if let Err(e) = tmp.persist(&path) {
                for p in &created {
                    let _ = std::fs::remove_file(p);
                }
                return Err(Error::io(&path, e));
            }
            if !existed {
                created.push(path.clone());
            }
            published.push(path);
        }
        sync_dirs(&published);
        Ok(published)
    }
}

impl Drop for OutputSet {
    /// Removes the files of a set that was not published.
    fn drop(&mut self) {
        // Dropping each `TempPath` removes its file.
        let _ = STAGED.try_with(|s| s.borrow_mut().take());
    }
}

/// Syncs the directories holding `paths` so the renames survive a crash
/// (best effort: not every file system lets a directory be synced).
fn sync_dirs(paths: &[PathBuf]) {
    let mut dirs: Vec<&Path> = paths.iter().map(|p| parent_dir(p)).collect();
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        if let Ok(f) = std::fs::File::open(d) {
            let _ = f.sync_all();
        }
    }
}

/// Stops every output of this process, for a run that must end now (a
/// `SIGTERM` or `SIGINT`): waits for a set being published to finish its
/// renames, then removes every temporary file not yet renamed into place,
/// and, for as long as the returned guard lives, keeps any other thread from
/// creating a temporary file or renaming one into place (they wait). Meant
/// for a process about to exit: the guard is not dropped.
///
/// Returns the guard and the temporary files it removed.
pub fn stop_outputs() -> (OutputsStopped, Vec<PathBuf>) {
    let publishing = lock(&PUBLISH);
    let mut live = lock(&LIVE);
    let names: Vec<PathBuf> = std::mem::take(&mut *live).into_iter().collect();
    let removed = names.into_iter().filter(|p| std::fs::remove_file(p).is_ok()).collect();
    let guard = OutputsStopped {
        _publishing: publishing,
        _live: live,
    };
    (guard, removed)
}

/// The outputs of this process stopped by [`stop_outputs`]: no temporary
/// file is created or renamed by another thread while it lives.
#[derive(Debug)]
pub struct OutputsStopped {
    _publishing: MutexGuard<'static, ()>,
    _live: MutexGuard<'static, BTreeSet<PathBuf>>,
}

impl OutputsStopped {
    /// Writes `bytes` to `path` the crash-safe way (a temporary file beside
    /// it, synced, then renamed onto it): the one file an interrupted run
    /// still writes, its `.log`.
    ///
    /// # Errors
    /// `Io` naming `path`; the temporary file is then removed.
    pub fn write(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        let (mut file, tmp) = create_temp(path).map_err(|e| Error::io(path, e))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io(path, e))?;
        drop(file);
        tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "atomic_tests.rs"]
mod tests;
