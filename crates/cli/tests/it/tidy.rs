//! Repository hygiene for the whole workspace (in the spirit of rust-analyzer's
//! `tidy`): every Rust file starts with a `//!` doc saying what it is for, and
//! library code has no `unwrap()` / `expect(` / `panic!`-family calls outside its
//! test modules (test files and `#[cfg(test)] mod tests` are exempt).

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every Rust file of every crate (src, tests, examples, benches).
fn sources() -> Vec<(PathBuf, String)> {
    let root = workspace();
    let mut files = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let krate = krate.unwrap().path();
        for part in ["src", "tests", "examples", "benches"] {
            rust_files(&krate.join(part), &mut files);
        }
    }
    files.sort();
    assert!(files.len() > 40, "found the workspace's sources");
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

#[test]
fn every_rust_file_has_a_module_doc() {
    let missing: Vec<_> = sources()
        .into_iter()
        .filter(|(_, text)| !text.trim_start().starts_with("//!"))
        .map(|(p, _)| p)
        .collect();
    assert!(
        missing.is_empty(),
        "files without a //! module doc: {missing:?}"
    );
}

#[test]
fn library_code_does_not_panic() {
    let mut offences = Vec::new();
    for (path, text) in sources() {
        // Test files, `tests.rs` files that hold a module's `#[cfg(test)] mod tests;`, and
        // the test kit (test code by definition).
        if !path.components().any(|c| c.as_os_str() == "src")
            || path.ends_with("tests.rs")
            || path.components().any(|c| c.as_os_str() == "testkit")
        {
            continue;
        }
        // Everything from the test module on is test code.
        let lib = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        for (no, line) in lib.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for bad in [
                ".unwrap()",
                ".expect(",
                "panic!(",
                "unreachable!(",
                "todo!(",
                "unimplemented!(",
            ] {
                if code.contains(bad) {
                    offences.push(format!("{}:{}: {bad}", path.display(), no + 1));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "panicking calls in library code:\n{}",
        offences.join("\n")
    );
}
