//! Parser for `btrfs filesystem usage -b` (the "Overall" summary in bytes plus the per
//! block-group-type allocation and per-device lines).
//!
//! Not handled: the tabular `-T` layout, and the reduced output of a non-root run (run it as
//! root or through sudo). Unknown "Overall" keys are ignored (later btrfs-progs versions add
//! some; v6.2 added "Free (statfs, df)").

use serde::{Deserialize, Serialize};

use super::{ParseError, numbered_lines, parse_u64};

/// Kind of a block group (chunk type).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BlockGroupKind {
    Data,
    Metadata,
    System,
    /// `Data+Metadata` (mixed block groups, small filesystems).
    Mixed,
    Other(String),
}

impl BlockGroupKind {
    fn parse(s: &str) -> Self {
        match s {
            "Data" => Self::Data,
            "Metadata" => Self::Metadata,
            "System" => Self::System,
            "Data+Metadata" => Self::Mixed,
            other => Self::Other(other.to_owned()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Self::Data => "Data",
            Self::Metadata => "Metadata",
            Self::System => "System",
            Self::Mixed => "Data+Metadata",
            Self::Other(s) => s,
        }
    }
}

/// Bytes of something on one device.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeviceAllocation {
    pub device: String,
    pub bytes: u64,
}

/// One `Data,single: Size:N, Used:N (p%)` section.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockGroupUsage {
    pub kind: BlockGroupKind,
    /// `single`, `DUP`, `RAID1`, ...
    pub profile: String,
    /// Allocated for this kind (logical bytes, before the profile's copies).
    pub size: u64,
    pub used: u64,
    /// Raw bytes allocated per device (includes the profile's copies).
    pub devices: Vec<DeviceAllocation>,
}

/// The output of `btrfs filesystem usage -b PATH`. Sizes in bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilesystemUsage {
    pub device_size: u64,
    pub device_allocated: u64,
    pub device_unallocated: u64,
    pub device_missing: Option<u64>,
    pub device_slack: Option<u64>,
    pub used: u64,
    /// Estimated free space for data, from the data ratio.
    pub free_estimated: u64,
    /// The pessimistic estimate (`min:`), assuming new chunks get the worst ratio.
    pub free_estimated_min: Option<u64>,
    /// What `df` would report (`Free (statfs, df)`; present in v6.2, absent in older versions).
    pub free_statfs: Option<u64>,
    pub data_ratio: f64,
    pub metadata_ratio: f64,
    pub global_reserve: Option<u64>,
    pub global_reserve_used: Option<u64>,
    pub multiple_profiles: Option<bool>,
    pub block_groups: Vec<BlockGroupUsage>,
    /// Unallocated raw bytes per device.
    pub unallocated: Vec<DeviceAllocation>,
}

impl FilesystemUsage {
    /// Total `(size, used)` of one kind over all its profiles (there are several during a
    /// profile conversion); `None` when the kind has no block groups.
    pub fn totals(&self, kind: &BlockGroupKind) -> Option<(u64, u64)> {
        self.block_groups
            .iter()
            .filter(|b| &b.kind == kind)
            .fold(None, |acc, b| {
                let (s, u) = acc.unwrap_or((0, 0));
                Some((s.saturating_add(b.size), u.saturating_add(b.used)))
            })
    }

    /// Renders the output as btrfs-progs v6.2 prints it with `-b` (percentages rounded).
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::from("Overall:\n");
        // "    Key:<tabs><value right-aligned to 18><optional \t(note)>"
        let mut kv = |k: &str, tabs: &str, v: String, note: Option<String>| {
            let note = note.map(|n| format!("\t({n})")).unwrap_or_default();
            let _ = writeln!(s, "    {k}:{tabs}{v:>18}{note}");
        };
        kv("Device size", "\t\t", self.device_size.to_string(), None);
        kv(
            "Device allocated",
            "\t\t",
            self.device_allocated.to_string(),
            None,
        );
        kv(
            "Device unallocated",
            "\t\t",
            self.device_unallocated.to_string(),
            None,
        );
        if let Some(v) = self.device_missing {
            kv("Device missing", "\t\t", v.to_string(), None);
        }
        if let Some(v) = self.device_slack {
            kv("Device slack", "\t\t", v.to_string(), None);
        }
        kv("Used", "\t\t\t", self.used.to_string(), None);
        let min = self.free_estimated_min.map(|m| format!("min: {m}"));
        kv(
            "Free (estimated)",
            "\t\t",
            self.free_estimated.to_string(),
            min,
        );
        if let Some(v) = self.free_statfs {
            kv("Free (statfs, df)", "\t\t", v.to_string(), None);
        }
        kv(
            "Data ratio",
            "\t\t\t",
            format!("{:.2}", self.data_ratio),
            None,
        );
        kv(
            "Metadata ratio",
            "\t\t",
            format!("{:.2}", self.metadata_ratio),
            None,
        );
        if let Some(v) = self.global_reserve {
            let used = self.global_reserve_used.map(|u| format!("used: {u}"));
            kv("Global reserve", "\t\t", v.to_string(), used);
        }
        if let Some(v) = self.multiple_profiles {
            kv(
                "Multiple profiles",
                "\t\t",
                if v { "yes" } else { "no" }.to_owned(),
                None,
            );
        }
        for b in &self.block_groups {
            #[allow(clippy::cast_precision_loss)] // a percentage for display only
            let pct = if b.size == 0 {
                0.0
            } else {
                b.used as f64 * 100.0 / b.size as f64
            };
            let _ = writeln!(
                s,
                "\n{},{}: Size:{}, Used:{} ({pct:.2}%)",
                b.kind.as_str(),
                b.profile,
                b.size,
                b.used
            );
            for d in &b.devices {
                let _ = writeln!(s, "   {}\t{:>10}", d.device, d.bytes);
            }
        }
        let _ = writeln!(s, "\nUnallocated:");
        for d in &self.unallocated {
            let _ = writeln!(s, "   {}\t{:>10}", d.device, d.bytes);
        }
        s
    }
}

const USAGE: &str = "filesystem usage";

#[derive(Default)]
struct Overall {
    device_size: Option<u64>,
    device_allocated: Option<u64>,
    device_unallocated: Option<u64>,
    device_missing: Option<u64>,
    device_slack: Option<u64>,
    used: Option<u64>,
    free_estimated: Option<(u64, Option<u64>)>,
    free_statfs: Option<u64>,
    data_ratio: Option<f64>,
    metadata_ratio: Option<f64>,
    global_reserve: Option<(u64, Option<u64>)>,
    multiple_profiles: Option<bool>,
}

enum Section {
    Overall,
    BlockGroup,
    Unallocated,
}

/// Parses the output of [`crate::command::btrfs::filesystem_usage_bytes`].
pub fn filesystem_usage(text: &str) -> Result<FilesystemUsage, ParseError> {
    let mut lines = numbered_lines(text);
    let (no, first) = lines.next().ok_or(ParseError::Empty { command: USAGE })?;
    if first.trim_end() != "Overall:" {
        return Err(ParseError::line(USAGE, no, first, "expected \"Overall:\""));
    }
    let mut o = Overall::default();
    let mut groups: Vec<BlockGroupUsage> = Vec::new();
    let mut unallocated = Vec::new();
    let mut section = Section::Overall;
    for (no, line) in lines {
        let err = |r: String| ParseError::line(USAGE, no, line, r);
        if line.trim().is_empty() {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        match (&section, indented) {
            (Section::Overall, true) => overall_line(&mut o, line.trim()).map_err(err)?,
            (_, false) if line.trim_end() == "Unallocated:" => section = Section::Unallocated,
            (_, false) => {
                groups.push(block_group_header(line).map_err(err)?);
                section = Section::BlockGroup;
            }
            (Section::BlockGroup, true) => {
                let d = device_line(line).map_err(err)?;
                if let Some(g) = groups.last_mut() {
                    g.devices.push(d);
                }
            }
            (Section::Unallocated, true) => unallocated.push(device_line(line).map_err(err)?),
        }
    }
    let missing = |field| ParseError::Missing {
        command: USAGE,
        field,
    };
    let (free_estimated, free_estimated_min) =
        o.free_estimated.ok_or(missing("Free (estimated)"))?;
    Ok(FilesystemUsage {
        device_size: o.device_size.ok_or(missing("Device size"))?,
        device_allocated: o.device_allocated.ok_or(missing("Device allocated"))?,
        device_unallocated: o.device_unallocated.ok_or(missing("Device unallocated"))?,
        device_missing: o.device_missing,
        device_slack: o.device_slack,
        used: o.used.ok_or(missing("Used"))?,
        free_estimated,
        free_estimated_min,
        free_statfs: o.free_statfs,
        data_ratio: o.data_ratio.ok_or(missing("Data ratio"))?,
        metadata_ratio: o.metadata_ratio.ok_or(missing("Metadata ratio"))?,
        global_reserve: o.global_reserve.map(|g| g.0),
        global_reserve_used: o.global_reserve.and_then(|g| g.1),
        multiple_profiles: o.multiple_profiles,
        block_groups: groups,
        unallocated,
    })
}

fn overall_line(o: &mut Overall, line: &str) -> Result<(), String> {
    let (key, value) = line.split_once(':').ok_or("expected \"key: value\"")?;
    let value = value.trim();
    match key {
        "Device size" => o.device_size = Some(parse_u64(value)?),
        "Device allocated" => o.device_allocated = Some(parse_u64(value)?),
        "Device unallocated" => o.device_unallocated = Some(parse_u64(value)?),
        "Device missing" => o.device_missing = Some(parse_u64(value)?),
        "Device slack" => o.device_slack = Some(parse_u64(value)?),
        "Used" => o.used = Some(parse_u64(value)?),
        "Free (estimated)" => o.free_estimated = Some(number_with_note(value, "min")?),
        "Free (statfs, df)" => o.free_statfs = Some(parse_u64(value)?),
        "Data ratio" => o.data_ratio = Some(parse_ratio(value)?),
        "Metadata ratio" => o.metadata_ratio = Some(parse_ratio(value)?),
        "Global reserve" => o.global_reserve = Some(number_with_note(value, "used")?),
        "Multiple profiles" => {
            o.multiple_profiles = Some(match value {
                "yes" => true,
                "no" => false,
                other => return Err(format!("expected yes or no, found {other:?}")),
            });
        }
        _ => {}
    }
    Ok(())
}

/// `928645120\t(min: 516751360)` → (928645120, Some(516751360)); the note is optional.
fn number_with_note(value: &str, note: &str) -> Result<(u64, Option<u64>), String> {
    let (num, rest) = match value.find(char::is_whitespace) {
        Some(i) => (&value[..i], value[i..].trim()),
        None => (value, ""),
    };
    let num = parse_u64(num)?;
    if rest.is_empty() {
        return Ok((num, None));
    }
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .and_then(|r| r.strip_prefix(note))
        .and_then(|r| r.strip_prefix(':'))
        .ok_or_else(|| format!("expected \"({note}: N)\", found {rest:?}"))?;
    Ok((num, Some(parse_u64(inner.trim())?)))
}

fn parse_ratio(s: &str) -> Result<f64, String> {
    let ok = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let r: f64 = if ok {
        s.parse().map_err(|e| format!("bad ratio {s:?}: {e}"))?
    } else {
        f64::NAN
    };
    if r.is_finite() {
        Ok(r)
    } else {
        Err(format!("bad ratio {s:?}"))
    }
}

/// `Data,single: Size:125829120, Used:20971520 (16.67%)`.
fn block_group_header(line: &str) -> Result<BlockGroupUsage, String> {
    let bad = || "expected \"Kind,profile: Size:N, Used:N (p%)\" or \"Unallocated:\"".to_owned();
    let (name, rest) = line.split_once(": Size:").ok_or_else(bad)?;
    let (kind, profile) = name.split_once(',').ok_or_else(bad)?;
    let (size, rest) = rest.split_once(", Used:").ok_or_else(bad)?;
    let used = rest.split_whitespace().next().ok_or_else(bad)?;
    if kind.is_empty() || profile.is_empty() {
        return Err(bad());
    }
    Ok(BlockGroupUsage {
        kind: BlockGroupKind::parse(kind),
        profile: profile.to_owned(),
        size: parse_u64(size.trim())?,
        used: parse_u64(used)?,
        devices: Vec::new(),
    })
}

/// `   /dev/loop0\t 125829120`: the device is everything before the last word.
fn device_line(line: &str) -> Result<DeviceAllocation, String> {
    let line = line.trim();
    let cut = line.rfind([' ', '\t']).ok_or("expected \"DEVICE BYTES\"")?;
    let device = line[..cut].trim();
    if device.is_empty() {
        return Err("expected \"DEVICE BYTES\"".into());
    }
    Ok(DeviceAllocation {
        device: device.to_owned(),
        bytes: parse_u64(&line[cut + 1..])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn notes_and_ratios() {
        assert_eq!(number_with_note("5\t(min: 3)", "min"), Ok((5, Some(3))));
        assert_eq!(number_with_note("5", "min"), Ok((5, None)));
        assert!(number_with_note("5 (used: 3)", "min").is_err());
        assert!(number_with_note("5 (min: x)", "min").is_err());
        assert_eq!(parse_ratio("2.00"), Ok(2.0));
        for bad in ["", "NaN", "inf", "-1", "1e3", "."] {
            assert!(parse_ratio(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn requires_the_summary() {
        assert!(matches!(
            filesystem_usage(""),
            Err(ParseError::Empty { .. })
        ));
        assert!(matches!(
            filesystem_usage("Overall:\n"),
            Err(ParseError::Missing { .. })
        ));
        let err = filesystem_usage("Overall:\n    Used:\t\t\tlots\n").unwrap_err();
        assert!(matches!(err, ParseError::Line { line_no: 2, .. }), "{err}");
        assert!(filesystem_usage("Total:\n").is_err());
        assert!(filesystem_usage("Overall:\nData single\n").is_err());
    }

    fn arb_dev() -> impl Strategy<Value = DeviceAllocation> {
        ("/dev/[a-z0-9]{1,8}( [a-z]{1,3})?", any::<u64>())
            .prop_map(|(device, bytes)| DeviceAllocation { device, bytes })
    }

    fn arb_usage() -> impl Strategy<Value = FilesystemUsage> {
        let kind = prop_oneof![
            Just(BlockGroupKind::Data),
            Just(BlockGroupKind::Metadata),
            Just(BlockGroupKind::System),
            Just(BlockGroupKind::Mixed),
            "[A-Z][a-z]{0,6}".prop_map(|s| BlockGroupKind::parse(&s)),
        ];
        let group = (
            kind,
            "(single|DUP|RAID1|RAID10|RAID1C3)",
            any::<u64>(),
            any::<u64>(),
            proptest::collection::vec(arb_dev(), 0..3),
        )
            .prop_map(|(kind, profile, size, used, devices)| BlockGroupUsage {
                kind,
                profile,
                size,
                used,
                devices,
            });
        (
            proptest::collection::vec(any::<u64>(), 6),
            proptest::collection::vec(any::<Option<u64>>(), 6),
            (0u32..1000, 0u32..1000, any::<Option<bool>>()),
            proptest::collection::vec(group, 0..4),
            proptest::collection::vec(arb_dev(), 0..3),
        )
            .prop_map(
                |(n, o, (dr, mr, multiple_profiles), block_groups, unallocated)| FilesystemUsage {
                    device_size: n[0],
                    device_allocated: n[1],
                    device_unallocated: n[2],
                    used: n[3],
                    free_estimated: n[4],
                    device_missing: o[0],
                    device_slack: o[1],
                    free_estimated_min: o[2],
                    free_statfs: o[3],
                    global_reserve: o[4],
                    global_reserve_used: o[4].and(o[5]),
                    data_ratio: f64::from(dr) / 100.0,
                    metadata_ratio: f64::from(mr) / 100.0,
                    multiple_profiles,
                    block_groups,
                    unallocated,
                },
            )
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = filesystem_usage(&s);
        }

        #[test]
        fn never_panics_on_near_misses(s in "(Overall:\n|    |\t|Device size|Used|Free \\(estimated\\)|: |\\(min: |\\)|[0-9]{1,4}|\\.|\n|Data,single: Size:|, Used:|Unallocated:){0,40}") {
            let _ = filesystem_usage(&s);
        }

        #[test]
        fn round_trips(u in arb_usage()) {
            prop_assert_eq!(filesystem_usage(&u.render()).unwrap(), u);
        }
    }
}
