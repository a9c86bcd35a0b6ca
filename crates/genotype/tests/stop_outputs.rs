//! [`genotype::stop_outputs`], alone in its test binary: it removes every
//! temporary file of the process and blocks other writers, which would
//! disturb tests running beside it.

#![allow(clippy::unwrap_used)] // a failed setup is a failed test

mod common;

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use common::names;
use genotype::{stop_outputs, AtomicFile, OutputSet};

#[test]
fn stopping_removes_every_temporary_file_and_holds_other_writers() {
    let dir = tempfile::tempdir().unwrap();
    // A file being written, and one committed into a set not yet published.
    let mut open = AtomicFile::create(&dir.path().join("a.txt")).unwrap();
    open.write_all(b"half").unwrap();
    let set = OutputSet::open();
    let mut staged = AtomicFile::create(&dir.path().join("b.txt")).unwrap();
    staged.write_all(b"whole").unwrap();
    staged.commit().unwrap();
    assert_eq!(names(dir.path()).len(), 2, "two temporary files");

    let (guard, removed) = stop_outputs();
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));

    // Another writer waits while the outputs are stopped.
    let (tx, rx) = mpsc::channel();
    let p = dir.path().join("c.txt");
    let writer = std::thread::spawn(move || {
        let f = AtomicFile::create(&p).unwrap();
        tx.send(()).unwrap();
        f.commit().unwrap();
    });
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "a writer got through"
    );

    // The interrupted run's log is still written, whole.
    guard.write(&dir.path().join("x.log"), b"interrupted\n").unwrap();
    assert_eq!(names(dir.path()), ["x.log"]);

    drop(guard);
    writer.join().unwrap();
    assert_eq!(names(dir.path()), ["c.txt", "x.log"]);
    // The dropped writer and the set find their files gone, quietly.
    drop(open);
    drop(set);
    assert_eq!(names(dir.path()), ["c.txt", "x.log"]);
}
