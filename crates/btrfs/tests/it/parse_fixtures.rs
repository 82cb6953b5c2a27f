//! Parsers against real btrfs-progs v6.2 output captured by `tests/it/fixtures/capture.sh`
//! (two scratch filesystems: a primary with subvolumes, snapshots and quotas, and a remote
//! that received a full, an incremental and a truncated stream). Exact values.

// Panicking shortcuts are fine in tests (clippy.toml allows them in #[test] fns only).

use btrfs::parse::{
    self, BlockGroupKind, DeviceAllocation, QgroupId, SubvolumeInfo, SubvolumeQuota,
};
use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

fn u(s: &str) -> Option<Uuid> {
    Some(Uuid::parse_str(s).unwrap())
}

fn t(s: &str) -> Option<DateTime<FixedOffset>> {
    Some(DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S %z").unwrap())
}

fn q(level: u16, id: u64) -> QgroupId {
    QgroupId { level, id }
}

const DATA: &str = "fe4fc3e8-89d2-2e4b-8ab4-5baa1ed7e731";
const MY_DOCS: &str = "a1e1a297-e0c3-7d4e-9f95-aa9ef4ee707f";
const DATA_1: &str = "51e0ab70-7a4d-2c4e-aefb-f43baf736b39";
const DATA_2: &str = "c07afefc-6ee6-804a-9a88-f89db8dc254a";

#[test]
fn version_6_2() {
    let v = parse::version(include_str!("fixtures/version.txt")).unwrap();
    assert_eq!(v.triple(), (6, 2, 0));
    assert_eq!(v.text, "btrfs-progs v6.2");
    assert!(v.features.is_empty());
}

#[test]
fn subvolume_list_primary() {
    let list = parse::subvolume_list(include_str!("fixtures/subvolume_list_primary.txt")).unwrap();
    let info =
        |id, generation, cgen, parent_id, parent_uuid: Option<Uuid>, uuid: &str, path: &str| {
            SubvolumeInfo {
                id,
                generation,
                cgen,
                parent_id,
                top_level: parent_id,
                uuid: u(uuid),
                parent_uuid,
                received_uuid: None,
                path: path.to_owned(),
            }
        };
    assert_eq!(
        list,
        vec![
            info(256, 10, 7, 5, None, DATA, "data"),
            info(257, 9, 7, 5, None, MY_DOCS, "my docs"),
            info(
                258,
                7,
                7,
                256,
                None,
                "12ccd8a5-1a24-5b49-846a-ed701dd1247e",
                "data/nested"
            ),
            info(259, 7, 7, 5, u(DATA), DATA_1, "snaps/data@1"),
            info(260, 8, 8, 5, u(DATA), DATA_2, "snaps/data@2"),
            info(
                261,
                9,
                9,
                5,
                u(MY_DOCS),
                "7a4765c5-687d-0245-816b-0884d95e7a7d",
                "snaps/my docs@1"
            ),
            info(
                262,
                10,
                10,
                5,
                u(DATA),
                "6c68dd62-7002-ce48-a3ac-721f468b00d3",
                "snaps/data@3"
            ),
        ]
    );
}

#[test]
fn subvolume_list_inside_a_subvolume_shortens_paths_below_it() {
    let list = parse::subvolume_list(include_str!("fixtures/subvolume_list_inside_subvolume.txt"))
        .unwrap();
    let paths: Vec<_> = list.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "data",
            "my docs",
            "nested",
            "snaps/data@1",
            "snaps/data@2",
            "snaps/my docs@1",
            "snaps/data@3"
        ]
    );
}

#[test]
fn subvolume_list_remote_has_received_uuids_and_a_partial_receive() {
    let list = parse::subvolume_list(include_str!("fixtures/subvolume_list_remote.txt")).unwrap();
    assert_eq!(list.len(), 3);
    let full = &list[0];
    assert_eq!((full.id, full.path.as_str()), (256, "data@1"));
    assert_eq!(full.received_uuid, u(DATA_1));
    assert_eq!(full.parent_uuid, None);
    assert_eq!(full.uuid, u("40242c4a-3fbe-9948-a35c-acf5c29eeb9f"));
    let incremental = &list[1];
    assert_eq!(incremental.path, "data@2");
    assert_eq!(incremental.received_uuid, u(DATA_2));
    // The incremental receive snapshots the local copy of its parent.
    assert_eq!(incremental.parent_uuid, full.uuid);
    assert_eq!((incremental.generation, incremental.cgen), (13, 10));
    let partial = &list[2];
    assert_eq!(partial.path, "data@3");
    assert_eq!(partial.received_uuid, None);
    assert_eq!(partial.parent_uuid, None);
}

#[test]
fn subvolume_show_plain() {
    let s = parse::subvolume_show(include_str!("fixtures/subvolume_show_plain.txt")).unwrap();
    assert_eq!(s.path, "data");
    assert_eq!(s.name, "data");
    assert_eq!(s.uuid, u(DATA));
    assert_eq!((s.parent_uuid, s.received_uuid), (None, None));
    assert_eq!(s.creation_time, t("2026-11-26 11:52:34 +0000"));
    assert_eq!(
        (s.subvolume_id, s.generation, s.gen_at_creation),
        (256, 10, Some(7))
    );
    assert_eq!((s.parent_id, s.top_level_id), (5, 5));
    assert!(!s.readonly);
    assert_eq!((s.send_transid, s.receive_transid), (Some(0), Some(0)));
    assert_eq!(s.send_time, t("2026-11-26 11:52:34 +0000"));
    assert_eq!(s.receive_time, None);
    assert_eq!(
        s.snapshots,
        ["snaps/data@1", "snaps/data@2", "snaps/data@3"]
    );
    assert_eq!(s.quota, None);
}

#[test]
fn subvolume_show_with_quota() {
    let s = parse::subvolume_show(include_str!("fixtures/subvolume_show_quota.txt")).unwrap();
    assert_eq!(s.snapshots.len(), 3);
    assert_eq!(
        s.quota,
        Some(SubvolumeQuota {
            qgroup: q(0, 256),
            limit_referenced: Some(524_288_000),
            limit_exclusive: None,
            usage_referenced: 20_987_904,
            usage_exclusive: 16384,
        })
    );
}

#[test]
fn subvolume_show_snapshot_and_space() {
    let s = parse::subvolume_show(include_str!("fixtures/subvolume_show_snapshot.txt")).unwrap();
    assert_eq!(
        (s.path.as_str(), s.name.as_str()),
        ("snaps/data@1", "data@1")
    );
    assert_eq!(s.uuid, u(DATA_1));
    assert_eq!(s.parent_uuid, u(DATA));
    assert!(s.readonly);
    assert!(s.snapshots.is_empty());

    let s = parse::subvolume_show(include_str!("fixtures/subvolume_show_space.txt")).unwrap();
    assert_eq!(
        (s.path.as_str(), s.name.as_str()),
        ("snaps/my docs@1", "my docs@1")
    );
    assert_eq!(s.parent_uuid, u(MY_DOCS));
    assert_eq!(s.subvolume_id, 261);
    assert!(s.readonly);
}

#[test]
fn subvolume_show_received_and_partial() {
    let s = parse::subvolume_show(include_str!("fixtures/subvolume_show_received.txt")).unwrap();
    assert_eq!(s.name, "data@2");
    assert_eq!(s.uuid, u("0daa0536-c919-0d49-ab0f-ebdd98ded6f3"));
    assert_eq!(s.parent_uuid, u("40242c4a-3fbe-9948-a35c-acf5c29eeb9f"));
    assert_eq!(s.received_uuid, u(DATA_2));
    assert!(s.readonly);
    assert_eq!((s.send_transid, s.receive_transid), (Some(8), Some(11)));
    assert_eq!(s.receive_time, t("2026-11-26 11:52:35 +0000"));

    // docs/design.md invariant 2: a half-received subvolume is writable and has no received_uuid.
    let p = parse::subvolume_show(include_str!("fixtures/subvolume_show_partial.txt")).unwrap();
    assert_eq!(p.name, "data@3");
    assert!(!p.readonly);
    assert_eq!(p.received_uuid, None);
    assert_eq!(p.receive_transid, Some(0));
    assert_eq!(p.uuid, u("ebcc3a1c-0c53-df4b-a053-934f436480a5"));
}

#[test]
fn subvolume_show_top_level() {
    let s = parse::subvolume_show(include_str!("fixtures/subvolume_show_toplevel.txt")).unwrap();
    assert_eq!((s.path.as_str(), s.name.as_str()), ("/", "<FS_TREE>"));
    assert_eq!((s.subvolume_id, s.parent_id, s.top_level_id), (5, 0, 0));
    assert_eq!(s.gen_at_creation, Some(0));
    assert_eq!(s.creation_time, t("2026-11-26 11:52:34 +0000"));
    assert_eq!(s.uuid, u("792c7082-83ef-4b9b-a7d1-2e6e0e69433e"));
}

#[test]
fn property_ro() {
    assert!(parse::property_ro(include_str!("fixtures/property_ro_true.txt")).unwrap());
    assert!(!parse::property_ro(include_str!("fixtures/property_ro_false.txt")).unwrap());
}

#[test]
fn filesystem_usage() {
    let f = parse::filesystem_usage(include_str!("fixtures/filesystem_usage.txt")).unwrap();
    assert_eq!(f.device_size, 1_073_741_824);
    assert_eq!(f.device_allocated, 249_954_304);
    assert_eq!(f.device_unallocated, 823_787_520);
    assert_eq!((f.device_missing, f.device_slack), (Some(0), Some(0)));
    assert_eq!(f.used, 21_561_344);
    assert_eq!(
        (f.free_estimated, f.free_estimated_min),
        (928_645_120, Some(516_751_360))
    );
    assert_eq!(f.free_statfs, Some(927_596_544));
    assert_eq!((f.data_ratio, f.metadata_ratio), (1.0, 2.0));
    assert_eq!(
        (f.global_reserve, f.global_reserve_used),
        (Some(5_767_168), Some(0))
    );
    assert_eq!(f.multiple_profiles, Some(false));
    let dev = |bytes| {
        vec![DeviceAllocation {
            device: "/dev/loop0".into(),
            bytes,
        }]
    };
    let g: Vec<_> = f
        .block_groups
        .iter()
        .map(|b| {
            (
                b.kind.clone(),
                b.profile.as_str(),
                b.size,
                b.used,
                b.devices.clone(),
            )
        })
        .collect();
    assert_eq!(
        g,
        vec![
            (
                BlockGroupKind::Data,
                "single",
                125_829_120,
                20_971_520,
                dev(125_829_120)
            ),
            (
                BlockGroupKind::Metadata,
                "DUP",
                53_673_984,
                278_528,
                dev(107_347_968)
            ),
            (
                BlockGroupKind::System,
                "DUP",
                8_388_608,
                16384,
                dev(16_777_216)
            ),
        ]
    );
    assert_eq!(f.unallocated, dev(823_787_520));
    assert_eq!(
        f.totals(&BlockGroupKind::Data),
        Some((125_829_120, 20_971_520))
    );
    assert_eq!(f.totals(&BlockGroupKind::Mixed), None);
}

#[test]
fn qgroup_show_with_hierarchy_stale_group_and_a_nul_byte() {
    let text = include_str!("fixtures/qgroup_show.txt");
    assert!(
        text.contains('\0'),
        "btrfs-progs v6.2 really prints a NUL here"
    );
    let groups = parse::qgroup_show(text).unwrap();
    assert_eq!(groups.len(), 12);
    let by_id = |id| groups.iter().find(|g| g.id == id).unwrap();

    let top = by_id(q(0, 5));
    assert_eq!((top.referenced, top.exclusive), (16384, 16384));
    assert_eq!(top.path, "<toplevel>");
    assert_eq!(top.subvolume_path(), None);

    let data = by_id(q(0, 256));
    assert_eq!((data.referenced, data.exclusive), (20_987_904, 16384));
    assert_eq!(
        (data.max_referenced, data.max_exclusive),
        (Some(524_288_000), None)
    );
    assert_eq!(data.subvolume_path(), Some("data"));

    assert_eq!(by_id(q(0, 257)).subvolume_path(), Some("my docs"));
    assert_eq!(by_id(q(0, 259)).parents, [q(1, 100)]);
    assert_eq!(by_id(q(0, 260)).parents, [q(1, 100), q(1, 200)]);
    assert_eq!(by_id(q(0, 261)).path, "snaps/my docs@1");

    let stale = by_id(q(0, 263));
    assert!(stale.is_stale());
    assert_eq!((stale.referenced, stale.exclusive), (0, 0));

    let l1 = by_id(q(1, 100));
    assert_eq!((l1.referenced, l1.exclusive), (21_004_288, 32768));
    assert_eq!(l1.max_exclusive, Some(104_857_600));
    assert_eq!(l1.parents, [q(2, 1)]);
    assert_eq!(l1.children, [q(0, 259), q(0, 260)]);
    assert_eq!(l1.path, "2/1<1 member qgroup\0>");
    assert_eq!(l1.subvolume_path(), None);

    let l2 = by_id(q(2, 1));
    assert_eq!(l2.children, [q(1, 100)]);
    assert!(l2.parents.is_empty());
}

#[test]
fn renderers_reproduce_the_real_list_and_show_output() {
    // The renderers are what fakes of a host answer with; they must match the real format.
    for name in ["subvolume_list_primary.txt", "subvolume_list_remote.txt"] {
        let text = std::fs::read_to_string(format!(
            "{}/tests/it/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let rendered: String = parse::subvolume_list(&text)
            .unwrap()
            .iter()
            .map(|i| i.render_list_line() + "\n")
            .collect();
        assert_eq!(rendered, text, "{name}");
    }
    for name in [
        "subvolume_show_plain.txt",
        "subvolume_show_quota.txt",
        "subvolume_show_snapshot.txt",
        "subvolume_show_space.txt",
        "subvolume_show_received.txt",
        "subvolume_show_partial.txt",
        "subvolume_show_toplevel.txt",
    ] {
        let text = std::fs::read_to_string(format!(
            "{}/tests/it/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert_eq!(
            parse::subvolume_show(&text).unwrap().render(),
            text,
            "{name}"
        );
    }
    let text = include_str!("fixtures/version.txt");
    assert_eq!(parse::version(text).unwrap().render(), text);
    let text = include_str!("fixtures/filesystem_usage.txt");
    assert_eq!(parse::filesystem_usage(text).unwrap().render(), text);
}
