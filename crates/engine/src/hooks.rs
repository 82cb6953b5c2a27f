//! Snapshot hooks (the rules are `domain::hooks`'): setting a subvolume's hooks, listing
//! the hooks a server offers, and running them around a snapshot.
//!
//! - **Where**: on the server that owns the subvolume, through its `Host` (this machine,
//!   or SSH), as `HOOKS_DIR/NAME pre|post SUBVOLUME SNAPSHOT [created|failed]`
//!   (`btrfs::command::hooks`), never through sudo and never a shell; `HOOKS_DIR` is the
//!   engine's [`Engine::with_hooks_dir`] (serve's `--hooks-dir`, default
//!   [`DEFAULT_HOOKS_DIR`]), the same on every server.
//! - **Setting** checks the names (`HookName`: one file name, no path) and that the server
//!   lists them as executables in its hooks directory now; a name the operator removes
//!   later fails at the next snapshot (`not_found`), loudly.
//! - **Running** (`snapshots::create_snapshot`, `scheduled::snapshot_for_slot`, under the
//!   subvolume's lock): the pre-hook with the subvolume's timeout; when it fails the
//!   snapshot is not taken, the post-hook still runs (`... failed`: the pre-hook may have
//!   quiesced part of the application), `SnapshotHookRan`s and `SnapshotCreateFailed` are
//!   recorded and the caller gets a conflict (or, server unreachable, a transient error).
//!   After `btrfs subvolume snapshot` (made or not) the post-hook runs at once, before the
//!   snapshot is verified and recorded, so the application is frozen no longer than the
//!   snapshot takes. A failed post-hook leaves the snapshot; it is recorded, and it is the
//!   fleet problem `hook_failing` until a later run succeeds.
//! - **Nothing is written while a hook runs**: the runs' events are appended with the
//!   snapshot's own at the end, so a slow hook holds only its subvolume's lock (and the
//!   connection of that transaction), never a row other writers need.
//! - A hook runs with an empty environment but `PATH` (locally; serve's own variables,
//!   secrets among them, never reach it). A timed-out hook is killed (locally; over SSH
//!   its channel is closed, and the restricted wrapper bounds every hook at 900 s).
//! - Its output is recorded (the last 1 KiB of stderr, in the event and the subvolume's
//!   last run, visible to viewers): hooks must not print secrets.
//!
//! Not here: who may set hooks (the API: admins), the wrapper's whitelist on remotes
//! (`ops/remote`).

use std::time::Instant;

use btrfs::command::{files, hooks as cmd};
use btrfs::parse::listing::{self, EntryKind};
use btrfs::{AbsPath, HostError, RunOptions};
use domain::event::{SnapshotCreateFailed, SnapshotHookRan, SubvolumeHooksSet};
use domain::hooks::{HOOK_OUTPUT_TAIL, HookName, HookOutcome, HookPhase, SnapshotHooks, tail};
use domain::{DomainEvent, ServerId, ServerPath, SubvolumeId};
use store::projections::{self, SubvolumeView};
use store::{AppendMeta, ExpectedVersion, events, locks};

use crate::snapshots::Target;
use crate::{Engine, EngineError, abs};

/// Where hooks live on every server unless serve is told otherwise.
pub const DEFAULT_HOOKS_DIR: &str = "/etc/dist-btrfs/hooks.d";

/// An executable in a server's hooks directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailableHook {
    pub name: String,
    /// A symlink (its target is not checked here; running it is).
    pub symlink: bool,
}

impl Engine {
    /// Hooks run from `dir` on every server (see the module docs).
    #[must_use]
    pub fn with_hooks_dir(mut self, dir: AbsPath) -> Self {
        self.hooks_dir = Some(dir);
        self
    }

    /// The hooks directory on every server.
    pub fn hooks_dir(&self) -> &str {
        self.hooks_dir
            .as_ref()
            .map_or(DEFAULT_HOOKS_DIR, AbsPath::as_str)
    }

    /// [`Engine::hooks_dir`] as a command word.
    fn hooks_dir_path(&self) -> Result<AbsPath, EngineError> {
        AbsPath::parse(self.hooks_dir())
            .map_err(|e| EngineError::Inconsistent(format!("hooks directory: {e}")))
    }

    /// The executables a server offers as hooks: regular files with an execute bit (or
    /// symlinks) in its hooks directory whose names are valid `HookName`s, by name. A
    /// missing directory offers none.
    #[tracing::instrument(skip_all, fields(server = %server_id), err(level = "debug", Display))]
    pub async fn list_hooks(&self, server_id: ServerId) -> Result<Vec<AvailableHook>, EngineError> {
        let (server, _) = self.server(server_id).await?;
        let btrfs = self.btrfs(&server).await?;
        let out = match btrfs
            .host()
            .run(
                &files::list_dir(&self.hooks_dir_path()?),
                RunOptions::default(),
            )
            .await
        {
            Ok(out) => out,
            Err(HostError::NonZeroExit { stderr, .. })
                if stderr.contains("No such file or directory") =>
            {
                return Ok(Vec::new());
            }
            Err(e) => return Err(e.into()),
        };
        let mut reader = &out.stdout[..];
        let mut hooks = Vec::new();
        let mut record = 0;
        loop {
            record += 1;
            let fields = listing::read_nul_fields(&mut reader, 6, record)
                .await
                .map_err(|e| EngineError::Verification(e.to_string()))?;
            let Some(fields) = fields else { break };
            let entry = listing::dir_entry(&fields, record)
                .map_err(|e| EngineError::Verification(e.to_string()))?;
            let runnable = match entry.kind {
                EntryKind::File => entry.mode & 0o111 != 0,
                EntryKind::Symlink => true,
                _ => false,
            };
            if runnable && HookName::parse(&entry.name).is_ok() {
                hooks.push(AvailableHook {
                    symlink: entry.kind == EntryKind::Symlink,
                    name: entry.name,
                });
            }
        }
        hooks.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(hooks)
    }

    /// Sets (or, both `None`, removes) a subvolume's snapshot hooks after checking that
    /// its server offers them (module docs).
    #[tracing::instrument(skip_all, fields(subvolume = %id), err(level = "debug", Display))]
    pub async fn set_snapshot_hooks(
        &self,
        id: SubvolumeId,
        pre: Option<&str>,
        post: Option<&str>,
        timeout_secs: u64,
        meta: &AppendMeta,
    ) -> Result<SubvolumeView, EngineError> {
        let hooks = SnapshotHooks::parse(pre, post, timeout_secs)
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
        let view = projections::subvolume(self.events.pool(), id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no subvolume {id}")))?;
        if hooks.pre.is_some() || hooks.post.is_some() {
            let offered = self.list_hooks(view.server_id).await?;
            for (field, name) in [("pre", &hooks.pre), ("post", &hooks.post)] {
                let Some(name) = name else { continue };
                if !offered.iter().any(|h| h.name == name.as_str()) {
                    let names: Vec<&str> = offered.iter().map(|h| h.name.as_str()).collect();
                    return Err(EngineError::Invalid(format!(
                        "{field}: the server has no executable {:?} in {} (it offers: {})",
                        name.as_str(),
                        self.hooks_dir(),
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    )));
                }
            }
        }
        let mut tx = self.events.pool().begin().await?;
        locks::lock_subvolume(&mut tx, id).await?;
        let current = projections::subvolume(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("no subvolume {id}")))?;
        if !current.managed {
            return Err(EngineError::Conflict(format!(
                "subvolume {id} is not managed any more"
            )));
        }
        let event = DomainEvent::SubvolumeHooksSet(SubvolumeHooksSet {
            subvolume_id: id,
            pre: hooks.pre.map(String::from),
            post: hooks.post.map(String::from),
            timeout_secs: hooks.timeout.secs(),
        });
        events::append_in(&mut tx, &id.stream(), ExpectedVersion::Any, &[event], meta).await?;
        let view = projections::subvolume(&mut *tx, id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("subvolume {id} vanished")))?;
        tx.commit().await?;
        Ok(view)
    }

    /// Runs the pre-snapshot hook of `t`, if it has one. `Ok`: the snapshot may be taken;
    /// the run's event is for the caller to append with the snapshot's own. `Err`: it
    /// failed; the abort holds the events to append (the run, the post-hook's run when
    /// the pre-hook ran at all, `SnapshotCreateFailed`) and the error to fail with.
    pub(crate) async fn before_snapshot(
        &self,
        t: &Target,
        name: &str,
        dst: &ServerPath,
    ) -> Result<Vec<DomainEvent>, PreHookFailed> {
        let hooks = hooks_of(&t.view).map_err(PreHookFailed::bare)?;
        let Some(hook) = hooks.of(HookPhase::Pre) else {
            return Ok(Vec::new());
        };
        let argv = cmd::pre_snapshot(
            &self.hook_path(hook).map_err(PreHookFailed::bare)?,
            &abs(&t.path).map_err(PreHookFailed::bare)?,
            &abs(dst).map_err(PreHookFailed::bare)?,
        );
        let run = run_hook(t, &argv, HookPhase::Pre, hook, name, &hooks).await;
        if run.outcome.is_ok() {
            return Ok(vec![DomainEvent::SnapshotHookRan(run)]);
        }
        let why = format!("{}; the snapshot was not taken", run.describe());
        let error = match run.outcome {
            HookOutcome::Unreachable => EngineError::HostUnavailable {
                server: t.view.server_id.to_string(),
                reason: why.clone(),
            },
            _ => EngineError::Conflict(why.clone()),
        };
        // A pre-hook that ran (and failed or timed out) may have quiesced part of the
        // application: the post-hook runs too, told the snapshot failed.
        let started = matches!(run.outcome, HookOutcome::Failed | HookOutcome::TimedOut);
        let mut events = vec![DomainEvent::SnapshotHookRan(run)];
        if started {
            match self.after_snapshot(t, name, dst, false).await {
                Ok(post) => events.extend(post),
                Err(e) => tracing::warn!(error = %e, "cannot run the post-snapshot hook"),
            }
        }
        events.push(DomainEvent::SnapshotCreateFailed(SnapshotCreateFailed {
            subvolume_id: t.view.subvolume_id,
            name: name.to_owned(),
            path: dst.as_str().to_owned(),
            error: why,
        }));
        Err(PreHookFailed { events, error })
    }

    /// Runs the post-snapshot hook of `t`, if it has one, right after the snapshot
    /// command (`created`: whether it succeeded). The run's event is for the caller to
    /// append with the snapshot's own (`SnapshotCreated` or `SnapshotCreateFailed`).
    pub(crate) async fn after_snapshot(
        &self,
        t: &Target,
        name: &str,
        dst: &ServerPath,
        created: bool,
    ) -> Result<Option<DomainEvent>, EngineError> {
        let hooks = hooks_of(&t.view)?;
        let Some(hook) = hooks.of(HookPhase::Post) else {
            return Ok(None);
        };
        let argv = cmd::post_snapshot(&self.hook_path(hook)?, &abs(&t.path)?, &abs(dst)?, created);
        let run = run_hook(t, &argv, HookPhase::Post, hook, name, &hooks).await;
        if !run.outcome.is_ok() {
            tracing::warn!(subvolume = %t.view.subvolume_id, hook = %hook, outcome = %run.outcome, "post-snapshot hook failed");
        }
        Ok(Some(DomainEvent::SnapshotHookRan(run)))
    }

    fn hook_path(&self, hook: &HookName) -> Result<AbsPath, EngineError> {
        self.hooks_dir_path()?
            .join(hook.as_str())
            .map_err(|e| EngineError::Inconsistent(format!("hook path: {e}")))
    }
}

/// The recorded hooks of a subvolume, parsed.
/// A pre-snapshot hook that failed: what to record, and the error the snapshot fails with.
pub(crate) struct PreHookFailed {
    pub(crate) events: Vec<DomainEvent>,
    pub(crate) error: EngineError,
}

impl PreHookFailed {
    /// A failure before any hook ran (nothing to record).
    fn bare(error: EngineError) -> Self {
        Self {
            events: Vec::new(),
            error,
        }
    }
}

fn hooks_of(view: &SubvolumeView) -> Result<SnapshotHooks, EngineError> {
    SnapshotHooks::parse(
        view.pre_snapshot_hook.as_deref(),
        view.post_snapshot_hook.as_deref(),
        u64::from(view.hook_timeout_secs),
    )
    .map_err(|e| EngineError::Inconsistent(format!("recorded hooks: {e}")))
}

/// Runs one hook on the subvolume's server and says how it went.
async fn run_hook(
    t: &Target,
    argv: &btrfs::Argv,
    phase: HookPhase,
    hook: &HookName,
    snapshot: &str,
    hooks: &SnapshotHooks,
) -> SnapshotHookRan {
    let started = Instant::now();
    let opts = RunOptions::with_timeout(hooks.timeout.duration());
    let result = t.btrfs.host().run(argv, opts).await;
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let kept = |s: &str| tail(s, HOOK_OUTPUT_TAIL).to_owned();
    let (outcome, exit_code, message) = match result {
        Ok(_) => (HookOutcome::Ok, Some(0), String::new()),
        Err(HostError::NonZeroExit { code, stderr, .. }) => {
            (HookOutcome::Failed, Some(code), kept(&stderr))
        }
        Err(HostError::Signalled { signal, stderr, .. }) => (
            HookOutcome::Failed,
            None,
            kept(&format!("killed by signal {signal}. {stderr}")),
        ),
        Err(HostError::Timeout { stderr, .. }) => (HookOutcome::TimedOut, None, kept(&stderr)),
        Err(e @ (HostError::CommandNotFound { .. } | HostError::Spawn { .. })) => {
            (HookOutcome::NotFound, None, kept(&e.to_string()))
        }
        Err(e @ HostError::Connect { .. }) => {
            (HookOutcome::Unreachable, None, kept(&e.to_string()))
        }
        Err(e) => (HookOutcome::Failed, None, kept(&e.to_string())),
    };
    SnapshotHookRan {
        subvolume_id: t.view.subvolume_id,
        phase,
        hook: hook.to_string(),
        snapshot: snapshot.to_owned(),
        outcome,
        exit_code,
        duration_ms,
        message,
    }
}
