//! Which process owns which workers, so that the jobs of a `serve` that is known to be
//! dead run again at once instead of after the heartbeat timeout.
//!
//! apalis re-enqueues the jobs of a worker that missed `missed_heartbeats` beats
//! (`JobsConfig::heartbeat`, 4 × 30 s by default): that is the only signal it has for a
//! worker on another machine, and it must be slow enough not to mistake a busy or
//! briefly disconnected process for a dead one. On the same machine there is a certain
//! signal: the process is gone. Every `serve` records itself in `job_owners` (its
//! workers' name suffix, the kernel's boot id, its pid and the pid's start time) before
//! its workers start; [`reclaim_dead`] runs at start and every poll interval and, for
//! each owner recorded on this boot of this machine whose pid no longer runs the same
//! process (gone, or reused: another start time), puts that owner's running jobs back
//! to `Pending` and removes the owner, in one transaction.
//!
//! What this does not do: judge processes on other machines, or on an earlier boot of
//! this one by hostname (containers share hostnames) — their jobs wait for the
//! heartbeat timeout as before. It never touches an owner whose process runs: a live
//! `serve` that lost its database connection keeps its jobs.

use sqlx::PgPool;

use crate::JobError;

/// This process as a job owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The suffix of every worker name of the process (`{queue}-{suffix}-{restarts}`).
    pub suffix: String,
    pub boot_id: String,
    pub pid: i32,
    /// The process's start time in clock ticks since boot (`/proc/PID/stat`, field 22):
    /// with the pid it names one process, not a later one that reused the pid.
    pub start_ticks: i64,
}

impl Owner {
    /// The running process, for the workers named with `suffix`.
    pub fn this_process(suffix: &str) -> Result<Self, JobError> {
        let pid = std::process::id() as i32;
        let boot_id = boot_id()?;
        let start_ticks = start_ticks(pid)
            .ok_or_else(|| JobError::Queue(format!("cannot read /proc/{pid}/stat")))?;
        Ok(Self {
            suffix: suffix.to_owned(),
            boot_id,
            pid,
            start_ticks,
        })
    }
}

fn boot_id() -> Result<String, JobError> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_owned())
        .map_err(|e| JobError::Queue(format!("cannot read the kernel's boot id: {e}")))
}

/// The start time of `pid` (clock ticks since boot), or `None` when no such process runs.
fn start_ticks(pid: i32) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_ticks(&stat)
}

/// Field 22 of `/proc/PID/stat`. The command name (field 2) is in parentheses and may
/// hold spaces and parentheses itself, so fields are counted after its last `)`.
fn parse_start_ticks(stat: &str) -> Option<i64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    // After the name come field 3 (state) onwards: field 22 is the 20th of those.
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Records this process before its workers start.
pub async fn register(pool: &PgPool, owner: &Owner) -> Result<(), JobError> {
    sqlx::query(
        "INSERT INTO job_owners (suffix, boot_id, pid, start_ticks) VALUES ($1, $2, $3, $4)",
    )
    .bind(&owner.suffix)
    .bind(&owner.boot_id)
    .bind(owner.pid)
    .bind(owner.start_ticks)
    .execute(pool)
    .await?;
    Ok(())
}

/// Removes this process's record at a clean stop (its workers re-enqueued what they
/// did not finish themselves).
pub async fn deregister(pool: &PgPool, owner: &Owner) -> Result<(), JobError> {
    sqlx::query("DELETE FROM job_owners WHERE suffix = $1")
        .bind(&owner.suffix)
        .execute(pool)
        .await?;
    Ok(())
}

/// Puts the running jobs of every dead owner on this boot of this machine back to
/// `Pending` and forgets the owner (module docs). Returns how many jobs it re-enqueued.
pub async fn reclaim_dead(pool: &PgPool) -> Result<u64, JobError> {
    let boot = boot_id()?;
    let owners: Vec<(String, i32, i64)> = sqlx::query_as(
        "SELECT suffix, pid, start_ticks FROM job_owners WHERE boot_id = $1 ORDER BY suffix",
    )
    .bind(&boot)
    .fetch_all(pool)
    .await?;
    let mut reclaimed = 0;
    for (suffix, pid, ticks) in owners {
        if start_ticks(pid) == Some(ticks) {
            continue;
        }
        let mut tx = pool.begin().await?;
        // One row lock on the owner: two serves reclaiming at once re-enqueue once.
        let still_there = sqlx::query("DELETE FROM job_owners WHERE suffix = $1")
            .bind(&suffix)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if still_there == 0 {
            continue;
        }
        let jobs = sqlx::query(
            "UPDATE apalis.jobs SET status = 'Pending', done_at = NULL, lock_by = NULL, \
             lock_at = NULL, attempts = attempts + 1, \
             last_result = jsonb_build_object('Err', $2::text) \
             WHERE status IN ('Running', 'Queued') AND lock_by LIKE '%-' || $1 || '-%'",
        )
        .bind(&suffix)
        .bind(format!(
            "Re-enqueued: the serve process that ran it (pid {pid}) is gone."
        ))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        if jobs > 0 {
            tracing::warn!(
                pid,
                jobs,
                "a serve process died with jobs running; re-enqueued them"
            );
        }
        reclaimed += jobs;
    }
    Ok(reclaimed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_ticks_are_field_22_whatever_the_command_name() {
        let tail = "S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242 20 21";
        assert_eq!(
            parse_start_ticks(&format!("77 (serve) {tail}")),
            Some(424242)
        );
        assert_eq!(
            parse_start_ticks(&format!("77 (a) b) (c) {tail}")),
            Some(424242)
        );
        assert_eq!(parse_start_ticks("77 (serve) S 1 2"), None);
        assert_eq!(parse_start_ticks("garbage"), None);
    }

    #[test]
    fn this_process_is_alive_and_a_gone_pid_is_not() {
        let me = Owner::this_process("x").unwrap();
        assert_eq!(start_ticks(me.pid), Some(me.start_ticks));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        child.wait().unwrap();
        assert_eq!(start_ticks(pid), None);
    }
}
