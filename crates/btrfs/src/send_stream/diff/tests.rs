//! Tests of the diff fold: the real fixture (its exact diff), the kernel's encodings one by
//! one, the memory bound, and a property test against a model of snapshot changes.

use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use uuid::Uuid;

use crate::send_stream::tests::FIXTURE;
use crate::send_stream::*;

fn p(s: &str) -> SendPath {
    SendPath::from(s)
}

fn change(kind: ChangeKind, path: &str, file_type: FileType, size: Option<u64>) -> Change {
    Change {
        kind,
        path: p(path),
        file_type,
        size,
    }
}

fn added(path: &str, file_type: FileType, size: Option<u64>) -> Change {
    change(ChangeKind::Added, path, file_type, size)
}

fn modified(path: &str, file_type: FileType, size: Option<u64>) -> Change {
    change(ChangeKind::Modified, path, file_type, size)
}

fn deleted(path: &str, file_type: FileType) -> Change {
    change(ChangeKind::Deleted, path, file_type, None)
}

fn renamed(from: &str, to: &str, file_type: FileType) -> Change {
    change(ChangeKind::Renamed { from: p(from) }, to, file_type, None)
}

/// Folds `commands` (END appended) into the full list of changes.
fn fold(commands: impl IntoIterator<Item = Command>) -> Vec<Change> {
    let mut fold = DiffFold::new();
    let mut changes = Vec::new();
    for command in commands {
        changes.extend(fold.push(command));
    }
    changes.extend(fold.push(Command::End));
    changes.extend(fold.finish());
    changes
}

// Command shorthands.
fn mkfile(path: &str) -> Command {
    Command::Mkfile {
        path: p(path),
        ino: 0,
    }
}
fn mkdir(path: &str) -> Command {
    Command::Mkdir {
        path: p(path),
        ino: 0,
    }
}
fn rename(from: &str, to: &str) -> Command {
    Command::Rename {
        from: p(from),
        to: p(to),
    }
}
fn link(path: &str, target: &str) -> Command {
    Command::Link {
        path: p(path),
        target: p(target),
    }
}
fn unlink(path: &str) -> Command {
    Command::Unlink { path: p(path) }
}
fn rmdir(path: &str) -> Command {
    Command::Rmdir { path: p(path) }
}
fn extent(path: &str, offset: u64, len: u64) -> Command {
    Command::UpdateExtent {
        path: p(path),
        offset,
        len,
    }
}
fn truncate(path: &str, size: u64) -> Command {
    Command::Truncate {
        path: p(path),
        size,
    }
}
fn chmod(path: &str) -> Command {
    Command::Chmod {
        path: p(path),
        mode: 0o644,
    }
}
fn utimes(path: &str) -> Command {
    let t = Timespec::default();
    Command::Utimes {
        path: p(path),
        atime: t,
        mtime: t,
        ctime: t,
    }
}

#[test]
fn real_fixture_diff_is_exactly_the_changes_made() {
    use FileType::{Dir, File, Other, Symlink, Unknown};
    let mut changes = Vec::new();
    let summary = diff_reader(FIXTURE, |c| changes.push(c)).unwrap();
    let expected = vec![
        modified("modify.txt", File, Some(16)),
        deleted("delete.txt", Unknown),
        renamed("rename-me.txt", "renamed.txt", Unknown),
        renamed("grow-me.txt", "grown.txt", File),
        modified("grown.txt", File, Some(21)),
        modified("shrink.bin", File, Some(3)),
        deleted("old/inner.txt", Unknown),
        deleted("old", Dir),
        renamed("movedir", "moveddir", Unknown),
        modified("perms.txt", Unknown, None),
        renamed("swap-a", "swap-b", Unknown),
        renamed("swap-b", "swap-a", Unknown),
        deleted("oldlink", Unknown),
        added("new.txt", File, Some(1000)),
        added("new-hardlink.txt", File, Some(1000)),
        added("newdir", Dir, None),
        added("newdir/child.txt", File, Some(6)),
        added("newlink", Symlink, None),
        added("newfifo", Other, None),
        added("sparse.bin", File, Some(1 << 20)),
        Change {
            path: SendPath::new(b"bin-\xff.txt".to_vec()),
            ..added("", File, Some(0))
        },
        added("moveddir/sub", Dir, None),
        added("later", Dir, None),
        renamed("existing.txt", "later/existing.txt", Unknown),
    ];
    assert_eq!(changes, expected);
    assert_eq!(summary.changes, expected.len() as u64);
    assert_eq!(summary.commands, 81);
    let subvolume = summary.subvolume.unwrap();
    assert_eq!(subvolume.path, p("B"));
    assert_eq!(
        subvolume.parent_uuid,
        Some(Uuid::parse_str("6dec0a6f-8530-0c47-a48f-2430a40f6faf").unwrap())
    );
}

#[tokio::test]
async fn async_diff_equals_sync_diff() {
    let mut sync = Vec::new();
    let mut asynchronous = Vec::new();
    let a = diff_reader(FIXTURE, |c| sync.push(c)).unwrap();
    let b = diff_async_reader(FIXTURE, |c| asynchronous.push(c))
        .await
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(sync, asynchronous);
}

#[test]
fn a_truncated_stream_is_an_error_not_a_partial_diff() {
    let cut = FIXTURE.get(..FIXTURE.len() - 10).unwrap();
    let err = diff_reader(cut, |_| {}).unwrap_err();
    assert!(matches!(err, SendStreamError::MissingEnd { .. }), "{err}");
}

#[test]
fn times_alone_are_not_a_change() {
    assert!(fold([utimes(""), utimes("dir"), utimes("file")]).is_empty());
    // ...but do not break the coalescing of the path they interleave with.
    assert_eq!(
        fold([
            extent("f", 0, 5),
            utimes("dir"),
            truncate("f", 9),
            utimes("f")
        ]),
        [modified("f", FileType::File, Some(9))]
    );
}

#[test]
fn sizes_follow_truncate_then_extents() {
    assert_eq!(
        fold([extent("f", 0, 100), truncate("f", 10)]),
        [modified("f", FileType::File, Some(10))]
    );
    assert_eq!(
        fold([truncate("f", 10), extent("f", 0, 100)]),
        [modified("f", FileType::File, Some(100))]
    );
    let fallocate = |mode| Command::Fallocate {
        path: p("f"),
        mode,
        offset: 0,
        len: 50,
    };
    assert_eq!(
        fold([fallocate(1)]),
        [modified("f", FileType::Unknown, None)],
        "FALLOC_FL_KEEP_SIZE does not change the size"
    );
    assert_eq!(
        fold([fallocate(0)]),
        [modified("f", FileType::File, Some(50))]
    );
}

#[test]
fn a_file_renamed_as_link_and_unlink() {
    assert_eq!(
        fold([link("b", "a"), unlink("a"), utimes("b")]),
        [renamed("a", "b", FileType::Unknown)]
    );
    // A LINK whose target is not unlinked next is a new hard link.
    assert_eq!(
        fold([link("b", "a"), unlink("c")]),
        [
            added("b", FileType::Unknown, None),
            deleted("c", FileType::Unknown)
        ]
    );
    assert_eq!(
        fold([link("b", "a")]),
        [added("b", FileType::Unknown, None)]
    );
    // Times between the LINK and the UNLINK do not break the pair.
    assert_eq!(
        fold([link("b", "a"), utimes("dir"), unlink("a")]),
        [renamed("a", "b", FileType::Unknown)]
    );
}

#[test]
fn a_new_file_is_reported_at_its_final_path_with_its_links() {
    assert_eq!(
        fold([
            mkfile("o300-7-0"),
            rename("o300-7-0", "dir/new"),
            link("dir/new2", "dir/new"),
            extent("dir/new", 0, 4096),
            truncate("dir/new", 5000),
            chmod("dir/new"),
            utimes("dir/new"),
            utimes("dir"),
        ]),
        [
            added("dir/new", FileType::File, Some(5000)),
            added("dir/new2", FileType::File, Some(5000)),
        ]
    );
}

#[test]
fn entries_moved_into_a_directory_created_later_wait_for_it() {
    let commands = [
        mkdir("o400-9-0"),
        link("o400-9-0/a", "a"),
        unlink("a"),
        extent("o400-9-0/a", 0, 10),
        rename("d", "o400-9-0/d"),
        mkfile("o401-9-0"),
        rename("o401-9-0", "o400-9-0/d/new"),
        extent("o400-9-0/d/new", 0, 3),
        mkdir("o402-9-0"),
        rename("o402-9-0", "o400-9-0/sub"),
        rename("o400-9-0/d", "o402-9-0x"), // not an orphan name: a plain path
        rename("o400-9-0", "top"),
        chmod("top"),
        utimes("top"),
    ];
    let mut fold_state = DiffFold::new();
    let mut changes = Vec::new();
    for command in commands {
        changes.extend(fold_state.push(command));
    }
    assert_eq!(changes.len(), 6, "{changes:#?}");
    changes.extend(fold_state.finish());
    use FileType::{Dir, File, Unknown};
    assert_eq!(
        changes,
        [
            renamed("d", "o402-9-0x", Unknown),
            added("o402-9-0x/new", File, Some(3)),
            added("top", Dir, None),
            renamed("a", "top/a", File),
            modified("top/a", File, Some(10)),
            added("top/sub", Dir, None),
        ]
    );
}

#[test]
fn entries_of_a_directory_moved_into_a_later_one_keep_their_old_paths() {
    use FileType::{Dir, File, Unknown};
    // mkdir newdir; mv olddir newdir/; rm newdir/olddir/file; mv .../h .../g; append to
    // .../kept, with olddir older than newdir (so it moves before newdir exists).
    let mut fold_state = DiffFold::new();
    let mut changes = Vec::new();
    for command in [
        mkdir("o500-9-0"),
        rename("olddir", "o500-9-0/olddir"),
        unlink("o500-9-0/olddir/file"),
        link("o500-9-0/olddir/g", "o500-9-0/olddir/h"),
        unlink("o500-9-0/olddir/h"),
        extent("o500-9-0/olddir/kept", 0, 5),
    ] {
        changes.extend(fold_state.push(command));
    }
    assert_eq!(changes, [deleted("olddir/file", Unknown)], "known at once");
    changes.extend(fold_state.push(rename("o500-9-0", "newdir")));
    changes.extend(fold_state.finish());
    assert_eq!(
        changes,
        [
            deleted("olddir/file", Unknown),
            added("newdir", Dir, None),
            renamed("olddir", "newdir/olddir", Unknown),
            renamed("olddir/h", "newdir/olddir/g", Unknown),
            modified("newdir/olddir/kept", File, Some(5)),
        ]
    );
}

#[test]
fn parked_inodes_are_renamed_or_deleted_at_their_old_paths() {
    use FileType::{Dir, Unknown};
    assert_eq!(
        fold([
            rename("old", "o261-9-0"),
            unlink("o261-9-0/inner"),
            rmdir("o261-9-0/sub"),
            rmdir("o261-9-0"),
        ]),
        [
            deleted("old/inner", Unknown),
            deleted("old/sub", Dir),
            deleted("old", Dir),
        ]
    );
    // A swap of two names.
    assert_eq!(
        fold([
            rename("b", "o268-9-0"),
            link("b", "a"),
            unlink("a"),
            rename("o268-9-0", "a"),
        ]),
        [renamed("a", "b", Unknown), renamed("b", "a", Unknown)]
    );
    // A name that only looks like an orphan name, present in the parent.
    assert_eq!(fold([chmod("o1-2-3")]), [modified("o1-2-3", Unknown, None)]);
    assert_eq!(fold([unlink("o1-2-3")]), [deleted("o1-2-3", Unknown)]);
}

#[test]
fn a_full_stream_is_all_additions_without_the_root() {
    let subvol = Command::Subvol {
        path: p("S"),
        uuid: Uuid::nil(),
        ctransid: 5,
    };
    assert_eq!(
        fold([
            subvol,
            chmod(""),
            utimes(""),
            mkfile("o257-5-0"),
            rename("o257-5-0", "f"),
            extent("f", 0, 3),
        ]),
        [added("f", FileType::File, Some(3))]
    );
    // In an incremental, the root's metadata is a change like any other.
    assert_eq!(fold([chmod("")]), [modified("", FileType::Unknown, None)]);
}

#[test]
fn leftovers_under_orphan_names_are_reported_by_finish() {
    assert_eq!(
        fold([mkfile("o5-1-0"), rename("a", "o6-1-0")]),
        [
            added("o5-1-0", FileType::File, Some(0)),
            renamed("a", "o6-1-0", FileType::Unknown),
        ]
    );
}

#[test]
fn memory_stays_bounded_for_a_million_changes_in_place() {
    let mut fold_state = DiffFold::new();
    let mut max_held = 0;
    let mut changes = 0usize;
    for i in 0..1_000_000u64 {
        let name = format!("dir{}/file{i}", i % 100);
        let commands = match i % 4 {
            0 => vec![extent(&name, 0, i), utimes(&name)],
            1 => vec![unlink(&name)],
            2 => vec![
                link(&format!("{name}.new"), &name),
                unlink(&name),
                utimes(&name),
            ],
            _ => {
                let orphan = format!("o{}-1-0", 1000 + i);
                vec![mkfile(&orphan), rename(&orphan, &name), extent(&name, 0, 1)]
            }
        };
        for command in commands {
            changes += fold_state.push(command).len();
            max_held = max_held.max(fold_state.held());
        }
    }
    changes += fold_state.finish().len();
    assert_eq!(changes, 1_000_000);
    assert!(max_held <= 2, "held {max_held}");
}

// ---------------------------------------------------------------------------
// Property test against a model
// ---------------------------------------------------------------------------

/// What happens to one file `f<i>` of the parent.
#[derive(Debug, Clone)]
enum FileFate {
    Keep,
    Delete,
    /// `as_rename`: sent as RENAME rather than LINK + UNLINK.
    Rename {
        as_rename: bool,
    },
    Modify {
        offset: u64,
        len: u64,
    },
    RenameAndModify {
        len: u64,
    },
    Chmod,
    /// Moved into the new directory `newdir<n>` (created, orphan-named, at first use).
    MoveIntoNewDir {
        dir: u8,
    },
}

fn fate() -> impl Strategy<Value = FileFate> {
    prop_oneof![
        Just(FileFate::Keep),
        Just(FileFate::Delete),
        any::<bool>().prop_map(|as_rename| FileFate::Rename { as_rename }),
        (0u64..1 << 20, 1u64..1 << 20).prop_map(|(offset, len)| FileFate::Modify { offset, len }),
        (1u64..1000).prop_map(|len| FileFate::RenameAndModify { len }),
        Just(FileFate::Chmod),
        (0u8..3).prop_map(|dir| FileFate::MoveIntoNewDir { dir }),
    ]
}

/// The commands the kernel sends for `fates` (files f0.. in inode order), directories
/// `d<j>` (each with a child `c`) deleted, and `new_files` created; and the expected diff.
fn scenario(
    fates: &[FileFate],
    deleted_dirs: &[u8],
    new_files: &[u64],
    utimes_at: &[usize],
) -> (Vec<Command>, Vec<Change>) {
    use FileType::{Dir, File, Unknown};
    let mut commands = Vec::new();
    let mut expected = Vec::new();
    let mut new_dirs: Vec<u8> = Vec::new();
    let orphan_dir = |dir: u8| format!("o{}-9-0", 900 + u64::from(dir));
    for (i, fate) in fates.iter().enumerate() {
        let f = format!("f{i}");
        let r = format!("r{i}");
        match fate {
            FileFate::Keep => {}
            FileFate::Delete => {
                commands.push(unlink(&f));
                expected.push(deleted(&f, Unknown));
            }
            FileFate::Rename { as_rename } => {
                if *as_rename {
                    commands.push(rename(&f, &r));
                } else {
                    commands.extend([link(&r, &f), unlink(&f)]);
                }
                commands.push(utimes(&r));
                expected.push(renamed(&f, &r, Unknown));
            }
            FileFate::Modify { offset, len } => {
                commands.extend([extent(&f, *offset, *len), utimes(&f)]);
                expected.push(modified(&f, File, Some(offset + len)));
            }
            FileFate::RenameAndModify { len } => {
                commands.extend([link(&r, &f), unlink(&f), extent(&r, 0, *len), utimes(&r)]);
                expected.push(renamed(&f, &r, File));
                expected.push(modified(&r, File, Some(*len)));
            }
            FileFate::Chmod => {
                commands.extend([chmod(&f), utimes(&f)]);
                expected.push(modified(&f, Unknown, None));
            }
            FileFate::MoveIntoNewDir { dir } => {
                let orphan = orphan_dir(*dir);
                if !new_dirs.contains(dir) {
                    new_dirs.push(*dir);
                    commands.push(mkdir(&orphan));
                }
                let moved = format!("{orphan}/{f}");
                commands.extend([link(&moved, &f), unlink(&f), utimes(&moved)]);
                expected.push(renamed(&f, &format!("newdir{dir}/{f}"), Unknown));
            }
        }
    }
    for dir in deleted_dirs {
        let d = format!("d{dir}");
        let orphan = format!("o{}-8-0", 800 + u64::from(*dir));
        commands.extend([
            rename(&d, &orphan),
            unlink(&format!("{orphan}/c")),
            rmdir(&orphan),
        ]);
        expected.push(deleted(&format!("{d}/c"), Unknown));
        expected.push(deleted(&d, Dir));
    }
    for (k, size) in new_files.iter().enumerate() {
        let orphan = format!("o{}-9-0", 1000 + k);
        let n = format!("n{k}");
        commands.extend([mkfile(&orphan), rename(&orphan, &n)]);
        if *size > 0 {
            commands.push(extent(&n, 0, *size));
        }
        commands.extend([chmod(&n), utimes(&n)]);
        expected.push(added(&n, File, Some(*size)));
    }
    new_dirs.sort();
    for dir in new_dirs {
        let name = format!("newdir{dir}");
        commands.extend([rename(&orphan_dir(dir), &name), chmod(&name), utimes(&name)]);
        expected.push(added(&name, Dir, None));
    }
    // Parent directories' times, anywhere.
    for at in utimes_at.iter().rev() {
        let at = at % (commands.len() + 1);
        commands.insert(at, utimes(""));
    }
    (commands, expected)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn diff_matches_the_model(
        fates in vec(fate(), 0..12),
        deleted_dirs in btree_set(0u8..4, 0..3),
        new_files in vec(0u64..5000, 0..5),
        utimes_at in vec(any::<usize>(), 0..4),
    ) {
        let deleted_dirs: Vec<u8> = deleted_dirs.into_iter().collect();
        let (commands, expected) = scenario(&fates, &deleted_dirs, &new_files, &utimes_at);
        let mut stream = vec![Command::Snapshot {
            path: p("B"),
            uuid: Uuid::nil(),
            ctransid: 2,
            parent_uuid: Uuid::nil(),
            parent_ctransid: 1,
        }];
        stream.extend(commands);
        stream.push(Command::End);
        // Through the encoder and the reader, as the real stream would come.
        let bytes = encode_stream(1, &stream).unwrap();
        let mut changes = Vec::new();
        diff_reader(&bytes[..], |c| changes.push(c)).unwrap();
        let mut expected = expected;
        changes.sort();
        expected.sort();
        prop_assert_eq!(changes, expected);
    }
}
