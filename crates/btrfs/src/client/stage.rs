//! [`Btrfs`]'s operations on staged send streams ([`crate::command::stage`]): estimate
//! a send, list and create the staging directory, start the writer, hash, receive from and remove a staged
//! file. Everything but the receive runs as the login user (a remote's sudoers rule
//! allows btrfs only), without a deadline where the work grows with the stream.

use crate::command::{AbsPath, files, stage};
use crate::host::{Host, HostError, RunOptions, RunningCommand};
use crate::parse::{ParseError, listing};

use super::Btrfs;

/// A file in a staging directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedFile {
    pub name: String,
    pub size: u64,
}

impl<H: Host> Btrfs<H> {
    /// The estimated bytes of `btrfs send [-p PARENT] SNAPSHOT`, from a metadata-only
    /// send ([`crate::send_stream::estimate_async_reader`]; sudo as configured).
    #[tracing::instrument(name = "btrfs.estimate_send", skip_all, fields(snapshot = %snapshot))]
    pub async fn estimate_send(
        &self,
        snapshot: &AbsPath,
        parent: Option<&AbsPath>,
    ) -> Result<u64, HostError> {
        let mut cmd = self.send_no_data(snapshot, parent).await?;
        let parse_error = |e: String| HostError::Parse {
            host: self.host.describe(),
            argv: self.prepare(crate::command::btrfs::send_no_data(snapshot, parent)),
            source: Box::new(ParseError::line("btrfs send", 0, "", e)),
        };
        let mut stdout = cmd
            .take_stdout()
            .ok_or_else(|| parse_error("no stdout".into()))?;
        let estimate = crate::send_stream::estimate_async_reader(&mut stdout).await;
        // Read to the end: btrfs send may still write after END, and must not die of
        // SIGPIPE.
        let _ = tokio::io::copy(&mut stdout, &mut tokio::io::sink()).await;
        cmd.wait().await?;
        estimate.map_err(|e| parse_error(e.to_string()))
    }

    /// Creates the staging directory `dir` and its missing parents (`mkdir -p`).
    #[tracing::instrument(name = "btrfs.make_staging_dir", skip_all, fields(dir = %dir))]
    pub async fn make_staging_dir(&self, dir: &AbsPath) -> Result<(), HostError> {
        self.host
            .run(
                &files::make_dirs(dir),
                RunOptions::with_timeout(self.timeout),
            )
            .await
            .map(drop)
    }

    /// The regular files in the staging directory `dir` (none when it does not exist).
    #[tracing::instrument(name = "btrfs.staged_files", skip_all, fields(dir = %dir))]
    pub async fn staged_files(&self, dir: &AbsPath) -> Result<Vec<StagedFile>, HostError> {
        let argv = files::list_dir(dir);
        let out = match self
            .host
            .run(&argv, RunOptions::with_timeout(self.timeout))
            .await
        {
            Ok(out) => out,
            Err(e) if super::is_missing_path(&e) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let parse_error = |e: ParseError| HostError::Parse {
            host: self.host.describe(),
            argv: argv.clone(),
            source: Box::new(e),
        };
        let mut reader = out.stdout.as_slice();
        let mut found = Vec::new();
        let mut record = 0;
        while let Some(fields) = listing::read_nul_fields(&mut reader, 6, record + 1)
            .await
            .map_err(parse_error)?
        {
            record += 1;
            let entry = listing::dir_entry(&fields, record).map_err(parse_error)?;
            if entry.kind == listing::EntryKind::File {
                found.push(StagedFile {
                    name: entry.name,
                    size: entry.size,
                });
            }
        }
        Ok(found)
    }

    /// Starts writing a stream into `file` from byte `offset` (`dd`, or `zstd -d -c | dd`
    /// from offset 0 when `zstd`): write into [`RunningCommand::take_stdin`], shut it
    /// down, then `wait`. No deadline.
    #[tracing::instrument(name = "btrfs.stage_writer", skip_all, fields(file = %file, offset))]
    pub async fn stage_writer(
        &self,
        file: &AbsPath,
        offset: u64,
        zstd: bool,
    ) -> Result<Box<dyn RunningCommand>, HostError> {
        let argv = if zstd {
            stage::write_zstd(file)
        } else {
            stage::write(file, offset)
        };
        self.host.spawn(&argv, RunOptions::with_stdin()).await
    }

    /// The sha256 of `file` in lower-case hex (`sha256sum`, no deadline: it reads the
    /// whole file).
    #[tracing::instrument(name = "btrfs.staged_sha256", skip_all, fields(file = %file))]
    pub async fn staged_sha256(&self, file: &AbsPath) -> Result<String, HostError> {
        let argv = files::sha256(std::slice::from_ref(file));
        let out = self.host.run(&argv, RunOptions::default()).await?;
        let field = out.stdout.strip_suffix(&[0]).unwrap_or(&out.stdout);
        listing::sha256_record(field, 1)
            .map(|(digest, _)| digest)
            .map_err(|e| HostError::Parse {
                host: self.host.describe(),
                argv,
                source: Box::new(e),
            })
    }

    /// `btrfs receive -f FILE DIR` (sudo as configured, no deadline). On failure a
    /// half-received subvolume may remain, as with [`Btrfs::receive`].
    #[tracing::instrument(name = "btrfs.receive", skip_all, fields(dir = %dir, staged = %file))]
    pub async fn receive_staged(&self, file: &AbsPath, dir: &AbsPath) -> Result<(), HostError> {
        let argv = self.prepare(stage::receive_file(file, dir));
        self.host.run(&argv, RunOptions::default()).await.map(drop)
    }

    /// Removes staged files (`rm -f`; missing ones are fine).
    #[tracing::instrument(name = "btrfs.remove_staged", skip_all)]
    pub async fn remove_staged(&self, files: &[AbsPath]) -> Result<(), HostError> {
        if files.is_empty() {
            return Ok(());
        }
        self.host
            .run(
                &stage::remove(files),
                RunOptions::with_timeout(self.timeout),
            )
            .await
            .map(drop)
    }
}
