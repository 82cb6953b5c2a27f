//! The restricted wrapper run locally, part two: its zstd probe and compressed-receive
//! pipeline, and the `realpath` it answers itself. The tree and the runners are
//! `restricted_wrapper_local`'s.

use std::process::Command;

use btrfs::command::btrfs as cmd;

use crate::restricted_wrapper_local::{
    Outcome, Tree, assert_allowed, assert_refused, dry, p, q, tree,
};

#[test]
fn the_zstd_probe_and_the_compressed_receive_pipeline_only_in_their_exact_form() {
    let t = tree();
    let r = t.root.as_str();
    let root = p(r);
    // What dist-btrfs builds.
    assert_allowed(
        &t,
        &[],
        &btrfs::command::zstd::version().shell_quoted(),
        &["/usr/bin/zstd", "--version"],
    );
    for sudo in [false, true] {
        let line = cmd::receive_zstd(&root).sudo(sudo).shell_quoted();
        let expect = [
            "/usr/bin/zstd",
            "-d",
            "-c",
            "|",
            "/usr/bin/btrfs",
            "receive",
            r,
        ];
        assert_allowed(&t, &[], &line, &expect);
        assert_allowed(&t, &["--sudo"], &line, &expect);
    }
    // The receive's path is checked as always.
    let out = format!("{}/outside", t.base);
    assert_refused(
        &t,
        &[],
        &cmd::receive_zstd(&p(&out)).shell_quoted(),
        "is outside",
    );
    let pipe_rule = "only `zstd -d -c` may be piped";
    let bad_format = "not a dist-btrfs command line";
    let recv = q(&["btrfs", "receive", r]);
    for (raw, why) in [
        // Another filter, or zstd with other options.
        (format!("{} | {recv}", q(&["zstd", "-d"])), pipe_rule),
        (
            format!("{} | {recv}", q(&["zstd", "-d", "-c", "-o", "/etc/x"])),
            pipe_rule,
        ),
        (format!("{} | {recv}", q(&["cat"])), pipe_rule),
        (
            format!("{} | {recv}", q(&["sudo", "-n", "--", "zstd", "-d", "-c"])),
            pipe_rule,
        ),
        // Two pipes, or a pipe at either end.
        (
            format!("{} | {recv} | {}", q(&["zstd", "-d", "-c"]), q(&["cat"])),
            pipe_rule,
        ),
        (
            format!("{} | {recv} |", q(&["zstd", "-d", "-c"])),
            bad_format,
        ),
        (format!("| {recv}"), bad_format),
        // Another separator or spacing.
        (format!("{}|{recv}", q(&["zstd", "-d", "-c"])), bad_format),
        (
            format!("{}  | {recv}", q(&["zstd", "-d", "-c"])),
            bad_format,
        ),
        (
            format!("{} || {recv}", q(&["zstd", "-d", "-c"])),
            bad_format,
        ),
        (format!("{} ; {recv}", q(&["zstd", "-d", "-c"])), bad_format),
        (format!("{} & {recv}", q(&["zstd", "-d", "-c"])), bad_format),
        // Into anything but btrfs receive.
        (
            format!(
                "{} | {}",
                q(&["zstd", "-d", "-c"]),
                q(&["btrfs", "subvolume", "delete", r])
            ),
            "only `btrfs receive DIR` may read",
        ),
        (
            format!("{} | {}", q(&["zstd", "-d", "-c"]), q(&["sh", "-c", "id"])),
            "only btrfs commands",
        ),
        // zstd alone: only --version, never through sudo.
        (q(&["zstd", "-d", "-c"]), "only btrfs commands"),
        (q(&["zstd", "--version", "-o", "/x"]), "only btrfs commands"),
        (
            q(&["sudo", "-n", "--", "zstd", "--version"]),
            "only btrfs commands",
        ),
    ] {
        assert_refused(&t, &[], &raw, why);
    }
}

/// A stand-in btrfs that copies `btrfs receive DIR`'s stdin to DIR/received.
pub(crate) fn fake_receive(t: &Tree) -> String {
    let path = format!("{}/fake-btrfs", t.base);
    testkit::install_executable(
        &path,
        "#!/bin/sh\n[ \"$1\" = receive ] && exec cat > \"$2/received\"\n",
        0o755,
    );
    path
}

pub(crate) fn run_with_stdin(t: &Tree, opts: &[&str], command: &str, stdin: &[u8]) -> Outcome {
    use std::io::Write;
    let mut child = Command::new(&t.wrapper)
        .args(opts)
        .env("SSH_ORIGINAL_COMMAND", command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn the_compressed_receive_runs_as_a_pipeline_and_fails_when_zstd_fails() {
    let t = tree();
    let r = t.root.as_str();
    let btrfs = fake_receive(&t);
    let data: Vec<u8> = (0..300_000_u32)
        .flat_map(|i| (i % 1000).to_le_bytes())
        .collect();
    let z = Command::new("zstd")
        .args(["-c", "-q"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let compressed = {
        use std::io::Write;
        let mut z = z;
        z.stdin.take().unwrap().write_all(&data).unwrap();
        z.wait_with_output().unwrap().stdout
    };
    assert!(compressed.len() < data.len() / 4);
    let line = cmd::receive_zstd(&p(r)).shell_quoted();
    let opts = ["--root", r, "--no-syslog", "--btrfs", &btrfs];
    let o = run_with_stdin(&t, &opts, &line, &compressed);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(std::fs::read(format!("{r}/received")).unwrap(), data);
    // A truncated stream: the stand-in btrfs exits 0, zstd does not, nor does the whole.
    let o = run_with_stdin(&t, &opts, &line, &compressed[..compressed.len() / 2]);
    assert_ne!(o.code, 0, "a truncated compressed stream must fail");
    // No zstd: 127, like a missing command through a shell.
    let mut no_zstd = opts.to_vec();
    no_zstd.extend(["--zstd", "/nonexistent/zstd"]);
    let o = run_with_stdin(&t, &no_zstd, &line, &compressed);
    assert_eq!(o.code, 127, "{}", o.stderr);
    let o = run_with_stdin(&t, &no_zstd, "'zstd' '--version'", b"");
    assert_eq!(o.code, 127, "{}", o.stderr);
}

#[test]
fn realpath_is_answered_by_the_wrapper_and_only_within_the_root() {
    let t = tree();
    let r = &t.root;
    let realpath = |path: &str| btrfs::command::coreutils::realpath(&p(path)).shell_quoted();
    // The root, and a symlink inside it that points inside: the resolved path.
    assert_allowed(&t, &[], &realpath(r), &[r.as_str()]);
    let snap = format!("{r}/snap");
    assert_allowed(
        &t,
        &[],
        &realpath(&format!("{r}/link_in")),
        &[snap.as_str()],
    );
    // Symlinks out of the root, absolute or relative: refused, not resolved.
    assert_refused(&t, &[], &realpath(&format!("{r}/link_out")), "outside");
    assert_refused(&t, &[], &realpath(&format!("{r}/dir/rel_out")), "outside");
    assert_refused(
        &t,
        &[],
        &realpath(&format!("{}/outside", t.base)),
        "outside",
    );
    // A path that does not exist: realpath's own answer.
    let o = dry(&t, &[], &realpath(&format!("{r}/nope")));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("No such file or directory"),
        "{}",
        o.stderr
    );
    // Only the exact form.
    assert_refused(&t, &[], &q(&["realpath", &snap]), "usage: realpath");
    assert_refused(
        &t,
        &[],
        &q(&["realpath", "-m", "--", &snap]),
        "usage: realpath",
    );
    assert_refused(
        &t,
        &[],
        &q(&["realpath", "-e", "--", &snap, &snap]),
        "usage: realpath",
    );
}
