//! [`ServerPath`]: an absolute path on a server that dist-btrfs may operate on, and the
//! allowed-roots rule (docs/design.md invariant 7: "paths stay under configured roots").
//!
//! A `ServerPath` is canonical by construction: it starts with `/`, has no empty, `.` or
//! `..` components (so no `//` and no trailing `/`, except for `/` itself), and every
//! component follows the name rule of [`crate::names::check_component`]. So a prefix check
//! on components ([`ServerPath::starts_with`]) is meaningful — `/mnt/pool/../etc` and
//! `/mnt/pool2` cannot pass for something under `/mnt/pool` — and the path can never be
//! mistaken for an option or break a command line.
//!
//! Not here: whether the path exists or is a subvolume (the engine asks the server).

use std::fmt;

use crate::names::{NameError, check_component};

/// Why a string is not an acceptable [`ServerPath`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServerPathError {
    #[error("path must not be empty")]
    Empty,
    #[error("path must be absolute (start with '/')")]
    NotAbsolute,
    #[error("path must be at most {max} bytes")]
    TooLong { max: usize },
    #[error("path must not contain empty components ('//') or end with '/'")]
    EmptyComponent,
    #[error("path component {component:?} is not acceptable: {reason}")]
    Component {
        component: String,
        reason: NameError,
    },
    #[error("path {path} is outside the server's allowed roots ({roots})")]
    OutsideRoots { path: String, roots: String },
}

/// A canonical absolute path whose components are all safe names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerPath(String);

impl ServerPath {
    /// Longest accepted path in bytes (Linux `PATH_MAX` minus the NUL).
    pub const MAX_BYTES: usize = 4095;
    /// Longest accepted component in bytes (btrfs' name limit).
    pub const MAX_COMPONENT_BYTES: usize = 255;

    pub fn parse(s: &str) -> Result<Self, ServerPathError> {
        if s.is_empty() {
            return Err(ServerPathError::Empty);
        }
        let Some(rest) = s.strip_prefix('/') else {
            return Err(ServerPathError::NotAbsolute);
        };
        if s.len() > Self::MAX_BYTES {
            return Err(ServerPathError::TooLong {
                max: Self::MAX_BYTES,
            });
        }
        if rest.is_empty() {
            return Ok(Self("/".to_owned()));
        }
        for component in rest.split('/') {
            if component.is_empty() {
                return Err(ServerPathError::EmptyComponent);
            }
            check_component(component, Self::MAX_COMPONENT_BYTES).map_err(|reason| {
                ServerPathError::Component {
                    component: component.chars().take(80).collect(),
                    reason,
                }
            })?;
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The components after the leading `/` (none for `/`).
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|c| !c.is_empty())
    }

    /// Whether `self` is `other` or lies below it (component-wise).
    pub fn starts_with(&self, other: &ServerPath) -> bool {
        let mut mine = self.components();
        other.components().all(|c| mine.next() == Some(c))
    }

    /// The components of `self` below `base`, joined with `/`; `None` when `self` is not
    /// under `base`, `Some("")` when they are equal.
    pub fn relative_to(&self, base: &ServerPath) -> Option<String> {
        if !self.starts_with(base) {
            return None;
        }
        let skip = base.components().count();
        Some(self.components().skip(skip).collect::<Vec<_>>().join("/"))
    }

    /// Appends one component (validated by the name rule; no `/`).
    pub fn join(&self, component: &str) -> Result<Self, ServerPathError> {
        check_component(component, Self::MAX_COMPONENT_BYTES).map_err(|reason| {
            ServerPathError::Component {
                component: component.chars().take(80).collect(),
                reason,
            }
        })?;
        let mut s = self.0.clone();
        if s != "/" {
            s.push('/');
        }
        s.push_str(component);
        Self::parse(&s)
    }

    /// Appends a `/`-separated relative path (each component validated).
    pub fn join_relative(&self, relative: &str) -> Result<Self, ServerPathError> {
        if relative.is_empty() {
            return Ok(self.clone());
        }
        let mut s = self.0.clone();
        if s != "/" {
            s.push('/');
        }
        s.push_str(relative);
        Self::parse(&s)
    }

    /// The last component; `None` for `/`.
    pub fn file_name(&self) -> Option<&str> {
        self.components().last()
    }

    /// The path without its last component; `None` for `/`.
    pub fn parent(&self) -> Option<ServerPath> {
        let cut = self.0.rfind('/')?;
        if self.0 == "/" {
            return None;
        }
        Some(Self(if cut == 0 {
            "/".to_owned()
        } else {
            self.0[..cut].to_owned()
        }))
    }

    /// Whether the path is one of `roots` or lies below one of them.
    pub fn is_within(&self, roots: &[ServerPath]) -> bool {
        roots.iter().any(|root| self.starts_with(root))
    }

    /// `Ok` when the path is within `roots` (see [`ServerPath::is_within`]), else the
    /// error naming the roots.
    pub fn check_within(&self, roots: &[ServerPath]) -> Result<(), ServerPathError> {
        if self.is_within(roots) {
            return Ok(());
        }
        Err(ServerPathError::OutsideRoots {
            path: self.0.clone(),
            roots: if roots.is_empty() {
                "none configured".to_owned()
            } else {
                roots
                    .iter()
                    .map(ServerPath::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        })
    }
}

impl fmt::Display for ServerPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ServerPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Why a string is not an acceptable [`InnerPath`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InnerPathError {
    #[error("path must be relative to the snapshot (no leading '/')")]
    Absolute,
    #[error("path must not contain '..' components")]
    ParentComponent,
    #[error("path must not contain NUL or line breaks")]
    BadCharacter,
    #[error("path must be at most {max} bytes")]
    TooLong { max: usize },
}

/// A path inside a snapshot or subvolume, relative to its top: `""` is the top itself,
/// `docs/a.txt` a file below it. Empty and `.` components are dropped (`a//./b` is
/// `a/b`); a `..` component, a leading `/`, NUL and line breaks are refused. Names are
/// otherwise free (spaces, any Unicode): they are file names of users, not ours.
///
/// That the path, once symlinks are resolved, stays inside the snapshot is a property
/// of the disk, not of the string: the engine checks it on the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct InnerPath(String);

impl InnerPath {
    pub fn parse(s: &str) -> Result<Self, InnerPathError> {
        if s.starts_with('/') {
            return Err(InnerPathError::Absolute);
        }
        if s.contains(['\0', '\n', '\r']) {
            return Err(InnerPathError::BadCharacter);
        }
        if s.len() > ServerPath::MAX_BYTES {
            return Err(InnerPathError::TooLong {
                max: ServerPath::MAX_BYTES,
            });
        }
        let mut parts = Vec::new();
        for c in s.split('/') {
            match c {
                "" | "." => {}
                ".." => return Err(InnerPathError::ParentComponent),
                c => parts.push(c),
            }
        }
        Ok(Self(parts.join("/")))
    }

    /// The top of the snapshot.
    pub fn top() -> Self {
        Self::default()
    }

    pub fn is_top(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The components, top first (none for the top).
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|c| !c.is_empty())
    }

    /// The last component, `None` for the top.
    pub fn file_name(&self) -> Option<&str> {
        self.components().last()
    }

    /// `self/name` (`name` one component, already checked by the caller's listing).
    pub fn child(&self, name: &str) -> Result<Self, InnerPathError> {
        if self.is_top() {
            Self::parse(name)
        } else {
            Self::parse(&format!("{}/{name}", self.0))
        }
    }
}

impl fmt::Display for InnerPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> ServerPath {
        ServerPath::parse(s).unwrap()
    }

    #[test]
    fn parse_table() {
        for ok in ["/", "/mnt", "/mnt/pool/.snapshots", "/a/b@1/c+d_e-f"] {
            assert_eq!(ServerPath::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(ServerPath::parse(""), Err(ServerPathError::Empty));
        assert_eq!(
            ServerPath::parse("mnt/x"),
            Err(ServerPathError::NotAbsolute)
        );
        assert_eq!(ServerPath::parse("-rf"), Err(ServerPathError::NotAbsolute));
        assert_eq!(
            ServerPath::parse("/a//b"),
            Err(ServerPathError::EmptyComponent)
        );
        assert_eq!(
            ServerPath::parse("/a/"),
            Err(ServerPathError::EmptyComponent)
        );
        for bad in [
            "/a/../etc",
            "/a/..",
            "/a/./b",
            "/a b",
            "/a/'b'",
            "/a/\"b\"",
            "/a/$(id)",
            "/a/`id`",
            "/a;rm -rf",
            "/a\nb",
            "/a\0b",
            "/a/-x",
        ] {
            assert!(
                matches!(
                    ServerPath::parse(bad),
                    Err(ServerPathError::Component { .. })
                ),
                "{bad:?}: {:?}",
                ServerPath::parse(bad)
            );
        }
        let long = format!("/{}", "a".repeat(256));
        assert!(matches!(
            ServerPath::parse(&long),
            Err(ServerPathError::Component {
                reason: NameError::TooLong { .. },
                ..
            })
        ));
        let very_long = "/aaaaaaa".repeat(600);
        assert!(matches!(
            ServerPath::parse(&very_long),
            Err(ServerPathError::TooLong { .. })
        ));
    }

    #[test]
    fn prefixes_are_component_wise() {
        let root = p("/mnt/pool");
        assert!(p("/mnt/pool").starts_with(&root));
        assert!(p("/mnt/pool/data").starts_with(&root));
        assert!(!p("/mnt/pool2").starts_with(&root));
        assert!(!p("/mnt").starts_with(&root));
        assert!(p("/anything").starts_with(&p("/")));
        assert_eq!(
            p("/mnt/pool/data/home").relative_to(&root).as_deref(),
            Some("data/home")
        );
        assert_eq!(p("/mnt/pool").relative_to(&root).as_deref(), Some(""));
        assert_eq!(p("/mnt/x").relative_to(&root), None);
        assert!(
            p("/mnt/pool/x")
                .check_within(std::slice::from_ref(&root))
                .is_ok()
        );
        let err = p("/etc")
            .check_within(std::slice::from_ref(&root))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "path /etc is outside the server's allowed roots (/mnt/pool)"
        );
        assert!(p("/mnt/pool").check_within(&[]).is_err());
    }

    #[test]
    fn join_parent_file_name() {
        let root = p("/mnt/pool");
        assert_eq!(root.join("x").unwrap().as_str(), "/mnt/pool/x");
        assert_eq!(p("/").join("x").unwrap().as_str(), "/x");
        assert!(root.join("a/b").is_err());
        assert!(root.join("..").is_err());
        assert_eq!(
            root.join_relative("data/home").unwrap().as_str(),
            "/mnt/pool/data/home"
        );
        assert!(root.join_relative("data/../x").is_err());
        assert_eq!(root.join_relative("").unwrap(), root);
        assert_eq!(root.file_name(), Some("pool"));
        assert_eq!(root.parent(), Some(p("/mnt")));
        assert_eq!(p("/mnt").parent(), Some(p("/")));
        assert_eq!(p("/").parent(), None);
        assert_eq!(p("/").file_name(), None);
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_accepted_paths_are_canonical(
            s in "\\PC{0,40}|[/a-z.$;` \n\0-]{0,20}"
        ) {
            if let Ok(path) = ServerPath::parse(&s) {
                prop_assert!(path.as_str().starts_with('/'));
                prop_assert!(!path.as_str().contains("//"));
                prop_assert!(!path.as_str().contains(".."));
                prop_assert!(path.as_str() == "/" || !path.as_str().ends_with('/'));
                let rebuilt = format!("/{}", path.components().collect::<Vec<_>>().join("/"));
                prop_assert_eq!(rebuilt, path.as_str());
                if let Some(parent) = path.parent() {
                    prop_assert!(path.starts_with(&parent));
                }
            }
        }

        #[test]
        fn a_path_is_within_a_root_only_below_it(
            root in "(/[a-c]{1,2}){0,3}", rest in "(/[a-c]{1,2}){0,3}"
        ) {
            let root = if root.is_empty() { "/".to_owned() } else { root };
            let root = ServerPath::parse(&root).unwrap();
            let joined = root.join_relative(rest.trim_start_matches('/')).unwrap();
            prop_assert!(joined.is_within(std::slice::from_ref(&root)));
            let rel = joined.relative_to(&root).unwrap();
            prop_assert_eq!(root.join_relative(&rel).unwrap(), joined);
        }
    }

    mod inner_path {
        use super::super::*;
        use proptest::prelude::*;

        #[test]
        fn normalises_and_refuses() {
            assert_eq!(InnerPath::parse("").unwrap(), InnerPath::top());
            assert_eq!(InnerPath::parse("./a//b/").unwrap().as_str(), "a/b");
            assert_eq!(
                InnerPath::parse("a b/é.txt").unwrap().file_name(),
                Some("é.txt")
            );
            assert_eq!(InnerPath::parse("/etc"), Err(InnerPathError::Absolute));
            assert_eq!(
                InnerPath::parse("a/../b"),
                Err(InnerPathError::ParentComponent)
            );
            assert_eq!(InnerPath::parse(".."), Err(InnerPathError::ParentComponent));
            assert_eq!(InnerPath::parse("a\nb"), Err(InnerPathError::BadCharacter));
        }

        proptest! {
            /// Whatever is accepted has no `..`, no empty component and no leading `/`, and
            /// parsing it again gives it back.
            #[test]
            fn accepted_paths_are_canonical(s in "[a./\\-]{0,24}") {
                if let Ok(p) = InnerPath::parse(&s) {
                    prop_assert!(!p.as_str().starts_with('/'));
                    prop_assert!(p.components().all(|c| c != ".." && c != "." && !c.is_empty()));
                    prop_assert_eq!(InnerPath::parse(p.as_str()).unwrap(), p);
                }
            }
        }
    }
}
