//! `ops/remote/dist-btrfs-remote-wrapper` run locally (no SSH, no btrfs): a table of
//! `SSH_ORIGINAL_COMMAND` values, the argv it would exec (`--dry-run`) or its refusal (exit
//! 126 and a message), against a scratch directory tree with symlinks pointing in and out
//! of the allowed root. The command lines dist-btrfs really sends come from the
//! `btrfs::command::btrfs` builders and `Argv::shell_quoted`.
//!
//! The lab test (`restricted_wrapper.rs`) runs the same wrapper behind a real sshd.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use btrfs::command::btrfs as cmd;
use btrfs::{AbsPath, Argv};

pub(crate) fn wrapper_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ops/remote/dist-btrfs-remote-wrapper")
}

/// A scratch tree: `backups/` (the root) with a subvolume-like directory, a regular file and
/// symlinks in and out; `outside/` and `backups2/` (shares the root's prefix) beside it.
pub(crate) struct Tree {
    _dir: tempfile::TempDir,
    pub(crate) base: String,
    pub(crate) root: String,
    pub(crate) wrapper: PathBuf,
}

pub(crate) fn tree() -> Tree {
    let dir = tempfile::Builder::new()
        .prefix("dbt-wrapper-")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let base = dir.path().to_str().unwrap().to_owned();
    let root = format!("{base}/backups");
    for d in [
        "backups",
        "backups/snap",
        "backups/dir",
        "outside",
        "backups2",
    ] {
        std::fs::create_dir(format!("{base}/{d}")).unwrap();
    }
    std::fs::write(format!("{root}/file"), b"x").unwrap();
    symlink(format!("{base}/outside"), format!("{root}/link_out")).unwrap();
    symlink("../../outside", format!("{root}/dir/rel_out")).unwrap();
    symlink(format!("{root}/snap"), format!("{root}/link_in")).unwrap();
    symlink(format!("{base}/nowhere"), format!("{root}/dangling")).unwrap();
    symlink("backups", format!("{base}/rootlink")).unwrap();
    let wrapper = dir.path().join("dist-btrfs-remote-wrapper");
    testkit::install_executable(&wrapper, std::fs::read(wrapper_source()).unwrap(), 0o755);
    Tree {
        _dir: dir,
        base,
        root,
        wrapper,
    }
}

pub(crate) struct Outcome {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Outcome {
    pub(crate) fn words(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

pub(crate) fn run_raw(
    t: &Tree,
    opts: &[&str],
    command: Option<OsString>,
    as_nobody: bool,
) -> Outcome {
    let mut c = if as_nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
            .arg(&t.wrapper);
        c
    } else {
        Command::new(&t.wrapper)
    };
    c.args(opts).env_remove("SSH_ORIGINAL_COMMAND");
    if let Some(s) = command {
        c.env("SSH_ORIGINAL_COMMAND", s);
    }
    let out = c.output().unwrap();
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub(crate) fn dry(t: &Tree, extra: &[&str], command: &str) -> Outcome {
    let mut opts = vec!["--root", &t.root, "--dry-run", "--no-syslog"];
    opts.extend_from_slice(extra);
    run_raw(t, &opts, Some(command.into()), false)
}

/// Renders words the way `Argv::shell_quoted` does (for words no builder can make).
pub(crate) fn q(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn p(s: &str) -> AbsPath {
    AbsPath::parse(s).unwrap()
}

pub(crate) fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

#[track_caller]
pub(crate) fn assert_allowed(t: &Tree, extra: &[&str], command: &str, expect: &[&str]) {
    let o = dry(t, extra, command);
    assert_eq!(o.code, 0, "{command:?} should be allowed: {}", o.stderr);
    assert_eq!(o.words(), expect, "{command:?}");
    assert_eq!(o.stderr, "", "{command:?}");
}

#[track_caller]
pub(crate) fn assert_refused(t: &Tree, extra: &[&str], command: &str, why: &str) {
    let o = dry(t, extra, command);
    assert_eq!(
        (o.code, o.stdout.as_str()),
        (126, ""),
        "{command:?} should be refused: {}",
        o.stderr
    );
    assert!(
        o.stderr.starts_with("dist-btrfs-remote-wrapper: refused: ")
            && o.stderr.contains(why)
            && o.stderr.lines().count() == 1,
        "{command:?}: stderr {:?} should mention {why:?}",
        o.stderr
    );
}

#[test]
fn every_command_dist_btrfs_builds_is_allowed_and_execd_as_parsed() {
    assert!(
        is_root(),
        "run as root (like the lab tests): sudo decisions depend on it"
    );
    let t = tree();
    let root = p(&t.root);
    let snap = root.join("snap").unwrap();
    let fresh = root.join("it's $(id) `x` a b").unwrap();
    let builders: Vec<Argv> = vec![
        cmd::version(),
        cmd::receive(&root),
        cmd::receive(&snap),
        cmd::subvolume_list(&root),
        cmd::subvolume_show(&snap),
        cmd::subvolume_show(&fresh),
        cmd::subvolume_delete(&snap),
        cmd::subvolume_delete(&fresh),
        cmd::filesystem_usage_bytes(&root),
        cmd::qgroup_show(&root),
        cmd::property_get_ro(&snap),
    ];
    for argv in &builders {
        let words: Vec<&str> = argv.words().collect();
        let mut expect = vec!["/usr/bin/btrfs"];
        expect.extend_from_slice(&words[1..]);
        for sudo in [false, true] {
            // Root: btrfs runs directly, with or without the client's sudo prefix and --sudo.
            let line = argv.clone().sudo(sudo).shell_quoted();
            assert_allowed(&t, &[], &line, &expect);
            assert_allowed(&t, &["--sudo"], &line, &expect);
        }
    }
    // send only with --allow-send, paths checked after -p and -c too.
    let send = cmd::send(
        &snap,
        Some(&root.join("a").unwrap()),
        &[root.join("b").unwrap()],
    );
    assert_refused(&t, &[], &send.shell_quoted(), "--allow-send");
    let a = format!("{}/a", t.root);
    let b = format!("{}/b", t.root);
    let s = format!("{}/snap", t.root);
    assert_allowed(
        &t,
        &["--allow-send"],
        &send.shell_quoted(),
        &["/usr/bin/btrfs", "send", "-p", &a, "-c", &b, &s],
    );
    assert_allowed(
        &t,
        &["--allow-send"],
        &cmd::send(&snap, None, &[]).sudo(true).shell_quoted(),
        &["/usr/bin/btrfs", "send", &s],
    );
}

#[test]
fn paths_are_confined_to_the_root_after_resolving_symlinks() {
    let t = tree();
    let r = &t.root;
    let recv = |path: &str| q(&["btrfs", "receive", path]);
    let show = |path: &str| q(&["btrfs", "subvolume", "show", "-b", path]);
    let del = |path: &str| q(&["btrfs", "subvolume", "delete", "--commit-after", path]);

    // Inside: as given, a trailing slash dropped, a symlink inside resolved, a path that does
    // not exist yet (probing for a half-received snapshot) kept.
    let snap = format!("{r}/snap");
    assert_allowed(&t, &[], &recv(r), &["/usr/bin/btrfs", "receive", r]);
    assert_allowed(
        &t,
        &[],
        &recv(&format!("{r}/")),
        &["/usr/bin/btrfs", "receive", r],
    );
    assert_allowed(
        &t,
        &[],
        &show(&format!("{r}/link_in")),
        &["/usr/bin/btrfs", "subvolume", "show", "-b", &snap],
    );
    let missing = format!("{r}/new@2026-11-26T12:00:00Z/deeper");
    assert_allowed(
        &t,
        &[],
        &show(&missing),
        &["/usr/bin/btrfs", "subvolume", "show", "-b", &missing],
    );
    // --root through a symlink: the check compares resolved paths.
    let via = format!("{}/rootlink", t.base);
    let o = run_raw(
        &t,
        &["--root", &via, "--dry-run", "--no-syslog"],
        Some(show(&format!("{via}/snap")).into()),
        false,
    );
    assert_eq!(
        (o.code, o.words()),
        (0, vec!["/usr/bin/btrfs", "subvolume", "show", "-b", &snap]),
        "{}",
        o.stderr
    );

    // Outside or not canonical.
    for (path, why) in [
        (format!("{r}/../../etc"), "not absolute and canonical"),
        (format!("{r}/snap/.."), "not absolute and canonical"),
        (format!("{r}/./snap"), "not absolute and canonical"),
        (format!("{r}//snap"), "not absolute and canonical"),
        (format!("{r}/snap//"), "not absolute and canonical"),
        ("snap".to_owned(), "not absolute and canonical"),
        ("-rf".to_owned(), "not absolute and canonical"),
        (String::new(), "not absolute and canonical"),
        ("/tmp".to_owned(), "is outside"),
        ("/".to_owned(), "is outside"),
        ("/etc/passwd".to_owned(), "is outside"),
        (t.base.clone(), "is outside"),
        (format!("{}/backups2", t.base), "is outside"),
        (format!("{}/backups2/x", t.base), "is outside"),
        (format!("{r}/link_out"), "is outside"),
        (format!("{r}/link_out/x/y"), "is outside"),
        (format!("{r}/dir/rel_out"), "is outside"),
        (format!("{r}/dangling"), "dangling symlink"),
        (format!("{r}/dangling/x"), "dangling symlink"),
        (format!("{r}/file/x"), "cannot check path"),
        (
            format!("/{}", "a".repeat(5000)),
            "not absolute and canonical",
        ),
    ] {
        assert_refused(&t, &[], &recv(&path), why);
        assert_refused(&t, &[], &show(&path), why);
        assert_refused(&t, &[], &del(&path), why);
    }
    // The root itself may be received into, shown and listed, never deleted.
    assert_refused(&t, &[], &del(r), "delete the root");
    assert_refused(&t, &[], &del(&format!("{r}/")), "delete the root");
    assert_refused(&t, &[], &del(&format!("{r}/link_in/..")), "canonical");
}

#[test]
fn only_whitelisted_btrfs_commands_and_flags() {
    let t = tree();
    let r = t.root.as_str();
    let s = format!("{r}/snap");
    let s = s.as_str();
    for (words, why) in [
        (vec!["rm", "-rf", "/"], "without --allow-staging"),
        (vec!["sh", "-c", "id"], "only btrfs commands"),
        (vec!["/usr/bin/btrfs", "--version"], "only btrfs commands"),
        (vec!["sudo", "btrfs", "--version"], "only btrfs commands"),
        (
            vec!["sudo", "-u", "root", "btrfs", "--version"],
            "only btrfs commands",
        ),
        (
            vec!["sudo", "-n", "--", "rm", "-rf", "/"],
            "only btrfs commands",
        ),
        (
            vec!["sudo", "-n", "--", "sudo", "-n", "--", "btrfs", "--version"],
            "only btrfs commands",
        ),
        (vec!["btrfs"], "empty btrfs command"),
        (vec!["btrfs", "--version", "x"], "is not allowed"),
        (vec!["btrfs", "--help"], "is not allowed"),
        (
            vec!["btrfs", "subvolume", "snapshot", "-r", s, &format!("{r}/x")],
            "is not allowed",
        ),
        (
            vec!["btrfs", "subvolume", "create", &format!("{r}/x")],
            "is not allowed",
        ),
        (
            vec!["btrfs", "subvolume", "set-default", s],
            "is not allowed",
        ),
        (
            vec!["btrfs", "property", "set", "-ts", s, "ro", "false"],
            "property get",
        ),
        (vec!["btrfs", "property", "get", "-ts", s], "property get"),
        (vec!["btrfs", "property", "get", s, "ro"], "property get"),
        (
            vec!["btrfs", "filesystem", "resize", "max", r],
            "is not allowed",
        ),
        (
            vec!["btrfs", "device", "add", "/dev/sda", r],
            "is not allowed",
        ),
        (vec!["btrfs", "receive", "-e", r], "no options"),
        (vec!["btrfs", "receive", "-m", "/", r], "no options"),
        (vec!["btrfs", "receive", "--chroot", r], "no options"),
        (vec!["btrfs", "receive", r, s], "no options"),
        (vec!["btrfs", "receive"], "no options"),
        (
            vec!["btrfs", "subvolume", "list", "-p", "--sort=gen", r],
            "--sort=gen is not an allowed option",
        ),
        (
            vec!["btrfs", "subvolume", "list", "-G", "+1", r],
            "-G is not an allowed option",
        ),
        (
            vec!["btrfs", "subvolume", "list", r, "-p"],
            "is not an allowed option",
        ),
        (vec!["btrfs", "subvolume", "list"], "usage"),
        (
            vec!["btrfs", "subvolume", "show", "-r", "5", r],
            "-r is not an allowed option",
        ),
        (
            vec!["btrfs", "subvolume", "show", "-u", "x", r],
            "-u is not an allowed option",
        ),
        (
            vec!["btrfs", "subvolume", "delete", "-i", "256", r],
            "-i is not an allowed option",
        ),
        (
            vec!["btrfs", "subvolume", "delete", s, &format!("{r}/dir")],
            "is not an allowed option",
        ),
        (
            vec!["btrfs", "subvolume", "delete", "--", s],
            "-- is not an allowed option",
        ),
        (
            vec!["btrfs", "filesystem", "usage", "-b", "-T", r],
            "-T is not an allowed option",
        ),
        (
            vec!["btrfs", "qgroup", "show", "--sync", r],
            "--sync is not an allowed option",
        ),
        (vec!["btrfs", "send", s], "--allow-send"),
    ] {
        assert_refused(
            &t,
            &["--allow-send"].repeat(usize::from(why != "--allow-send")),
            &q(&words),
            why,
        );
    }
    for (words, why) in [
        (
            vec!["btrfs", "send", "-f", "/etc/x", s],
            "-f is not an allowed option",
        ),
        (vec!["btrfs", "send", "-p", "/etc", s], "is outside"),
        (
            vec!["btrfs", "send", "-c", &format!("{r}/link_out"), s],
            "is outside",
        ),
        (
            vec!["btrfs", "send", "-p", s, "-p", s, s],
            "more than one -p",
        ),
        (vec!["btrfs", "send", "-p", s], "usage"),
        (vec!["btrfs", "send"], "usage"),
        (vec!["btrfs", "send", "/etc"], "is outside"),
    ] {
        assert_refused(&t, &["--allow-send"], &q(&words), why);
    }
    // Whitelisted flags in any order, each subcommand with its own set.
    assert_allowed(
        &t,
        &[],
        &q(&["btrfs", "subvolume", "list", "-o", "-R", "-p", r]),
        &["/usr/bin/btrfs", "subvolume", "list", "-o", "-R", "-p", r],
    );
    assert_allowed(
        &t,
        &[],
        &q(&["btrfs", "subvolume", "delete", s]),
        &["/usr/bin/btrfs", "subvolume", "delete", s],
    );
}

#[test]
fn only_the_exact_quoted_format_is_accepted() {
    let t = tree();
    let r = t.root.as_str();
    let version = "'btrfs' '--version'";
    assert_allowed(&t, &[], version, &["/usr/bin/btrfs", "--version"]);
    let bad_format = "not a dist-btrfs command line";
    for raw in [
        // Unquoted, differently quoted or spaced.
        "btrfs --version".to_owned(),
        "btrfs '--version'".to_owned(),
        "\"btrfs\" \"--version\"".to_owned(),
        "'btrfs' \"--version\"".to_owned(),
        format!("{version} "),
        format!(" {version}"),
        "'btrfs'  '--version'".to_owned(),
        "'btrfs'\t'--version'".to_owned(),
        "'btrfs''--version'".to_owned(),
        // Unbalanced or broken quotes and escapes.
        "'btrfs' '--version".to_owned(),
        "'btrfs' '--version''".to_owned(),
        "'btrfs' --version'".to_owned(),
        "'btrfs' \\'--version\\'".to_owned(),
        "'btrfs' '--version'\\'".to_owned(),
        "'btrfs' '--version'\\".to_owned(),
        "'btrfs' '--ver'\\\"'sion'".to_owned(),
        "'".to_owned(),
        // Shell syntax outside quotes is never interpreted: it is refused.
        format!("{version}; id"),
        format!("{version};id"),
        format!("{version} ; id"),
        format!("{version} && id"),
        format!("{version} | sh"),
        format!("{version} > /etc/passwd"),
        format!("{version} $(id)"),
        format!("{version} `id`"),
        format!("{version} 'x'$(id)"),
        "$(id)".to_owned(),
        "`id`".to_owned(),
        "'btrfs' '--version' #".to_owned(),
        format!("{version} &"),
        "rm -rf /".to_owned(),
        "sh -c id".to_owned(),
    ] {
        assert_refused(&t, &[], &raw, bad_format);
    }
    // Line breaks can hide a second command from a log reader; never part of a real path.
    for raw in [
        format!("{version}\nid"),
        "'btrfs' '--ver\nsion'".to_owned(),
        format!("{version}\n"),
        format!("{version}\r"),
        format!("'btrfs' 'receive' '{r}/a\nb'"),
    ] {
        assert_refused(&t, &[], &raw, "line break");
    }
    // Shell syntax inside quotes is data: here a (non-existent) subvolume name under the root.
    for name in [
        "a'; id; '",
        "$(id)",
        "`id`",
        "it's",
        "''",
        "a\tb",
        "a\\b",
        "\"x\"",
        "*",
        "é ü",
    ] {
        let path = format!("{r}/{name}");
        assert_allowed(
            &t,
            &[],
            &q(&["btrfs", "receive", &path]),
            &["/usr/bin/btrfs", "receive", &path],
        );
    }
    // Empty and missing commands (an interactive login attempt), and sizes.
    for cmd in [Some(OsString::new()), None] {
        let o = run_raw(&t, &["--root", r, "--no-syslog"], cmd, false);
        assert_eq!(o.code, 126);
        assert!(
            o.stderr.contains("interactive login is not allowed"),
            "{}",
            o.stderr
        );
    }
    let long = q(&["btrfs", "receive", &format!("{r}/{}", "x".repeat(17_000))]);
    assert_refused(&t, &[], &long, "longer than 16384 bytes");
    let many: Vec<&str> = std::iter::once("btrfs")
        .chain(std::iter::repeat_n("-p", 70))
        .collect();
    assert_refused(&t, &[], &q(&many), "more than 64 words");
    // Refusals do not echo arbitrary amounts of input.
    let o = dry(&t, &[], &format!("'{}", "A".repeat(10_000)));
    assert!(o.stderr.len() < 300, "{}", o.stderr);
    let o = dry(
        &t,
        &[],
        &q(&["btrfs", "receive", &format!("/{}", "B".repeat(3000))]),
    );
    assert!(o.code == 126 && o.stderr.len() < 300, "{}", o.stderr);
    // Invalid UTF-8 is bytes like any other (here inside a quoted path).
    let mut bytes = format!("'btrfs' 'receive' '{r}/").into_bytes();
    bytes.extend_from_slice(b"\xff\xfe'");
    let o = run_raw(
        &t,
        &["--root", r, "--dry-run", "--no-syslog"],
        Some(OsString::from_vec(bytes)),
        false,
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn sudo_is_decided_by_the_wrapper_for_non_root_users() {
    assert!(
        is_root(),
        "needs root to run the wrapper as nobody (setpriv)"
    );
    let t = tree();
    let r = t.root.as_str();
    let argv = cmd::receive(&p(r));
    let nobody = |opts: &[&str], line: String| {
        let mut all = vec!["--root", r, "--dry-run", "--no-syslog"];
        all.extend_from_slice(opts);
        run_raw(&t, &all, Some(line.into()), true)
    };
    let via_sudo = ["/usr/bin/sudo", "-n", "--", "/usr/bin/btrfs", "receive", r];
    // With --sudo: always through sudo, whether or not the client asked for it.
    for client_sudo in [true, false] {
        let o = nobody(&["--sudo"], argv.clone().sudo(client_sudo).shell_quoted());
        assert_eq!((o.code, o.words()), (0, via_sudo.to_vec()), "{}", o.stderr);
    }
    let o = nobody(
        &[
            "--sudo",
            "--btrfs",
            "/sbin/btrfs",
            "--sudo-path",
            "/bin/sudo",
        ],
        argv.clone().shell_quoted(),
    );
    assert_eq!(
        o.words(),
        ["/bin/sudo", "-n", "--", "/sbin/btrfs", "receive", r],
        "{}",
        o.stderr
    );
    // Without --sudo: the client may not ask for sudo; without the prefix btrfs runs as is.
    let o = nobody(&[], argv.clone().sudo(true).shell_quoted());
    assert_eq!(o.code, 126);
    assert!(o.stderr.contains("sudo is not enabled"), "{}", o.stderr);
    let o = nobody(&[], argv.shell_quoted());
    assert_eq!(
        (o.code, o.words()),
        (0, vec!["/usr/bin/btrfs", "receive", r]),
        "{}",
        o.stderr
    );
}

#[test]
fn execs_without_a_shell_and_reports_configuration_errors() {
    let t = tree();
    let r = t.root.as_str();
    // /bin/echo in place of btrfs shows the exact argv it receives.
    let path = format!("{r}/$(touch {r}/pwned) `id` ;x");
    let line = q(&["btrfs", "receive", &path]);
    let o = run_raw(
        &t,
        &["--root", r, "--no-syslog", "--btrfs", "/bin/echo"],
        Some(line.into()),
        false,
    );
    assert_eq!(
        (o.code, o.stdout.trim_end()),
        (0, format!("receive {path}").as_str()),
        "{}",
        o.stderr
    );
    assert!(!Path::new(&format!("{r}/pwned")).exists());
    // Exit codes pass through; a missing btrfs is 127 (dist-btrfs: CommandNotFound).
    let o = run_raw(
        &t,
        &["--root", r, "--no-syslog", "--btrfs", "/bin/false"],
        Some("'btrfs' '--version'".into()),
        false,
    );
    assert_eq!(o.code, 1);
    let o = run_raw(
        &t,
        &["--root", r, "--no-syslog", "--btrfs", "/nonexistent/btrfs"],
        Some("'btrfs' '--version'".into()),
        false,
    );
    assert_eq!(o.code, 127, "{}", o.stderr);
    assert!(
        o.stderr.contains("cannot run /nonexistent/btrfs"),
        "{}",
        o.stderr
    );

    let version = || Some(OsString::from("'btrfs' '--version'"));
    for (opts, why) in [
        (vec![], "--root DIR is required"),
        (vec!["--root"], "--root needs a value"),
        (vec!["--root", "relative/dir"], "absolute canonical"),
        (vec!["--root", "/"], "absolute canonical"),
        (vec!["--root", "/srv/../etc"], "absolute canonical"),
        (vec!["--root", r, "--bogus"], "unknown option --bogus"),
        (
            vec!["--root", r, "--btrfs", "btrfs"],
            "--btrfs must be an absolute path",
        ),
    ] {
        let o = run_raw(&t, &opts, version(), false);
        assert_eq!(o.code, 125, "{opts:?}: {}", o.stderr);
        assert!(
            o.stderr.contains("misconfigured") && o.stderr.contains(why),
            "{opts:?}: {}",
            o.stderr
        );
    }
    // A root that does not exist (backup filesystem not mounted): --version still answers,
    // path commands say why they cannot run.
    let gone = format!("{}/not-mounted", t.base);
    let o = run_raw(
        &t,
        &["--root", &gone, "--dry-run", "--no-syslog"],
        version(),
        false,
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = run_raw(
        &t,
        &["--root", &gone, "--dry-run", "--no-syslog"],
        Some(q(&["btrfs", "receive", &gone]).into()),
        false,
    );
    assert_eq!(o.code, 125);
    assert!(o.stderr.contains("does not exist"), "{}", o.stderr);
    // --help documents the exit codes.
    let o = run_raw(&t, &["--help"], None, false);
    assert!(
        o.code == 0 && o.stdout.contains("126 refused"),
        "{}",
        o.stdout
    );
}

#[test]
fn file_readers_only_with_allow_read_in_dist_btrfs_forms_below_the_root() {
    use btrfs::command::files;
    let t = tree();
    let root = p(&t.root);
    let snap = root.join("snap").unwrap();
    let file = root.join("file").unwrap();
    let readers = [
        files::list_dir(&snap),
        files::stat(&file),
        files::list_files(&snap),
        files::read_file(&file),
        files::sha256(&[file.clone(), root.join("dir").unwrap()]),
    ];
    for argv in &readers {
        let line = argv.shell_quoted();
        assert_refused(&t, &[], &line, "--allow-read");
        let words: Vec<&str> = argv.words().collect();
        assert_allowed(&t, &["--allow-read"], &line, &words);
    }
    // Only these forms, never through sudo, and only below the root.
    let outside = format!("{}/outside", t.base);
    for (words, why) in [
        (vec!["find", &t.root, "-exec", "sh", ";"], "listing forms"),
        (
            vec!["find", &t.root, "-maxdepth", "0", "-printf", "%p"],
            "listing forms",
        ),
        (vec!["cat", "/etc/passwd"], "usage: cat -- PATH"),
        (vec!["cat", "--", "/etc/passwd"], "outside"),
        (
            vec!["cat", "--", &format!("{}/link_out/x", t.root)],
            "outside",
        ),
        (vec!["sha256sum", "--", &outside], "usage: sha256sum"),
        (
            vec!["sudo", "-n", "--", "cat", "--", &t.root],
            "never runs through sudo",
        ),
    ] {
        assert_refused(&t, &["--allow-read"], &q(&words), why);
    }
}
