//! Where the unit tests find MARC data: the repository's own fixtures in
//! `tests/fixtures/marc/`, always there, and the corpus of real partner and reference
//! files, which only some checkouts have beside them.
//!
//! The corpus is the directory named by `HAMKOR_MARC_CORPUS`, else `../shared/data/marc`
//! next to the repository when it exists. Without either, a corpus test says it is skipped
//! and passes. With `HAMKOR_MARC_CORPUS` set, a missing directory or file fails the test, so
//! a run that asked for the corpus cannot pass without it. The integration tests have the
//! same rules in `tests/api/corpus.rs`.

use std::path::{Path, PathBuf};

pub const CORPUS_VAR: &str = "HAMKOR_MARC_CORPUS";

/// The real-world MARC files.
pub struct Corpus {
    dir: PathBuf,
}

impl Corpus {
    /// The corpus, or `None` after printing why the calling test is skipped.
    #[track_caller]
    pub fn find() -> Option<Corpus> {
        if let Some(dir) = std::env::var_os(CORPUS_VAR).filter(|v| !v.is_empty()) {
            let dir = PathBuf::from(dir);
            assert!(dir.is_dir(), "{CORPUS_VAR}={} is not a directory", dir.display());
            return Some(Corpus { dir });
        }
        let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/marc");
        if beside.is_dir() {
            return Some(Corpus { dir: beside });
        }
        let thread = std::thread::current();
        eprintln!(
            "skipped: {}: the MARC corpus is not present (set {CORPUS_VAR} or place it at ../shared/data/marc)",
            thread.name().unwrap_or("a MARC corpus test")
        );
        None
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of a corpus file, which must exist.
    #[track_caller]
    pub fn path(&self, name: &str) -> PathBuf {
        let path = self.dir.join(name);
        assert!(path.is_file(), "the MARC corpus in {} has no {name}", self.dir.display());
        path
    }

    #[track_caller]
    pub fn read(&self, name: &str) -> Vec<u8> {
        let path = self.path(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }
}

/// The directory of the repository's own MARC fixtures.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/marc")
}

/// The bytes of one fixture file.
#[track_caller]
pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read the fixture {}: {e}", path.display()))
}
