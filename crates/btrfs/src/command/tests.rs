//! Tests of the command builders: the exact argv of every btrfs command dist-btrfs runs.

use super::*;
use proptest::prelude::*;

fn p(s: &str) -> AbsPath {
    AbsPath::parse(s).unwrap()
}

#[test]
fn abs_path_rules() {
    assert!(AbsPath::parse("/mnt/pool/my docs@1").is_ok());
    assert!(AbsPath::parse("/").is_ok());
    assert_eq!(AbsPath::parse(""), Err(PathError::Empty));
    assert!(matches!(
        AbsPath::parse("rel/x"),
        Err(PathError::NotAbsolute(_))
    ));
    assert!(matches!(
        AbsPath::parse("-rf"),
        Err(PathError::NotAbsolute(_))
    ));
    assert!(matches!(
        AbsPath::parse("/a\0b"),
        Err(PathError::ContainsNul(_))
    ));
    assert!(matches!(
        AbsPath::parse("/a\nb"),
        Err(PathError::ContainsNewline(_))
    ));
    assert!(matches!(
        AbsPath::parse("/a\rb"),
        Err(PathError::ContainsNewline(_))
    ));
    assert!(matches!(
        AbsPath::parse("/a/../etc"),
        Err(PathError::ParentComponent(_))
    ));
    assert!(matches!(
        AbsPath::parse("/a/.."),
        Err(PathError::ParentComponent(_))
    ));
    assert!(AbsPath::parse("/a/..b/c..").is_ok());
}

#[test]
fn abs_path_join_parent_file_name() {
    let root = p("/mnt/pool/");
    let snap = root.join("data@2026-11-26").unwrap();
    assert_eq!(snap.as_str(), "/mnt/pool/data@2026-11-26");
    assert_eq!(p("/mnt").join("x").unwrap().as_str(), "/mnt/x");
    assert_eq!(p("/").join("x").unwrap().as_str(), "/x");
    for bad in ["", ".", "..", "a/b", "a\nb", "a\0b"] {
        assert!(root.join(bad).is_err(), "{bad:?}");
    }
    assert_eq!(snap.file_name(), Some("data@2026-11-26"));
    assert_eq!(p("/").file_name(), None);
    assert_eq!(snap.parent(), Some(p("/mnt/pool")));
    assert_eq!(p("/mnt/").parent(), Some(p("/")));
    assert_eq!(p("/").parent(), None);
}

#[test]
fn abs_path_serde_validates() {
    let ok: AbsPath = serde_json::from_str("\"/mnt/x\"").unwrap();
    assert_eq!(ok.as_str(), "/mnt/x");
    assert!(serde_json::from_str::<AbsPath>("\"x\"").is_err());
    assert_eq!(serde_json::to_string(&ok).unwrap(), "\"/mnt/x\"");
}

#[test]
fn builders_make_exact_argv() {
    let words = |a: &Argv| a.words().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(words(&btrfs::version()), ["btrfs", "--version"]);
    assert_eq!(
        words(&btrfs::subvolume_list(&p("/mnt/pool"))),
        [
            "btrfs",
            "subvolume",
            "list",
            "-p",
            "-c",
            "-u",
            "-q",
            "-R",
            "/mnt/pool"
        ]
    );
    assert_eq!(
        words(&btrfs::subvolume_snapshot_readonly(
            &p("/p/data"),
            &p("/p/s/data@1")
        )),
        [
            "btrfs",
            "subvolume",
            "snapshot",
            "-r",
            "/p/data",
            "/p/s/data@1"
        ]
    );
    assert_eq!(
        words(&btrfs::subvolume_delete(&p("/p/s/x"))),
        ["btrfs", "subvolume", "delete", "--commit-after", "/p/s/x"]
    );
    assert_eq!(
        words(&btrfs::send(&p("/s/2"), Some(&p("/s/1")), &[p("/s/0")])),
        ["btrfs", "send", "-p", "/s/1", "-c", "/s/0", "/s/2"]
    );
    assert_eq!(
        words(&btrfs::send(&p("/s/2"), None, &[])),
        ["btrfs", "send", "/s/2"]
    );
    assert_eq!(
        words(&btrfs::send_no_data(&p("/s/2"), Some(&p("/s/1")))),
        ["btrfs", "send", "--no-data", "-p", "/s/1", "/s/2"]
    );
    assert_eq!(words(&btrfs::receive(&p("/r"))), ["btrfs", "receive", "/r"]);
    assert_eq!(
        words(&btrfs::property_get_ro(&p("/s/1"))),
        ["btrfs", "property", "get", "-ts", "/s/1", "ro"]
    );
    assert_eq!(
        words(&btrfs::qgroup_show(&p("/p"))),
        [
            "btrfs", "qgroup", "show", "--raw", "-p", "-c", "-r", "-e", "/p"
        ]
    );
    assert_eq!(
        words(&btrfs::filesystem_usage_bytes(&p("/p"))),
        ["btrfs", "filesystem", "usage", "-b", "/p"]
    );
    assert_eq!(
        words(&btrfs::subvolume_list_readonly(&p("/mnt/pool"))),
        [
            "btrfs",
            "subvolume",
            "list",
            "-r",
            "-p",
            "-c",
            "-u",
            "-q",
            "-R",
            "/mnt/pool"
        ]
    );
    assert_eq!(
        words(&btrfs::subvolume_show(&p("/p/a b"))),
        ["btrfs", "subvolume", "show", "-b", "/p/a b"]
    );
    assert_eq!(
        words(&btrfs::subvolume_create(&p("/p/a"))),
        ["btrfs", "subvolume", "create", "/p/a"]
    );
}

#[test]
fn sudo_prefix() {
    let a = btrfs::receive(&p("/r/x y")).sudo(true);
    assert_eq!(a.program(), "sudo");
    assert_eq!(a.command_name(), "btrfs");
    assert_eq!(
        a.args().collect::<Vec<_>>(),
        ["-n", "--", "btrfs", "receive", "/r/x y"]
    );
    assert_eq!(a.to_string(), "sudo -n -- btrfs receive '/r/x y'");
    assert_eq!(
        a.shell_quoted(),
        "'sudo' '-n' '--' 'btrfs' 'receive' '/r/x y'"
    );
    assert_eq!(a.clone().sudo(false).to_string(), "btrfs receive '/r/x y'");
}

#[test]
fn receive_zstd_pipes_a_fixed_filter_into_receive() {
    let a = btrfs::receive_zstd(&p("/r/it's")).sudo(true);
    assert_eq!(a.input_filter(), Some(InputFilter::ZstdDecompress));
    assert_eq!(a.command_name(), "btrfs");
    assert_eq!(
        a.words().collect::<Vec<_>>(),
        ["sudo", "-n", "--", "btrfs", "receive", "/r/it's"]
    );
    assert_eq!(
        a.shell_quoted(),
        r#"'zstd' '-d' '-c' | 'sudo' '-n' '--' 'btrfs' 'receive' '/r/it'\''s'"#
    );
    assert_eq!(
        a.to_string(),
        r#"zstd -d -c | sudo -n -- btrfs receive '/r/it'\''s'"#
    );
    assert_eq!(
        btrfs::receive_zstd(&p("/r")).shell_quoted(),
        "'zstd' '-d' '-c' | 'btrfs' 'receive' '/r'"
    );
    assert_eq!(btrfs::receive(&p("/r")).input_filter(), None);
    assert_eq!(zstd::version().shell_quoted(), "'zstd' '--version'");
}

#[test]
fn quoting_examples() {
    let a = Argv::from_words_for_test("echo", &["it's".into(), "".into(), "$(id)".into()]);
    assert_eq!(a.shell_quoted(), r#"'echo' 'it'\''s' '' '$(id)'"#);
    assert_eq!(a.to_string(), r#"echo 'it'\''s' '' '$(id)'"#);
}

/// Runs `printf '%s\0' WORDS...` through `sh -c` and splits the output on NUL.
fn through_sh(rendered_args: &str) -> Vec<String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        // A sentinel word first: printf with no data words would still print once.
        .arg(format!("printf '%s\\0' sentinel {rendered_args}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "sh failed: {:?}", out);
    let mut words: Vec<String> = out
        .stdout
        .split(|b| *b == 0)
        .map(|w| String::from_utf8(w.to_vec()).unwrap())
        .collect();
    words.pop(); // after the last NUL
    assert_eq!(words.first().map(String::as_str), Some("sentinel"));
    words.remove(0);
    words
}

fn nasty_word() -> impl Strategy<Value = String> {
    prop_oneof![
        // Arbitrary unicode without NUL (argv words cannot hold NUL).
        "[^\\x00]{0,24}",
        // Shell-significant material, densely.
        proptest::collection::vec(
            prop_oneof![
                Just("'"),
                Just("\""),
                Just("\\"),
                Just("$("),
                Just(")"),
                Just("`"),
                Just("$HOME"),
                Just("*"),
                Just("?"),
                Just("[a]"),
                Just("~"),
                Just(" "),
                Just("\n"),
                Just("\t"),
                Just(";"),
                Just("&"),
                Just("|"),
                Just("<"),
                Just(">"),
                Just("-"),
                Just("--"),
                Just("#"),
                Just("!"),
                Just("{a,b}"),
                Just("x"),
                Just("'\\''"),
            ],
            0..10
        )
        .prop_map(|v| v.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn shell_quoted_round_trips_through_sh(words in proptest::collection::vec(nasty_word(), 0..6)) {
        let argv = Argv::from_words_for_test("printf", &words);
        // Skip the program word: `printf '%s\0'` is the command, the words are its data.
        let quoted = argv.shell_quoted();
        let rendered = quoted.strip_prefix("'printf'").unwrap_or(&quoted);
        prop_assert_eq!(through_sh(rendered), words.clone());
        let shown = argv.to_string();
        let rendered = shown.strip_prefix("printf").unwrap_or(&shown);
        prop_assert_eq!(through_sh(rendered), words);
    }

    #[test]
    fn abs_path_parse_never_panics_and_keeps_invariants(s in "\\PC{0,40}|[/a-z.\n\0-]{0,20}") {
        if let Ok(p) = AbsPath::parse(s.clone()) {
            prop_assert!(p.as_str().starts_with('/'));
            prop_assert!(!p.as_str().contains(['\0', '\n', '\r']));
            prop_assert_eq!(p.as_str(), s.as_str());
            let _ = p.parent();
            let _ = p.file_name();
        }
    }
}
