//! The restricted wrapper run locally, part four: snapshot hooks
//! (`btrfs::command::hooks`). With `--allow-hooks` only, the wrapper runs
//! `HOOKSDIR/NAME pre|post SUBVOLUME SNAPSHOT [created|failed]` (HOOKSDIR exactly
//! `--hooks-dir`, the paths below the root, resolved) and lists the hooks directory, as the
//! login user and never through sudo; a missing hook exits 127, a non-executable one is
//! refused; and a hook really runs with the checked paths and its exit code is the
//! wrapper's. The tree and the runners are `restricted_wrapper_local`'s.

use std::os::unix::fs::{PermissionsExt, symlink};

use btrfs::command::{files, hooks};

use crate::restricted_wrapper_local::{
    Tree, assert_allowed, assert_refused, dry, p, q, run_raw, tree,
};

/// The exit code of the test hook, which the wrapper must pass on.
const HOOK_EXIT: i32 = 3;

/// A hooks directory beside the root (`BASE/hooks.d`, outside it like the real one):
/// `quiesce` (an executable script writing its argv to `BASE/hook-argv`, then exiting
/// [`HOOK_EXIT`]), `linked` (a symlink to it), `plain` (not executable), `adir` (a
/// directory) and `dangling` (a symlink to nothing); `BASE/hooks-link` points at it.
struct Hooks {
    dir: String,
    argv_file: String,
}

impl Hooks {
    fn new(t: &Tree) -> Self {
        let dir = format!("{}/hooks.d", t.base);
        let argv_file = format!("{}/hook-argv", t.base);
        std::fs::create_dir(&dir).unwrap();
        let quiesce = format!("{dir}/quiesce");
        testkit::install_executable(
            &quiesce,
            format!("#!/bin/sh\nprintf '%s\\n' \"$0\" \"$@\" > '{argv_file}'\nexit {HOOK_EXIT}\n"),
            0o755,
        );
        std::fs::write(format!("{dir}/plain"), b"#!/bin/sh\n").unwrap();
        std::fs::set_permissions(
            format!("{dir}/plain"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        std::fs::create_dir(format!("{dir}/adir")).unwrap();
        symlink("quiesce", format!("{dir}/linked")).unwrap();
        symlink(format!("{}/nowhere", t.base), format!("{dir}/dangling")).unwrap();
        symlink("hooks.d", format!("{}/hooks-link", t.base)).unwrap();
        Self { dir, argv_file }
    }

    fn hook(&self, name: &str) -> String {
        format!("{}/{name}", self.dir)
    }

    /// The wrapper options enabling hooks in this directory.
    fn opts(&self) -> [&str; 3] {
        ["--hooks-dir", &self.dir, "--allow-hooks"]
    }

    /// `pre` of hook `name` for `SNAP` and `SNAP@x` below the root, as dist-btrfs sends it.
    fn pre(&self, t: &Tree, name: &str) -> String {
        let (sub, snap) = sub_and_snap(t);
        hooks::pre_snapshot(&p(&self.hook(name)), &p(&sub), &p(&snap)).shell_quoted()
    }
}

fn sub_and_snap(t: &Tree) -> (String, String) {
    (format!("{}/snap", t.root), format!("{}/snap@x", t.root))
}

#[test]
fn hooks_and_their_listing_run_as_parsed_only_with_allow_hooks() {
    let t = tree();
    let h = Hooks::new(&t);
    let (sub, snap) = sub_and_snap(&t);
    let quiesce = h.hook("quiesce");
    let (hook, ps, pn) = (p(&quiesce), p(&sub), p(&snap));
    let pre = hooks::pre_snapshot(&hook, &ps, &pn).shell_quoted();
    let created = hooks::post_snapshot(&hook, &ps, &pn, true).shell_quoted();
    let failed = hooks::post_snapshot(&hook, &ps, &pn, false).shell_quoted();
    let list = files::list_dir(&p(&h.dir));
    let listing: Vec<&str> = list.words().collect();
    let listing_line = list.shell_quoted();
    let without = ["--hooks-dir", h.dir.as_str()];
    let with_read = ["--hooks-dir", h.dir.as_str(), "--allow-read"];
    for line in [&pre, &created, &failed, &listing_line] {
        assert_refused(&t, &without, line, "(wrapper without --allow-hooks)");
        assert_refused(&t, &with_read, line, "(wrapper without --allow-hooks)");
    }
    let opts = h.opts();
    assert_allowed(&t, &opts, &pre, &[&quiesce, "pre", &sub, &snap]);
    assert_allowed(
        &t,
        &opts,
        &created,
        &[&quiesce, "post", &sub, &snap, "created"],
    );
    assert_allowed(
        &t,
        &opts,
        &failed,
        &[&quiesce, "post", &sub, &snap, "failed"],
    );
    // The listing: without --allow-read, also through a path resolving to the directory
    // (exec'd resolved), never of another directory.
    assert_allowed(&t, &opts, &listing_line, &listing);
    let via = files::list_dir(&p(&format!("{}/hooks-link", t.base))).shell_quoted();
    assert_allowed(&t, &opts, &via, &listing);
    for dir in [t.root.clone(), format!("{}/outside", t.base)] {
        let other = files::list_dir(&p(&dir)).shell_quoted();
        assert_refused(&t, &opts, &other, "--allow-read");
    }
    // The paths and the hook are resolved: a subvolume through a symlink inside the root,
    // a hook the operator linked to another file.
    let linked = hooks::pre_snapshot(
        &p(&h.hook("linked")),
        &p(&format!("{}/link_in", t.root)),
        &pn,
    );
    assert_allowed(
        &t,
        &opts,
        &linked.shell_quoted(),
        &[&quiesce, "pre", &sub, &snap],
    );
    // The default hooks directory is /etc/dist-btrfs/hooks.d.
    let default = "/etc/dist-btrfs/hooks.d";
    let shown = std::fs::canonicalize(default)
        .map_or_else(|_| default.to_owned(), |d| d.to_str().unwrap().to_owned());
    let mut expect = vec!["find", shown.as_str()];
    expect.extend(listing.iter().skip(2));
    let line = files::list_dir(&p(default)).shell_quoted();
    assert_allowed(&t, &["--allow-hooks"], &line, &expect);
    assert_refused(
        &t,
        &["--allow-hooks"],
        &pre,
        "is not /etc/dist-btrfs/hooks.d/NAME",
    );
}

#[test]
fn hook_commands_in_any_other_form_are_refused() {
    let t = tree();
    let h = Hooks::new(&t);
    let opts = h.opts();
    let (sub, snap) = sub_and_snap(&t);
    let (s, n) = (sub.as_str(), snap.as_str());
    let quiesce = h.hook("quiesce");
    let hk = quiesce.as_str();
    let not_in_dir = format!("is not {}/NAME", h.dir);
    let usage = "usage: HOOK pre SUBVOLUME SNAPSHOT";
    let long = h.hook(&"a".repeat(65));
    let others = [
        format!("{}/outside/quiesce", t.base),
        format!("{}/hooks.d2/quiesce", t.base),
        format!("{}/quiesce", t.base),
        "/usr/bin/id".to_owned(),
        format!("{}/../hooks.d/quiesce", h.dir),
        h.hook(".."),
        h.hook("adir/x"),
        h.hook("quiesce/"),
        h.hook(".quiesce"),
        h.hook("-quiesce"),
        h.dir.clone() + "/",
        long,
    ];
    for other in &others {
        assert_refused(&t, &opts, &q(&[other, "pre", s, n]), &not_in_dir);
    }
    for (words, why) in [
        (vec![hk, "pre", s], usage),
        (vec![hk, "pre", s, n, "created"], usage),
        (vec![hk, "post", s, n], usage),
        (vec![hk, "post", s, n, "created", "x"], usage),
        (vec![hk, "post", s, n, "ok"], usage),
        (vec![hk, "post", s, n, "Created"], usage),
        (vec![hk, "snapshot", s, n], usage),
        (vec![hk], usage),
        (vec![hk, "pre", "/etc", n], "is outside"),
        (vec![hk, "pre", s, "/etc/x"], "is outside"),
        (
            vec![hk, "pre", &format!("{}/link_out", t.root), n],
            "is outside",
        ),
        (vec![hk, "pre", &format!("{}/../x", t.root), n], "canonical"),
        (vec![hk, "pre", "snap", n], "canonical"),
        (
            vec!["sudo", "-n", "--", hk, "pre", s, n],
            "never runs through sudo",
        ),
        (vec!["quiesce", "pre", s, n], "only btrfs commands"),
    ] {
        assert_refused(&t, &opts, &q(&words), why);
    }
    let pre = hooks::pre_snapshot(&p(hk), &p(s), &p(n));
    assert_refused(
        &t,
        &opts,
        &pre.clone().sudo(true).shell_quoted(),
        "through sudo",
    );
    let piped = format!("{} | {}", q(&["zstd", "-d", "-c"]), pre.shell_quoted());
    assert_refused(&t, &opts, &piped, "may not read from `zstd -d -c`");
    // The listing only in dist-btrfs's form.
    for rest in [
        vec!["-delete"],
        vec!["-maxdepth", "0", "-printf", files::STAT_FORMAT],
        vec!["-type", "f", "-printf", files::LIST_FILES_FORMAT],
        vec!["-mindepth", "1", "-maxdepth", "1", "-exec", "sh", ";"],
    ] {
        let mut words = vec!["find", h.dir.as_str()];
        words.extend(rest);
        assert_refused(&t, &opts, &q(&words), "usage: find HOOKSDIR");
    }
    // --hooks-dir: absolute, canonical, not /.
    for dir in ["/", "//", "relative/hooks", "/etc/../hooks", ""] {
        let o = run_raw(
            &t,
            &[
                "--root",
                &t.root,
                "--hooks-dir",
                dir,
                "--allow-hooks",
                "--dry-run",
            ],
            Some(q(&["btrfs", "--version"]).into()),
            false,
        );
        assert_eq!(o.code, 125, "--hooks-dir {dir:?}: {}", o.stderr);
        assert!(
            o.stderr
                .contains("--hooks-dir must be an absolute canonical path"),
            "{}",
            o.stderr
        );
    }
}

#[test]
fn a_missing_hook_exits_127_and_an_unusable_one_is_refused() {
    let t = tree();
    let h = Hooks::new(&t);
    let opts = h.opts();
    for name in ["absent", "dangling"] {
        let o = dry(&t, &opts, &h.pre(&t, name));
        assert_eq!(
            (o.code, o.stdout.as_str()),
            (127, ""),
            "{name}: {}",
            o.stderr
        );
        assert_eq!(
            o.stderr,
            format!(
                "dist-btrfs-remote-wrapper: hook {}: No such file or directory\n",
                h.hook(name)
            )
        );
    }
    assert_refused(&t, &opts, &h.pre(&t, "plain"), "is not executable");
    assert_refused(&t, &opts, &h.pre(&t, "adir"), "is not a regular file");
    // Path checks come first: a refused path is refused even for a missing hook.
    let outside = hooks::pre_snapshot(&p(&h.hook("absent")), &p("/etc"), &p("/etc/x"));
    assert_refused(&t, &opts, &outside.shell_quoted(), "is outside");
}

#[test]
fn a_hook_really_runs_with_the_checked_paths_and_passes_on_its_exit_code() {
    let t = tree();
    let h = Hooks::new(&t);
    let (sub, snap) = sub_and_snap(&t);
    let run = |line: &str| {
        let mut opts = vec!["--root", t.root.as_str(), "--no-syslog"];
        opts.extend(h.opts());
        run_raw(&t, &opts, Some(line.into()), false)
    };
    let argv = || std::fs::read_to_string(&h.argv_file).unwrap();
    let quiesce = h.hook("quiesce");
    // Through the operator's symlink, with the subvolume through one inside the root: the
    // hook runs as its resolved path and gets the resolved paths.
    let pre = hooks::pre_snapshot(
        &p(&h.hook("linked")),
        &p(&format!("{}/link_in", t.root)),
        &p(&snap),
    );
    let o = run(&pre.shell_quoted());
    assert_eq!(o.code, HOOK_EXIT, "{}", o.stderr);
    assert_eq!(argv(), format!("{quiesce}\npre\n{sub}\n{snap}\n"));
    let post = hooks::post_snapshot(&p(&quiesce), &p(&sub), &p(&snap), false);
    let o = run(&post.shell_quoted());
    assert_eq!(o.code, HOOK_EXIT, "{}", o.stderr);
    assert_eq!(argv(), format!("{quiesce}\npost\n{sub}\n{snap}\nfailed\n"));
    // The listing really runs (NUL-separated records naming the installed hooks).
    let o = run(&files::list_dir(&p(&h.dir)).shell_quoted());
    assert_eq!(o.code, 0, "{}", o.stderr);
    let fields: Vec<&str> = o.stdout.split('\0').collect();
    for name in ["quiesce", "linked", "plain", "adir", "dangling"] {
        assert!(fields.contains(&name), "{name} not in {fields:?}");
    }
}
