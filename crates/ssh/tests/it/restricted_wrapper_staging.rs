//! The restricted wrapper run locally, part three: the staging commands of resumable
//! sends (`btrfs::command::stage`). They run only with `--allow-staging`, as the login
//! user, only on a `.dist-btrfs-staging` directory and on files named like staged
//! streams in one, after resolving symlinks; the wrapper opens a staged stream itself
//! (a regular file of the user's, no symlink, no device, no FIFO) and hands it to the
//! command as stdout or stdin; and they really work through the wrapper (dd resumes at
//! its offset, sha256sum, rm). The tree and the runners are `restricted_wrapper_local`'s.

use btrfs::command::{files, stage};

use std::os::unix::fs::symlink;
use std::process::Command;

use crate::restricted_wrapper_local::{assert_allowed, assert_refused, p, q, tree};
use crate::restricted_wrapper_pipelines::{fake_receive, run_with_stdin};

const NAME: &str = "01234567-89ab-cdef-0123-456789abcdef.full.stream";

/// The words of the staging `dd` after `of=FILE`, from offset 0.
const DD_REST: [&str; 5] = [
    "bs=1M",
    "seek=0",
    "oflag=seek_bytes",
    "conv=notrunc",
    "status=none",
];

#[test]
fn staging_commands_only_on_staged_streams_below_the_root() {
    let t = tree();
    let r = t.root.as_str();
    let dir = format!("{r}/snap/.dist-btrfs-staging");
    std::fs::create_dir(&dir).unwrap();
    let file = format!("{dir}/{NAME}");
    let (pd, pf) = (p(&dir), p(&file));
    // Nothing of it without --allow-staging.
    for argv in [
        files::make_dirs(&pd),
        stage::write(&pf, 0),
        stage::remove(std::slice::from_ref(&pf)),
    ] {
        assert_refused(&t, &[], &argv.shell_quoted(), "--allow-staging");
    }
    let st = &["--allow-staging"][..];
    // What dist-btrfs builds, allowed as parsed (without --allow-read, never via sudo).
    assert_allowed(
        &t,
        st,
        &files::make_dirs(&pd).shell_quoted(),
        &["mkdir", "-p", "--", &dir],
    );
    let list = files::list_dir(&pd);
    let mut find = vec!["find", dir.as_str()];
    find.extend(list.words().skip(2));
    assert_allowed(&t, st, &files::list_dir(&pd).shell_quoted(), &find);
    // The staged stream is opened by the wrapper: dd writes its stdout (no `of=`),
    // sha256sum and btrfs receive read their stdin (no path).
    let of = format!("of={file}");
    let (to, from) = (format!(">{file}"), format!("<{file}"));
    let dd = [
        "bs=1M",
        "seek=77",
        "oflag=seek_bytes",
        "conv=notrunc",
        "status=none",
    ];
    let mut expect = vec!["dd"];
    expect.extend(dd);
    expect.push(&to);
    assert_allowed(&t, st, &stage::write(&pf, 77).shell_quoted(), &expect);
    let mut piped = vec!["/usr/bin/zstd", "-d", "-c", "|", "dd"];
    piped.extend(DD_REST);
    piped.push(&to);
    assert_allowed(&t, st, &stage::write_zstd(&pf).shell_quoted(), &piped);
    let sum = files::sha256(std::slice::from_ref(&pf)).shell_quoted();
    assert_allowed(&t, st, &sum, &["sha256sum", "-z", "-", &from]);
    let rm = stage::remove(&[pf.clone(), pf.clone()]).shell_quoted();
    assert_allowed(&t, st, &rm, &["rm", "-f", "--", &file, &file]);
    let recv = stage::receive_file(&pf, &p(r)).sudo(true).shell_quoted();
    assert_allowed(
        &t,
        &["--sudo", "--allow-staging"],
        &recv,
        &["/usr/bin/btrfs", "receive", r, &from, "(flock)"],
    );

    // Anything else is refused: other names or directories, paths leaving the root, other
    // options, sudo, a filter into anything but dd.
    let other = format!("{r}/snap/other");
    let outside = format!("{}/outside/.dist-btrfs-staging", t.base);
    let plain = format!("{r}/file");
    let escaping = format!("{r}/link_out/.dist-btrfs-staging/{NAME}");
    let bad_name = format!("{dir}/x.stream");
    // `dd of=OF` with the builder's other words, `seek=0` replaced by `seek`, then `extra`.
    let dd_line = |of: &str, seek: &str, extra: &[&str]| {
        let mut w = vec!["dd".to_owned(), of.to_owned()];
        w.extend(
            DD_REST
                .iter()
                .map(|x| if *x == "seek=0" { seek } else { x })
                .map(str::to_owned),
        );
        w.extend(extra.iter().map(|x| (*x).to_owned()));
        w
    };
    let owned = |w: &[&str]| w.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let mut sudo_dd = owned(&["sudo", "-n", "--"]);
    sudo_dd.extend(dd_line(&of, "seek=0", &[]));
    for (words, why) in [
        (
            owned(&["mkdir", "-p", "--", &other]),
            "is not a .dist-btrfs-staging directory",
        ),
        (owned(&["mkdir", "-p", "--", &outside]), "is outside"),
        (owned(&["mkdir", "--", &dir]), "usage: mkdir"),
        (owned(&["rm", "-f", "--", &plain]), "is not a staged stream"),
        (owned(&["rm", "-rf", "--", &file]), "usage: rm"),
        (
            owned(&["rm", "-f", "--", &bad_name]),
            "is not a staged stream",
        ),
        (owned(&["rm", "-f", "--", &escaping]), "is outside"),
        (
            dd_line(&format!("of={plain}"), "seek=0", &[]),
            "is not a staged stream",
        ),
        (dd_line(&of, "seek=0", &["conv=fsync"]), "usage: dd"),
        (dd_line(&of, "seek=-1", &[]), "usage: dd"),
        (dd_line("if=/etc/shadow", "seek=0", &[]), "usage: dd"),
        (owned(&["sha256sum", "-b", "--", &file]), "usage: sha256sum"),
        (owned(&["find", &dir, "-delete"]), "usage: find"),
        (
            owned(&["btrfs", "receive", "-f", &plain, r]),
            "is not a staged stream",
        ),
        (
            owned(&["btrfs", "receive", "-e", &file, r]),
            "usage: btrfs receive",
        ),
        (sudo_dd, "only btrfs commands"),
        // The lock only around `btrfs receive -f` of the locked file itself.
        (
            owned(&[
                "flock", "-n", "-E", "75", &file, "btrfs", "receive", "-f", &other, r,
            ]),
            "runs under flock",
        ),
        (
            {
                let mut w = owned(&["flock", "-n", "-E", "75", &file]);
                w.extend(dd_line(&of, "seek=0", &[]));
                w
            },
            "runs under flock",
        ),
        (
            owned(&[
                "flock", "-E", "75", &file, "btrfs", "receive", "-f", &file, r,
            ]),
            "usage: flock",
        ),
    ] {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        assert_refused(&t, st, &q(&words), why);
    }
    // Outside a staging directory, find and sha256sum stay readers (--allow-read only).
    assert_refused(
        &t,
        st,
        &files::sha256(&[p(&format!("{r}/file"))]).shell_quoted(),
        "--allow-read",
    );
    let zstd_rm = format!(
        "{} | {}",
        q(&["zstd", "-d", "-c"]),
        q(&["rm", "-f", "--", &file])
    );
    assert_refused(&t, st, &zstd_rm, "may read from `zstd -d -c`");
    let zstd_recv = format!(
        "{} | {}",
        q(&["zstd", "-d", "-c"]),
        q(&["btrfs", "receive", "-f", &file, r])
    );
    assert_refused(&t, st, &zstd_recv, "may read from `zstd -d -c`");
}

#[test]
fn a_staged_stream_that_is_not_a_plain_file_of_the_user_is_never_opened() {
    let t = tree();
    let r = t.root.as_str();
    let dir = format!("{r}/.dist-btrfs-staging");
    std::fs::create_dir(&dir).unwrap();
    let opts = ["--root", r, "--no-syslog", "--allow-staging"];
    let name = |n: u8| format!("{dir}/0000000{n}-89ab-cdef-0123-456789abcdef.full.stream");
    // A symlink (to a file the user may write), a FIFO (would block), a device node, a
    // second link of a file: refused before dd, sha256sum or btrfs runs.
    let target = format!("{}/outside/victim", t.base);
    std::fs::write(&target, b"keep").unwrap();
    symlink(&target, name(1)).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(name(2))
            .status()
            .unwrap()
            .success()
    );
    assert!(
        Command::new("mknod")
            .args([&name(3), "c", "1", "3"])
            .status()
            .unwrap()
            .success()
    );
    std::fs::write(format!("{dir}/plain"), b"x").unwrap();
    std::fs::hard_link(format!("{dir}/plain"), name(4)).unwrap();
    for (n, why) in [
        (1, "is outside"),
        (2, "staged stream"), // cannot open for writing (no reader), or not a regular file
        (3, "not a regular file"),
        (4, "more than one link"),
    ] {
        let f = p(&name(n));
        for argv in [
            stage::write(&f, 0),
            files::sha256(std::slice::from_ref(&f)),
            stage::receive_file(&f, &p(r)),
        ] {
            let o = run_with_stdin(&t, &opts, &argv.shell_quoted(), b"evil");
            assert_eq!(o.code, 126, "{argv}: {}", o.stderr);
            assert!(o.stderr.contains(why), "{argv}: {}", o.stderr);
        }
    }
    assert_eq!(std::fs::read(&target).unwrap(), b"keep");
}

#[test]
fn a_staged_stream_is_written_resumed_hashed_and_removed_through_the_wrapper() {
    let t = tree();
    let r = t.root.as_str();
    let dir = format!("{r}/.dist-btrfs-staging");
    let file = format!("{dir}/{NAME}");
    let (pd, pf) = (p(&dir), p(&file));
    let opts = ["--root", r, "--no-syslog", "--allow-staging"];
    let run = |argv: btrfs::Argv, stdin: &[u8]| {
        let o = run_with_stdin(&t, &opts, &argv.shell_quoted(), stdin);
        assert_eq!(o.code, 0, "{argv}: {}", o.stderr);
        o.stdout
    };
    run(files::make_dirs(&pd), b"");
    let data: Vec<u8> = (0..3_000_000_u32).map(|i| (i % 251) as u8).collect();
    // A first attempt cut after 1 MB, a second one that wrote garbage after it and was
    // cut too, then the rest from 1 MB: what is before the offset is kept (dd must not
    // truncate it), what follows is overwritten.
    run(stage::write(&pf, 0), &data[..1_000_000]);
    run(stage::write(&pf, 1_000_000), &[9; 1_500_000]);
    run(stage::write(&pf, 1_000_000), &data[1_000_000..]);
    let got = std::fs::read(&file).unwrap();
    let first_diff = got.iter().zip(&data).position(|(a, b)| a != b);
    assert_eq!(
        (got.len(), first_diff),
        (data.len(), None),
        "the staged file is the stream"
    );
    let sum = run(files::sha256(std::slice::from_ref(&pf)), b"");
    let want = {
        let out = std::process::Command::new("sha256sum")
            .arg(&file)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .split(' ')
            .next()
            .unwrap()
            .to_owned()
    };
    assert!(sum.starts_with(&format!("{want}  ")), "{sum}");
    run(stage::remove(std::slice::from_ref(&pf)), b"");
    assert!(!std::path::Path::new(&file).exists());
    let listed = run(files::list_dir(&pd), b"");
    assert_eq!(listed, "");
}

/// Whether some process holds a flock on `file`, read from /proc/locks (a probe that
/// took the lock itself would race the wrapper for it).
fn locked(file: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    let ino = std::fs::metadata(file).unwrap().ino();
    std::fs::read_to_string("/proc/locks")
        .unwrap()
        .lines()
        .any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.get(1) == Some(&"FLOCK")
                && f.iter()
                    .any(|w| w.rsplit(':').next() == Some(&ino.to_string()) && w.contains(':'))
        })
}

#[test]
fn a_staged_receive_holds_the_streams_lock_and_another_one_exits_75() {
    let t = tree();
    let r = t.root.as_str();
    let dir = format!("{r}/.dist-btrfs-staging");
    std::fs::create_dir(&dir).unwrap();
    let file = format!("{dir}/{NAME}");
    std::fs::write(&file, b"the stream").unwrap();
    let btrfs = fake_receive(&t);
    let opts = [
        "--root",
        r,
        "--no-syslog",
        "--allow-staging",
        "--btrfs",
        &btrfs,
    ];
    let recv = stage::receive_file(&p(&file), &p(r)).shell_quoted();
    let received = format!("{r}/received");

    // A receive of an earlier attempt, its session cut, still reading the file.
    let mut earlier = Command::new("flock")
        .args(["-o", &file, "sleep", "30"])
        .spawn()
        .unwrap();
    while !locked(&file) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let o = run_with_stdin(&t, &opts, &recv, b"");
    assert_eq!(o.code, 75, "{}", o.stderr);
    assert!(
        o.stderr.contains("is being received by another process"),
        "{}",
        o.stderr
    );
    assert!(
        !std::path::Path::new(&received).exists(),
        "btrfs did not run"
    );
    earlier.kill().unwrap();
    earlier.wait().unwrap();

    // Free again: btrfs gets the file on stdin, and holds the lock while it runs.
    let slow = format!("{}/slow-btrfs", t.base);
    testkit::install_executable(
        &slow,
        "#!/bin/sh\nsleep 1\n[ \"$1\" = receive ] && exec cat > \"$2/received\"\n",
        0o755,
    );
    let mut running = Command::new(&t.wrapper)
        .args([
            "--root",
            r,
            "--no-syslog",
            "--allow-staging",
            "--btrfs",
            &slow,
        ])
        .env("SSH_ORIGINAL_COMMAND", &recv)
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut seen_locked = false;
    while running.try_wait().unwrap().is_none() {
        seen_locked |= locked(&file);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(seen_locked, "the running receive held the lock");
    assert!(!locked(&file), "released when btrfs exited");
    assert_eq!(std::fs::read(&received).unwrap(), b"the stream");
}
