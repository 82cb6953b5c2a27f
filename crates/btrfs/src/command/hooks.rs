//! Builders for snapshot hooks: an executable the operator installed in the hooks
//! directory of a server (`/etc/dist-btrfs/hooks.d/NAME` by default), run before and after
//! a snapshot so an application can quiesce. The argv is fixed and never crosses a shell
//! unquoted:
//!
//! - `HOOK pre SUBVOLUME SNAPSHOT`: before `btrfs subvolume snapshot -r`; SNAPSHOT is the
//!   path the snapshot will get;
//! - `HOOK post SUBVOLUME SNAPSHOT created|failed`: right after it, whether it worked.
//!
//! On a remote the restricted wrapper accepts exactly these forms (with `--allow-hooks`) and
//! the listing of the hooks directory ([`super::files::list_dir`] of it). Hooks never run
//! through sudo: they run as the user dist-btrfs runs commands as.
//!
//! Not here: which names are allowed (`domain::hooks::HookName`), the timeout and what an
//! exit status means (the engine's `hooks` module).

use super::{AbsPath, Argv};

/// `HOOK pre SUBVOLUME SNAPSHOT`.
pub fn pre_snapshot(hook: &AbsPath, subvolume: &AbsPath, snapshot: &AbsPath) -> Argv {
    Argv::executable(hook)
        .literal("pre")
        .path(subvolume)
        .path(snapshot)
}

/// `HOOK post SUBVOLUME SNAPSHOT created|failed`.
pub fn post_snapshot(
    hook: &AbsPath,
    subvolume: &AbsPath,
    snapshot: &AbsPath,
    created: bool,
) -> Argv {
    Argv::executable(hook)
        .literal("post")
        .path(subvolume)
        .path(snapshot)
        .literal(if created { "created" } else { "failed" })
}
