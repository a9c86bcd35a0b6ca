//! Tests of `atomic`.

// The helpers of the integration tests, here too.
#[path = "../tests/common/mod.rs"]
mod common;

use common::names;

use super::*;

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
