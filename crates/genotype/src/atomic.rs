//! Crash-safe output files: each is written to a fresh temporary file in
//! its destination's directory and renamed into place, alone
//! ([`AtomicFile::commit`]) or together with the other files of a run
//! ([`OutputSet`]).
//!
//! A temporary file is created exclusively (`O_CREAT | O_EXCL`) under an
//! unpredictable name (`.NAME.XXXXXX.tmp`), so a link planted in the
//! directory is never followed and two writers of one name never share a
//! temporary file.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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
    tmp: TempPath,
}

/// The directory a file of `path` is created in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A new temporary file beside `path`, created exclusively (`O_CREAT |
/// O_EXCL`: never through a link planted at its name) under a random name,
/// with the permissions a plain create gives: mode 0666 asked, so the
/// kernel applies the umask (or the directory's default ACL) exactly as for
/// `File::create`, not `tempfile`'s usual 0600. Errors are the system's own
/// (`tempfile`'s own constructors wrap them with the temporary name).
fn temp_beside(path: &Path) -> std::io::Result<(File, TempPath)> {
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
            Some(tmp) => tmp.persist(&path).map_err(|e| Error::io(&path, e.error)),
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
    static STAGED: RefCell<Option<Vec<(TempPath, PathBuf)>>> = const { RefCell::new(None) };
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
    pub fn publish(self) -> Result<Vec<PathBuf>> {
        let staged = STAGED.with(|s| s.borrow_mut().take()).unwrap_or_default();
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
                return Err(Error::io(&path, e.error));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn atomic_file_leaves_nothing_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.txt");
        {
            let mut f = AtomicFile::create(&p).unwrap();
            f.write_all(b"half").unwrap();
        }
        assert!(names(dir.path()).is_empty());
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"whole").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "whole");
        assert_eq!(names(dir.path()), ["x.txt"]);
    }

    /// A link planted at the old fixed temporary name is left alone, the
    /// file it points to is untouched, and the output is a regular file.
    #[cfg(unix)]
    #[test]
    fn issue_17_2_planted_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let p = dir.path().join("x.txt");
        std::os::unix::fs::symlink(&victim, dir.path().join("x.txt.tmp")).unwrap();
        std::os::unix::fs::symlink(&victim, &p).unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"out").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(std::fs::symlink_metadata(&p).unwrap().file_type().is_file());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "out");
    }

    /// The output has the mode a plain create gives (the umask applied to
    /// 0666), not a temporary file's 0600.
    #[cfg(unix)]
    #[test]
    fn output_mode_is_that_of_a_plain_create() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::File::create(&plain).unwrap();
        let p = dir.path().join("x.txt");
        AtomicFile::create(&p).unwrap().commit().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), mode(&plain));
    }

    #[test]
    fn creation_error_is_the_systems_own() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("missing").join("x.txt");
        let e = AtomicFile::create(&p).unwrap_err();
        let Error::Io { path, source } = e else { panic!("{e}") };
        assert_eq!(path, p);
        assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        assert!(!source.to_string().contains(".tmp"), "{source}");
    }

    /// Two writers of one name never share a temporary file.
    #[test]
    fn issue_17_3_two_writers_of_one_name_do_not_collide() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.txt");
        let mut a = AtomicFile::create(&p).unwrap();
        let mut b = AtomicFile::create(&p).unwrap();
        a.write_all(b"a").unwrap();
        b.write_all(b"b").unwrap();
        a.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a");
        b.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "b");
        assert_eq!(names(dir.path()), ["x.txt"]);
    }

    #[test]
    fn issue_17_8_output_set_publishes_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let write = |p: &Path| {
            let mut f = AtomicFile::create(p).unwrap();
            f.write_all(b"new").unwrap();
            f.commit().unwrap();
        };
        // Dropped: nothing published, nothing left.
        {
            let _set = OutputSet::open();
            write(&a);
            write(&b);
            assert!(!a.exists() && !b.exists());
        }
        assert!(names(dir.path()).is_empty());
        // A directory in the way of the second: neither is published.
        std::fs::create_dir(&b).unwrap();
        let set = OutputSet::open();
        write(&a);
        write(&b);
        assert_eq!(set.staged(), [a.clone(), b.clone()]);
        let err = set.publish().unwrap_err();
        assert!(err.to_string().contains('b'), "{err}");
        assert_eq!(names(dir.path()), ["b"]);
        // Published together.
        std::fs::remove_dir(&b).unwrap();
        let set = OutputSet::open();
        write(&a);
        write(&b);
        assert_eq!(set.publish().unwrap(), [a.clone(), b.clone()]);
        assert_eq!(names(dir.path()), ["a", "b"]);
        // Closed: commits rename at once again.
        std::fs::remove_file(&a).unwrap();
        write(&a);
        assert!(a.exists());
    }
}
