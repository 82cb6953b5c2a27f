//! Repository hygiene for this crate: every Rust file starts with a `//!` doc saying what it
//! is for, and library code has no `unwrap()` / `expect(` / `panic!` outside test modules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "examples"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let s = std::fs::read_to_string(&p).unwrap();
            (p, s)
        })
        .collect()
}

#[test]
fn every_file_has_a_module_doc() {
    let missing: Vec<_> = sources()
        .into_iter()
        .filter(|(_, text)| !text.trim_start().starts_with("//!"))
        .map(|(p, _)| p)
        .collect();
    assert!(missing.is_empty(), "files without a //! doc: {missing:?}");
}

#[test]
fn library_code_does_not_panic() {
    for (path, text) in sources() {
        if !path.components().any(|c| c.as_os_str() == "src") {
            continue;
        }
        let lib = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        for (no, line) in lib.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for bad in [
                ".unwrap()",
                ".expect(",
                "panic!(",
                "unreachable!(",
                "todo!(",
            ] {
                assert!(
                    !code.contains(bad),
                    "{}:{}: {bad} in library code",
                    path.display(),
                    no + 1
                );
            }
        }
    }
}
