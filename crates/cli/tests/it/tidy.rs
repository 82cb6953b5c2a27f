//! Repository hygiene for the whole workspace (in the spirit of rust-analyzer's
//! `tidy`): every Rust file starts with a `//!` doc saying what it is for, and
//! library code has no `unwrap()` / `expect(` / `panic!`-family calls outside its
//! test modules (test files and `#[cfg(test)] mod tests` are exempt).

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The files below `dir` whose extension is one of `extensions`.
fn files_ending(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_ending(&path, extensions, out);
        } else if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            out.push(path);
        }
    }
}

/// `files` sorted, with their text.
fn read_all(mut files: Vec<PathBuf>) -> Vec<(PathBuf, String)> {
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// Every Rust file of every crate (src, tests, examples, benches).
fn sources() -> Vec<(PathBuf, String)> {
    let root = workspace();
    let mut files = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let krate = krate.unwrap().path();
        for part in ["src", "tests", "examples", "benches"] {
            files_ending(&krate.join(part), &["rs"], &mut files);
        }
    }
    assert!(files.len() > 40, "found the workspace's sources");
    read_all(files)
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

/// Hand-written source files of the repository beyond Rust: the dashboard's TypeScript
/// (not the generated API schema) and the ops scripts.
fn other_sources() -> Vec<(PathBuf, String)> {
    let root = workspace();
    let mut files = Vec::new();
    for dir in ["frontend/src", "frontend/e2e"] {
        files_ending(&root.join(dir), &["ts", "tsx", "mjs"], &mut files);
    }
    files.retain(|p| !p.ends_with("schema.d.ts"));
    assert!(files.len() > 20, "found the dashboard's sources");
    read_all(files)
}

/// Every file stays readable in one sitting: no source file over 800 lines.
#[test]
fn no_file_is_over_800_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .chain(other_sources())
        .filter(|(_, text)| text.lines().count() > 800)
        .map(|(p, text)| format!("{}: {} lines", p.display(), text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these files:\n{}", long.join("\n"));
}

/// Arguments that travel together become a struct; clippy's limit is not switched off.
#[test]
fn no_too_many_arguments_allows() {
    let needle = ["too_many", "_arguments"].concat();
    let found: Vec<String> = sources()
        .into_iter()
        .filter(|(p, _)| !p.ends_with("tidy.rs"))
        .filter(|(_, text)| text.contains(&needle))
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert!(
        found.is_empty(),
        "{needle} allowed in:\n{}",
        found.join("\n")
    );
}

/// ARCHITECTURE.md stays a map a newcomer reads in one sitting: detail belongs in module
/// docs, dated figures in `docs/performance.md` (it grew back to 325 lines once, by figures).
#[test]
fn the_architecture_map_stays_under_200_lines() {
    let text = std::fs::read_to_string(workspace().join("ARCHITECTURE.md")).unwrap();
    let lines = text.lines().count();
    assert!(
        lines < 200,
        "ARCHITECTURE.md has {lines} lines: move detail into module docs and dated figures into docs/performance.md"
    );
}

/// Nothing cites a file the repository does not contain (the product design that code
/// comments rely on is `docs/design.md`).
#[test]
fn nothing_cites_a_design_file_outside_the_repository() {
    let outside = ["DESIGN", ".md"].concat();
    let shared = ["../", "shared"].concat();
    let mut texts: Vec<(PathBuf, String)> = sources();
    texts.extend(other_sources());
    let root = workspace();
    for doc in [
        "ARCHITECTURE.md",
        "README.md",
        "SECURITY.md",
        "docs/design.md",
        "docs/performance.md",
        "ops/lab",
        "ops/run",
        "ops/test",
    ] {
        texts.push((
            root.join(doc),
            std::fs::read_to_string(root.join(doc)).unwrap(),
        ));
    }
    let citing: Vec<String> = texts
        .into_iter()
        .filter(|(p, _)| !p.ends_with("tidy.rs"))
        .filter(|(_, text)| text.contains(&outside) || text.contains(&shared))
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert!(
        citing.is_empty(),
        "cites a file outside the repository:\n{}",
        citing.join("\n")
    );
    assert!(root.join("docs/design.md").is_file());
}

/// Places where a run of `at_least` lines stands again (comments, imports, blank lines
/// and lone punctuation skipped, white space folded), as (length, first place, copy).
fn longest_shared_run(
    files: &[(PathBuf, String)],
    at_least: usize,
) -> Vec<(usize, String, String)> {
    use std::collections::HashMap;
    // Meaningful lines of each file with their line numbers.
    let norm: Vec<Vec<(usize, String)>> = files
        .iter()
        .map(|(_, text)| {
            text.lines()
                .enumerate()
                .map(|(i, l)| (i + 1, l.split_whitespace().collect::<Vec<_>>().join(" ")))
                .filter(|(_, l)| {
                    !l.is_empty()
                        && !l.starts_with("//")
                        && !l.starts_with("use ")
                        && !l.starts_with("import ")
                        && l.chars().any(char::is_alphanumeric)
                })
                .collect()
        })
        .collect();
    // Windows of `at_least` lines, by content: (file, index) of the first place.
    let mut found = Vec::new();
    let key = |w: &[(usize, String)]| {
        w.iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut by_text: HashMap<String, (usize, usize)> = HashMap::new();
    for (f, lines) in norm.iter().enumerate() {
        let mut i = 0;
        while i + at_least <= lines.len() {
            let w = &lines[i..i + at_least];
            let k = key(w);
            match by_text.get(&k) {
                Some(&(g, j)) if (g, j) != (f, i) => {
                    found.push((
                        at_least,
                        format!("{}:{}", files[g].0.display(), norm[g][j].0),
                        format!("{}:{}", files[f].0.display(), w[0].0),
                    ));
                    i += at_least;
                    continue;
                }
                _ => {
                    by_text.insert(k, (f, i));
                }
            }
            i += 1;
        }
    }
    found
}

/// No block longer than 20 lines is written twice in the hand-written sources (what
/// the `duplicates` tool calls an identical run; generated code is left out).
#[test]
fn no_block_over_20_lines_is_copied() {
    let mut files = sources();
    files.extend(other_sources());
    let copies = longest_shared_run(&files, 21);
    assert!(
        copies.is_empty(),
        "blocks of more than 20 lines written twice (make one serve both):\n{}",
        copies
            .iter()
            .map(|(n, a, b)| format!("{n}+ lines: {a} ~ {b}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The copy detector itself: a 25-line block written twice is found, whatever the
/// indentation; a 15-line one is not.
#[test]
fn the_copy_detector_finds_a_copied_block() {
    let block = |n: usize, indent: &str| -> String {
        (0..n)
            .map(|i| format!("{indent}let v{i} = f({i});\n"))
            .collect()
    };
    let files = vec![
        (
            PathBuf::from("a.rs"),
            format!("fn a() {{\n{}}}\n", block(25, "    ")),
        ),
        (
            PathBuf::from("b.rs"),
            format!("fn b() {{\n{}}}\n", block(25, "        ")),
        ),
    ];
    let found = longest_shared_run(&files, 21);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].1.as_str(), found[0].2.as_str()),
        ("a.rs:2", "b.rs:2")
    );
    let short = vec![
        (PathBuf::from("a.rs"), block(15, "")),
        (PathBuf::from("b.rs"), block(15, "")),
    ];
    assert!(longest_shared_run(&short, 21).is_empty());
}

/// States and classes are enums (`domain::text_enum!`), compared as such: library code
/// never compares a state column's text (`state == "failed"`), so a new state is a
/// compile error at every match instead of a silently missed case.
#[test]
fn no_state_is_compared_as_text() {
    let patterns = [
        ["state", " == \""].concat(),
        ["state", " != \""].concat(),
        ["state", ".as_str(), \""].concat(),
        ["class", ".as_deref() == "].concat(),
    ];
    let mut offences = Vec::new();
    for (path, text) in sources() {
        if !path.components().any(|c| c.as_os_str() == "src") {
            continue;
        }
        for (no, line) in text.lines().enumerate() {
            if patterns.iter().any(|p| line.contains(p.as_str())) {
                offences.push(format!("{}:{}", path.display(), no + 1));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "state compared as text (use the domain enum):\n{}",
        offences.join("\n")
    );
}
