//! Helpers shared by the integration tests: a scratch directory and generated files as an ingest input.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};

use tsi_core::service::{IngestInput, UploadFile};

/// A fresh directory under the system temp dir, removed on drop.
pub struct TmpDir(pub PathBuf);

impl TmpDir {
    pub fn new(tag: &str) -> TmpDir {
        let p = std::env::temp_dir().join(format!("tsi-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TmpDir(p)
    }
}

impl Drop for TmpDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn upload(p: &Path) -> UploadFile {
    UploadFile { name: p.file_name().unwrap().to_string_lossy().into_owned(), raw: std::fs::read(p).unwrap() }
}

/// Files of a generated schedule as an ingest input.
pub fn input(files: &[PathBuf]) -> IngestInput {
    let find = |s: &str| files.iter().find(|f| f.to_string_lossy().contains(s)).map(|p| upload(p));
    IngestInput {
        schedule: upload(&files[0]),
        visibility: find("possible_periods"),
        dark: find("dark_periods"),
        name: None,
        max_bytes: 1 << 30,
    }
}
