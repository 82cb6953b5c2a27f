//! Parsers for `btrfs subvolume list -p -c -u -q -R` and `btrfs subvolume show -b`.
//!
//! Not handled: names containing a line break (btrfs-progs output is line-based; such a
//! subvolume makes the listing fail with a [`ParseError`] rather than be misread), and in
//! `show`, leading tabs of a name (they are indistinguishable from the column padding).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::qgroup::QgroupId;
use super::{ParseError, numbered_lines, parse_opt_uuid, parse_u64, render_opt_uuid};

/// One line of `btrfs subvolume list -p -c -u -q -R`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SubvolumeInfo {
    /// Subvolume (root) id.
    pub id: u64,
    /// Generation of the last change (`gen`; a keyword in Rust 2024).
    pub generation: u64,
    /// Generation at creation (`cgen`): orders snapshots of one filesystem by creation.
    pub cgen: u64,
    /// Id of the subvolume containing this one (`parent`).
    pub parent_id: u64,
    /// Id of the subvolume this one is attached below (`top level`).
    pub top_level: u64,
    pub uuid: Option<Uuid>,
    /// The uuid of the subvolume this is a snapshot of.
    pub parent_uuid: Option<Uuid>,
    /// Set on subvolumes made by `btrfs receive`: the uuid of the sent snapshot.
    pub received_uuid: Option<Uuid>,
    /// Path as printed (see [`crate::command::btrfs::subvolume_list`] for what it is
    /// relative to). May contain spaces.
    pub path: String,
}

const LIST: &str = "subvolume list";

impl SubvolumeInfo {
    /// Renders the line exactly as btrfs-progs v6.2 prints it.
    pub fn render_list_line(&self) -> String {
        format!(
            "ID {} gen {} cgen {} parent {} top level {} parent_uuid {:<36} received_uuid {:<36} uuid {:<36} path {}",
            self.id,
            self.generation,
            self.cgen,
            self.parent_id,
            self.top_level,
            render_opt_uuid(self.parent_uuid),
            render_opt_uuid(self.received_uuid),
            render_opt_uuid(self.uuid),
            self.path
        )
    }
}

/// Parses the whole output of [`crate::command::btrfs::subvolume_list`]. Empty output is an
/// empty list (a filesystem without subvolumes).
pub fn subvolume_list(text: &str) -> Result<Vec<SubvolumeInfo>, ParseError> {
    numbered_lines(text)
        .map(|(no, line)| parse_list_line(line).map_err(|r| ParseError::line(LIST, no, line, r)))
        .collect()
}

#[derive(Default)]
struct ListFields {
    id: Option<u64>,
    generation: Option<u64>,
    cgen: Option<u64>,
    parent: Option<u64>,
    top_level: Option<u64>,
    uuid: Option<Option<Uuid>>,
    parent_uuid: Option<Option<Uuid>>,
    received_uuid: Option<Option<Uuid>>,
}

fn set<T>(slot: &mut Option<T>, value: T, key: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("duplicate field {key:?}"));
    }
    *slot = Some(value);
    Ok(())
}

fn parse_list_line(line: &str) -> Result<SubvolumeInfo, String> {
    if !line.starts_with("ID ") {
        return Err("expected a line starting with \"ID \"".into());
    }
    let mut f = ListFields::default();
    let mut rest = line;
    let path = loop {
        rest = rest.trim_start_matches(' ');
        if let Some(p) = rest.strip_prefix("path ") {
            break p;
        }
        let (key, after) = next_word(rest).ok_or("line ends before \"path\"")?;
        let (key, after) = if key == "top" {
            match next_word(after) {
                Some(("level", a)) => ("top level", a),
                _ => return Err("expected \"top level\"".into()),
            }
        } else {
            (key, after)
        };
        let (value, after) = next_word(after).ok_or_else(|| format!("no value for {key:?}"))?;
        rest = after;
        match key {
            "ID" => set(&mut f.id, parse_u64(value)?, key)?,
            "gen" => set(&mut f.generation, parse_u64(value)?, key)?,
            "cgen" => set(&mut f.cgen, parse_u64(value)?, key)?,
            "parent" => set(&mut f.parent, parse_u64(value)?, key)?,
            "top level" => set(&mut f.top_level, parse_u64(value)?, key)?,
            "uuid" => set(&mut f.uuid, parse_opt_uuid(value)?, key)?,
            "parent_uuid" => set(&mut f.parent_uuid, parse_opt_uuid(value)?, key)?,
            "received_uuid" => set(&mut f.received_uuid, parse_opt_uuid(value)?, key)?,
            other => return Err(format!("unknown field {other:?}")),
        }
    };
    if path.is_empty() {
        return Err("empty path".into());
    }
    let missing = |name: &str| format!("missing field {name:?} (list run without -p -c -u -q -R?)");
    Ok(SubvolumeInfo {
        id: f.id.ok_or_else(|| missing("ID"))?,
        generation: f.generation.ok_or_else(|| missing("gen"))?,
        cgen: f.cgen.ok_or_else(|| missing("cgen"))?,
        parent_id: f.parent.ok_or_else(|| missing("parent"))?,
        top_level: f.top_level.ok_or_else(|| missing("top level"))?,
        uuid: f.uuid.ok_or_else(|| missing("uuid"))?,
        parent_uuid: f.parent_uuid.ok_or_else(|| missing("parent_uuid"))?,
        received_uuid: f.received_uuid.ok_or_else(|| missing("received_uuid"))?,
        path: path.to_owned(),
    })
}

/// The first space-separated word of `s` (after leading spaces) and what follows it.
fn next_word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches(' ');
    if s.is_empty() {
        return None;
    }
    let end = s.find(' ').unwrap_or(s.len());
    Some((&s[..end], &s[end..]))
}

/// The quota section of `btrfs subvolume show -b` (present when quotas are enabled).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SubvolumeQuota {
    pub qgroup: QgroupId,
    /// `None` when unlimited (`-`).
    pub limit_referenced: Option<u64>,
    pub limit_exclusive: Option<u64>,
    pub usage_referenced: u64,
    pub usage_exclusive: u64,
}

/// The output of `btrfs subvolume show -b PATH`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SubvolumeShow {
    /// The first line: the path relative to the top-level subvolume (`/` for the top level).
    pub path: String,
    /// The subvolume's own name (`<FS_TREE>` for the top level).
    pub name: String,
    pub uuid: Option<Uuid>,
    pub parent_uuid: Option<Uuid>,
    pub received_uuid: Option<Uuid>,
    pub creation_time: Option<DateTime<FixedOffset>>,
    pub subvolume_id: u64,
    pub generation: u64,
    pub gen_at_creation: Option<u64>,
    pub parent_id: u64,
    pub top_level_id: u64,
    /// The `readonly` flag. A received subvolume becomes read-only only when the receive
    /// completed; with `received_uuid` it tells a complete replica from a partial one.
    pub readonly: bool,
    pub send_transid: Option<u64>,
    pub send_time: Option<DateTime<FixedOffset>>,
    pub receive_transid: Option<u64>,
    pub receive_time: Option<DateTime<FixedOffset>>,
    /// Paths of snapshots of this subvolume, as listed under `Snapshot(s):`.
    pub snapshots: Vec<String>,
    /// Present when quotas are enabled.
    pub quota: Option<SubvolumeQuota>,
}

const SHOW: &str = "subvolume show";
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S %z";

#[derive(Default)]
struct ShowFields {
    name: Option<String>,
    uuid: Option<Option<Uuid>>,
    parent_uuid: Option<Option<Uuid>>,
    received_uuid: Option<Option<Uuid>>,
    creation_time: Option<Option<DateTime<FixedOffset>>>,
    subvolume_id: Option<u64>,
    generation: Option<u64>,
    gen_at_creation: Option<u64>,
    parent_id: Option<u64>,
    top_level_id: Option<u64>,
    flags: Option<String>,
    send_transid: Option<u64>,
    send_time: Option<Option<DateTime<FixedOffset>>>,
    receive_transid: Option<u64>,
    receive_time: Option<Option<DateTime<FixedOffset>>>,
    snapshots: Vec<String>,
    qgroup: Option<Option<QgroupId>>,
    limit_referenced: Option<Option<u64>>,
    limit_exclusive: Option<Option<u64>>,
    usage_referenced: Option<u64>,
    usage_exclusive: Option<u64>,
}

#[derive(PartialEq)]
enum Section {
    Main,
    Snapshots,
    Quota,
}

/// Parses the output of [`crate::command::btrfs::subvolume_show`].
pub fn subvolume_show(text: &str) -> Result<SubvolumeShow, ParseError> {
    let mut lines = numbered_lines(text);
    let (_, path) = lines.next().ok_or(ParseError::Empty { command: SHOW })?;
    if path.is_empty() || path.starts_with('\t') {
        return Err(ParseError::line(
            SHOW,
            1,
            path,
            "expected the subvolume path first",
        ));
    }
    let mut f = ShowFields::default();
    let mut section = Section::Main;
    for (no, line) in lines {
        show_line(&mut f, &mut section, line).map_err(|r| ParseError::line(SHOW, no, line, r))?;
    }
    let missing = |field| ParseError::Missing {
        command: SHOW,
        field,
    };
    let flags = f.flags.ok_or(missing("Flags"))?;
    let quota = match f.qgroup {
        None | Some(None) => None,
        Some(Some(qgroup)) => Some(SubvolumeQuota {
            qgroup,
            limit_referenced: f.limit_referenced.ok_or(missing("Limit referenced"))?,
            limit_exclusive: f.limit_exclusive.ok_or(missing("Limit exclusive"))?,
            usage_referenced: f.usage_referenced.ok_or(missing("Usage referenced"))?,
            usage_exclusive: f.usage_exclusive.ok_or(missing("Usage exclusive"))?,
        }),
    };
    Ok(SubvolumeShow {
        path: path.to_owned(),
        name: f.name.ok_or(missing("Name"))?,
        uuid: f.uuid.ok_or(missing("UUID"))?,
        parent_uuid: f.parent_uuid.ok_or(missing("Parent UUID"))?,
        received_uuid: f.received_uuid.ok_or(missing("Received UUID"))?,
        creation_time: f.creation_time.flatten(),
        subvolume_id: f.subvolume_id.ok_or(missing("Subvolume ID"))?,
        generation: f.generation.ok_or(missing("Generation"))?,
        gen_at_creation: f.gen_at_creation,
        parent_id: f.parent_id.ok_or(missing("Parent ID"))?,
        top_level_id: f.top_level_id.ok_or(missing("Top level ID"))?,
        readonly: flags.split(',').any(|fl| fl.trim() == "readonly"),
        send_transid: f.send_transid,
        send_time: f.send_time.flatten(),
        receive_transid: f.receive_transid,
        receive_time: f.receive_time.flatten(),
        snapshots: f.snapshots,
        quota,
    })
}

fn show_line(f: &mut ShowFields, section: &mut Section, line: &str) -> Result<(), String> {
    if line.is_empty() {
        return Ok(());
    }
    if let Some(snap) = line.strip_prefix("\t\t\t\t") {
        if *section != Section::Snapshots {
            return Err("snapshot path outside the Snapshot(s) section".into());
        }
        if snap.is_empty() {
            return Err("empty snapshot path".into());
        }
        f.snapshots.push(snap.to_owned());
        return Ok(());
    }
    if let Some(sub) = line.strip_prefix("\t  ") {
        if *section != Section::Quota {
            return Err("quota detail outside the Quota group section".into());
        }
        let (key, value) = sub.split_once(':').ok_or("expected \"key: value\"")?;
        let value = value.trim();
        return match key {
            "Limit referenced" => set(&mut f.limit_referenced, opt_num(value)?, key),
            "Limit exclusive" => set(&mut f.limit_exclusive, opt_num(value)?, key),
            "Usage referenced" => set(&mut f.usage_referenced, parse_u64(value)?, key),
            "Usage exclusive" => set(&mut f.usage_exclusive, parse_u64(value)?, key),
            _ => Ok(()), // newer btrfs-progs may add details
        };
    }
    let body = line
        .strip_prefix('\t')
        .ok_or("expected a tab-indented \"key: value\" line")?;
    let (key, value) = body.split_once(':').ok_or("expected \"key: value\"")?;
    // The format is "\tKey: \t\t\tvalue": one space, then alignment tabs.
    let raw = value
        .strip_prefix(' ')
        .unwrap_or(value)
        .trim_start_matches('\t');
    let value = raw.trim();
    *section = Section::Main;
    match key {
        "Name" => set(&mut f.name, raw.to_owned(), key),
        "UUID" => set(&mut f.uuid, parse_opt_uuid(value)?, key),
        "Parent UUID" => set(&mut f.parent_uuid, parse_opt_uuid(value)?, key),
        "Received UUID" => set(&mut f.received_uuid, parse_opt_uuid(value)?, key),
        "Creation time" => set(&mut f.creation_time, opt_time(value)?, key),
        "Subvolume ID" => set(&mut f.subvolume_id, parse_u64(value)?, key),
        "Generation" => set(&mut f.generation, parse_u64(value)?, key),
        "Gen at creation" => set(&mut f.gen_at_creation, parse_u64(value)?, key),
        "Parent ID" => set(&mut f.parent_id, parse_u64(value)?, key),
        "Top level ID" => set(&mut f.top_level_id, parse_u64(value)?, key),
        "Flags" => set(&mut f.flags, value.to_owned(), key),
        "Send transid" => set(&mut f.send_transid, parse_u64(value)?, key),
        "Send time" => set(&mut f.send_time, opt_time(value)?, key),
        "Receive transid" => set(&mut f.receive_transid, parse_u64(value)?, key),
        "Receive time" => set(&mut f.receive_time, opt_time(value)?, key),
        "Snapshot(s)" => {
            *section = Section::Snapshots;
            Ok(())
        }
        "Quota group" => {
            *section = Section::Quota;
            let q = if value == "n/a" {
                None
            } else {
                Some(value.parse::<QgroupId>().map_err(|e| e.to_string())?)
            };
            set(&mut f.qgroup, q, key)
        }
        _ => Ok(()), // newer btrfs-progs may add fields
    }
}

fn opt_num(s: &str) -> Result<Option<u64>, String> {
    if s == "-" {
        Ok(None)
    } else {
        parse_u64(s).map(Some)
    }
}

fn opt_time(s: &str) -> Result<Option<DateTime<FixedOffset>>, String> {
    if s == "-" {
        return Ok(None);
    }
    DateTime::parse_from_str(s, TIME_FORMAT)
        .map(Some)
        .map_err(|e| format!("bad time {s:?}: {e}"))
}

impl SubvolumeShow {
    /// Renders the output as btrfs-progs v6.2 prints it (fields that are `None` and have no
    /// `-` form are left out).
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let time = |t: &Option<DateTime<FixedOffset>>| {
            t.map_or("-".into(), |t| t.format(TIME_FORMAT).to_string())
        };
        let mut s = String::new();
        // Writing into a String cannot fail.
        let _ = writeln!(s, "{}", self.path);
        let _ = writeln!(s, "\tName: \t\t\t{}", self.name);
        let _ = writeln!(s, "\tUUID: \t\t\t{}", render_opt_uuid(self.uuid));
        let _ = writeln!(
            s,
            "\tParent UUID: \t\t{}",
            render_opt_uuid(self.parent_uuid)
        );
        let _ = writeln!(
            s,
            "\tReceived UUID: \t\t{}",
            render_opt_uuid(self.received_uuid)
        );
        let _ = writeln!(s, "\tCreation time: \t\t{}", time(&self.creation_time));
        let _ = writeln!(s, "\tSubvolume ID: \t\t{}", self.subvolume_id);
        let _ = writeln!(s, "\tGeneration: \t\t{}", self.generation);
        if let Some(g) = self.gen_at_creation {
            let _ = writeln!(s, "\tGen at creation: \t{g}");
        }
        let _ = writeln!(s, "\tParent ID: \t\t{}", self.parent_id);
        let _ = writeln!(s, "\tTop level ID: \t\t{}", self.top_level_id);
        let _ = writeln!(
            s,
            "\tFlags: \t\t\t{}",
            if self.readonly { "readonly" } else { "-" }
        );
        if let Some(t) = self.send_transid {
            let _ = writeln!(s, "\tSend transid: \t\t{t}");
        }
        let _ = writeln!(s, "\tSend time: \t\t{}", time(&self.send_time));
        if let Some(t) = self.receive_transid {
            let _ = writeln!(s, "\tReceive transid: \t{t}");
        }
        let _ = writeln!(s, "\tReceive time: \t\t{}", time(&self.receive_time));
        let _ = writeln!(s, "\tSnapshot(s):");
        for snap in &self.snapshots {
            let _ = writeln!(s, "\t\t\t\t{snap}");
        }
        if let Some(q) = &self.quota {
            let lim = |l: Option<u64>| l.map_or("-".into(), |l| l.to_string());
            let _ = writeln!(s, "\tQuota group:\t\t{}", q.qgroup);
            let _ = writeln!(s, "\t  Limit referenced:\t{}", lim(q.limit_referenced));
            let _ = writeln!(s, "\t  Limit exclusive:\t{}", lim(q.limit_exclusive));
            let _ = writeln!(s, "\t  Usage referenced:\t{}", q.usage_referenced);
            let _ = writeln!(s, "\t  Usage exclusive:\t{}", q.usage_exclusive);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn list_line_with_spaces_and_odd_names() {
        let line = "ID 261 gen 9 cgen 9 parent 5 top level 5 parent_uuid -                                    received_uuid -                                    uuid 7a4765c5-687d-0245-816b-0884d95e7a7d path snaps/my docs@1 path x ";
        let v = subvolume_list(line).unwrap();
        assert_eq!(v[0].path, "snaps/my docs@1 path x ");
        assert_eq!(v[0].parent_uuid, None);
    }

    #[test]
    fn list_rejects_garbage_with_the_line() {
        let err = subvolume_list("ID 1 gen 2 path x\nnonsense\n").unwrap_err();
        assert!(matches!(err, ParseError::Line { line_no: 1, .. }), "{err}");
        let err = subvolume_list(
            "ID 256 gen 10 cgen 7 parent 5 top level 5 parent_uuid - received_uuid - uuid - path a\nnonsense",
        )
        .unwrap_err();
        match err {
            ParseError::Line { line_no, line, .. } => {
                assert_eq!(line_no, 2);
                assert_eq!(line, "nonsense");
            }
            other => panic!("{other}"),
        }
        assert!(subvolume_list("ID 1 ID 1").is_err());
        assert!(
            subvolume_list(
                "ID 1 gen 2 cgen 3 parent 5 top level 5 parent_uuid - received_uuid - uuid - path "
            )
            .is_err()
        );
        assert!(subvolume_list("ID x gen 2 path a").is_err());
        assert!(subvolume_list("ID 1 top floor 5 path a").is_err());
        assert_eq!(subvolume_list("").unwrap(), vec![]);
    }

    #[test]
    fn show_rejects_misplaced_lines() {
        assert!(matches!(subvolume_show(""), Err(ParseError::Empty { .. })));
        assert!(subvolume_show("\tName: \t\t\tx").is_err());
        assert!(subvolume_show("x\n\t\t\t\tsnap").is_err());
        assert!(subvolume_show("x\n\t  Usage exclusive:\t1").is_err());
        let err = subvolume_show("x\n\tName: \t\t\tx\n").unwrap_err();
        assert!(matches!(err, ParseError::Missing { .. }), "{err}");
    }

    fn arb_uuid() -> impl Strategy<Value = Option<Uuid>> {
        proptest::option::of(any::<u128>().prop_map(Uuid::from_u128))
    }

    /// Names as btrfs allows them, minus line breaks (unsupported) and leading whitespace.
    fn arb_path() -> impl Strategy<Value = String> {
        "[^\\n\\r\\t ][^\\n\\r]{0,30}"
    }

    fn arb_info() -> impl Strategy<Value = SubvolumeInfo> {
        (
            (
                any::<u64>(),
                any::<u64>(),
                any::<u64>(),
                any::<u64>(),
                any::<u64>(),
            ),
            (arb_uuid(), arb_uuid(), arb_uuid()),
            arb_path(),
        )
            .prop_map(
                |(
                    (id, generation, cgen, parent_id, top_level),
                    (uuid, parent_uuid, received_uuid),
                    path,
                )| {
                    SubvolumeInfo {
                        id,
                        generation,
                        cgen,
                        parent_id,
                        top_level,
                        uuid,
                        parent_uuid,
                        received_uuid,
                        path,
                    }
                },
            )
    }

    fn arb_time() -> impl Strategy<Value = Option<DateTime<FixedOffset>>> {
        proptest::option::of((0i64..4_000_000_000, -50_400i32..50_400).prop_filter_map(
            "valid offset",
            |(secs, off)| {
                let off = FixedOffset::east_opt(off - off % 60)?;
                Some(DateTime::from_timestamp(secs, 0)?.with_timezone(&off))
            },
        ))
    }

    fn arb_show() -> impl Strategy<Value = SubvolumeShow> {
        (
            (
                arb_path(),
                "[^\\n\\r\\t][^\\n\\r]{0,20}",
                arb_uuid(),
                arb_uuid(),
                arb_uuid(),
            ),
            (arb_time(), arb_time(), arb_time()),
            (
                any::<u64>(),
                any::<u64>(),
                any::<Option<u64>>(),
                any::<u64>(),
                any::<u64>(),
                any::<bool>(),
            ),
            (any::<Option<u64>>(), any::<Option<u64>>()),
            proptest::collection::vec(arb_path(), 0..4),
            proptest::option::of((
                any::<u64>(),
                any::<Option<u64>>(),
                any::<Option<u64>>(),
                any::<u64>(),
                any::<u64>(),
            )),
        )
            .prop_map(|(a, t, n, tr, snapshots, q)| SubvolumeShow {
                path: a.0,
                name: a.1,
                uuid: a.2,
                parent_uuid: a.3,
                received_uuid: a.4,
                creation_time: t.0,
                send_time: t.1,
                receive_time: t.2,
                subvolume_id: n.0,
                generation: n.1,
                gen_at_creation: n.2,
                parent_id: n.3,
                top_level_id: n.4,
                readonly: n.5,
                send_transid: tr.0,
                receive_transid: tr.1,
                snapshots,
                quota: q.map(|q| SubvolumeQuota {
                    qgroup: QgroupId { level: 0, id: q.0 },
                    limit_referenced: q.1,
                    limit_exclusive: q.2,
                    usage_referenced: q.3,
                    usage_exclusive: q.4,
                }),
            })
    }

    proptest! {
        #[test]
        fn list_never_panics(s in "\\PC*") {
            let _ = subvolume_list(&s);
        }

        #[test]
        fn list_never_panics_on_near_misses(s in "(ID|gen|cgen|parent|top|level|uuid|parent_uuid|received_uuid|path|-| |[0-9]{1,3}|\n){0,30}") {
            let _ = subvolume_list(&s);
        }

        #[test]
        fn show_never_panics(s in "\\PC*") {
            let _ = subvolume_show(&s);
        }

        #[test]
        fn show_never_panics_on_near_misses(s in "(x\n|\t|Name|UUID|Flags|Quota group|Snapshot\\(s\\)|Limit referenced|: |-|[0-9]{1,3}|/|\n|\t  ){0,40}") {
            let _ = subvolume_show(&s);
        }

        #[test]
        fn list_lines_round_trip(infos in proptest::collection::vec(arb_info(), 0..5)) {
            let text: String = infos.iter().map(|i| i.render_list_line() + "\n").collect();
            prop_assert_eq!(subvolume_list(&text).unwrap(), infos);
        }

        #[test]
        fn show_round_trips(show in arb_show()) {
            prop_assert_eq!(subvolume_show(&show.render()).unwrap(), show);
        }
    }
}
