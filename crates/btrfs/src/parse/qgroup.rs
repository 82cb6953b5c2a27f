//! Parser for `btrfs qgroup show --raw -p -c -r -e` (sizes in bytes, limits, hierarchy).
//!
//! The parser checks the header, so output of the command run with other column flags is
//! rejected rather than misread. The `Path` column is informational: btrfs-progs v6.2 prints
//! `<toplevel>`, `<stale>` (qgroup of a deleted subvolume) and, for higher-level groups,
//! texts like `<0 member qgroups>` — even with a stray NUL byte (see the fixture). Not
//! handled: subvolume paths with line breaks or leading spaces.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{ParseError, numbered_lines, parse_u64, split_words};

/// A qgroup id `LEVEL/ID`; level 0 groups belong to one subvolume each (ID = subvolume id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QgroupId {
    pub level: u16,
    pub id: u64,
}

impl fmt::Display for QgroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.level, self.id)
    }
}

/// Why a string is not a `LEVEL/ID` qgroup id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid qgroup id {0:?}, expected LEVEL/ID")]
pub struct QgroupIdError(String);

impl FromStr for QgroupId {
    type Err = QgroupIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || QgroupIdError(s.to_owned());
        let (level, id) = s.split_once('/').ok_or_else(err)?;
        let level = parse_u64(level)
            .ok()
            .and_then(|l| u16::try_from(l).ok())
            .ok_or_else(err)?;
        let id = parse_u64(id).map_err(|_| err())?;
        Ok(Self { level, id })
    }
}

/// One row of `btrfs qgroup show --raw -p -c -r -e`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Qgroup {
    pub id: QgroupId,
    /// Bytes referenced by the group (shared extents counted).
    pub referenced: u64,
    /// Bytes only this group references: what deleting it would free.
    pub exclusive: u64,
    /// `None` when unlimited (`none`).
    pub max_referenced: Option<u64>,
    pub max_exclusive: Option<u64>,
    pub parents: Vec<QgroupId>,
    pub children: Vec<QgroupId>,
    /// The `Path` column verbatim (see the module doc). Use [`Qgroup::subvolume_path`].
    pub path: String,
}

impl Qgroup {
    /// The subvolume path of a level-0 group, `None` for higher levels and for the
    /// `<toplevel>` / `<stale>` markers (a subvolume whose name starts with `<` is
    /// indistinguishable from a marker).
    pub fn subvolume_path(&self) -> Option<&str> {
        if self.id.level == 0 && !self.path.starts_with('<') && !self.path.is_empty() {
            Some(&self.path)
        } else {
            None
        }
    }

    /// Whether btrfs marks this group as belonging to a deleted subvolume.
    pub fn is_stale(&self) -> bool {
        self.path == "<stale>"
    }

    /// Renders a table in btrfs-progs' layout (column widths are not btrfs' exact ones,
    /// which depend on the content; the parser does not care).
    pub fn render_table(groups: &[Qgroup]) -> String {
        let mut s = String::from(
            "Qgroupid    Referenced    Exclusive  Max referenced  Max exclusive Parent      Child         Path \n\
             --------    ----------    ---------  --------------  ------------- ------      -----         ---- \n",
        );
        let lim = |l: Option<u64>| l.map_or_else(|| "none".to_owned(), |l| l.to_string());
        let ids = |v: &[QgroupId]| {
            if v.is_empty() {
                "-".to_owned()
            } else {
                v.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            }
        };
        for g in groups {
            s.push_str(&format!(
                "{:<11} {:>13} {:>12} {:>15} {:>14} {:<11} {:<13} {}\n",
                g.id.to_string(),
                g.referenced,
                g.exclusive,
                lim(g.max_referenced),
                lim(g.max_exclusive),
                ids(&g.parents),
                ids(&g.children),
                g.path
            ));
        }
        s
    }
}

const QGROUP: &str = "qgroup show";
const HEADER: [&str; 10] = [
    "Qgroupid",
    "Referenced",
    "Exclusive",
    "Max",
    "referenced",
    "Max",
    "exclusive",
    "Parent",
    "Child",
    "Path",
];

/// Parses the output of [`crate::command::btrfs::qgroup_show`].
pub fn qgroup_show(text: &str) -> Result<Vec<Qgroup>, ParseError> {
    let mut lines = numbered_lines(text).filter(|(_, l)| !l.trim().is_empty());
    let (no, header) = lines.next().ok_or(ParseError::Empty { command: QGROUP })?;
    if !header.split_whitespace().eq(HEADER.iter().copied()) {
        return Err(ParseError::line(
            QGROUP,
            no,
            header,
            "unexpected columns (expected the output of `qgroup show --raw -p -c -r -e`)",
        ));
    }
    let (no, rule) = lines.next().ok_or(ParseError::Missing {
        command: QGROUP,
        field: "header rule",
    })?;
    if !rule
        .split_whitespace()
        .all(|w| w.bytes().all(|b| b == b'-'))
    {
        return Err(ParseError::line(
            QGROUP,
            no,
            rule,
            "expected the dashed header rule",
        ));
    }
    lines
        .map(|(no, line)| parse_row(line).map_err(|r| ParseError::line(QGROUP, no, line, r)))
        .collect()
}

fn parse_row(line: &str) -> Result<Qgroup, String> {
    let (w, path) = split_words(line, 7).ok_or("expected at least 7 columns")?;
    let id = |s: &str| s.parse::<QgroupId>().map_err(|e| e.to_string());
    let limit = |s: &str| {
        if s == "none" {
            Ok(None)
        } else {
            parse_u64(s).map(Some)
        }
    };
    let ids = |s: &str| -> Result<Vec<QgroupId>, String> {
        if s == "-" {
            Ok(Vec::new())
        } else {
            s.split(',').map(id).collect()
        }
    };
    Ok(Qgroup {
        id: id(w[0])?,
        referenced: parse_u64(w[1])?,
        exclusive: parse_u64(w[2])?,
        max_referenced: limit(w[3])?,
        max_exclusive: limit(w[4])?,
        parents: ids(w[5])?,
        children: ids(w[6])?,
        path: path.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn qgroup_id_parse() {
        assert_eq!(
            "0/256".parse::<QgroupId>().unwrap(),
            QgroupId { level: 0, id: 256 }
        );
        assert_eq!("2/1".parse::<QgroupId>().unwrap().to_string(), "2/1");
        for bad in ["", "/", "1/", "/1", "1/2/3", "70000/1", "a/1", "-1/2"] {
            assert!(bad.parse::<QgroupId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn rejects_human_readable_or_other_columns() {
        let human = "Qgroupid    Referenced    Exclusive   Path \n--------    ----------    ---------   ---- \n0/5           16.00KiB     16.00KiB   <toplevel>\n";
        assert!(matches!(
            qgroup_show(human),
            Err(ParseError::Line { line_no: 1, .. })
        ));
        assert!(matches!(qgroup_show(""), Err(ParseError::Empty { .. })));
    }

    #[test]
    fn rejects_bad_rows() {
        let head = Qgroup::render_table(&[]);
        for row in [
            "0/5 1 1 none none -",
            "0/5 1 1 none none - x p",
            "0/5 1 1 1KiB none - - p",
            "0/5 -1 1 none none - - p",
        ] {
            let err = qgroup_show(&format!("{head}{row}\n")).unwrap_err();
            assert!(
                matches!(err, ParseError::Line { line_no: 3, .. }),
                "{row}: {err}"
            );
        }
    }

    fn arb_id() -> impl Strategy<Value = QgroupId> {
        (any::<u16>(), any::<u64>()).prop_map(|(level, id)| QgroupId { level, id })
    }

    fn arb_qgroup() -> impl Strategy<Value = Qgroup> {
        (
            arb_id(),
            (
                any::<u64>(),
                any::<u64>(),
                any::<Option<u64>>(),
                any::<Option<u64>>(),
            ),
            proptest::collection::vec(arb_id(), 0..3),
            proptest::collection::vec(arb_id(), 0..3),
            // Paths as printed: no line break, no leading whitespace; NUL happens for real.
            "([^\\s][^\\n\\r]{0,20})?",
        )
            .prop_map(|(id, n, parents, children, path)| Qgroup {
                id,
                referenced: n.0,
                exclusive: n.1,
                max_referenced: n.2,
                max_exclusive: n.3,
                parents,
                children,
                path,
            })
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = qgroup_show(&s);
        }

        #[test]
        fn never_panics_after_a_valid_header(rows in "([0-9/,\\-]{0,6}| |none|\n|\t|<stale>){0,40}") {
            let _ = qgroup_show(&(Qgroup::render_table(&[]) + &rows));
        }

        #[test]
        fn tables_round_trip(groups in proptest::collection::vec(arb_qgroup(), 0..6)) {
            prop_assert_eq!(qgroup_show(&Qgroup::render_table(&groups)).unwrap(), groups);
        }
    }
}
