//! What each client command does: one or two calls of the generated client, then output.
//!
//! Not here: connections and exit codes (`super`), printing (`output`), live watches
//! (`watch`).

use std::io::Read;

use dist_btrfs_client::types;
use serde_json::{Value, json};
use uuid::Uuid;

use super::args::{
    EventsCommand, PoliciesCommand, ReplicationsCommand, RestoreArgs, ServersCommand,
    SnapshotsCommand, SubvolumesCommand, TargetsCommand, TokensCommand,
};
use super::output::{self, Column};
use super::{ClientCommand, ClientError, Conn, api_client, body, profile, to_json, watch};

/// Runs a client command; `root` is the whole command line's definition (completions, man).
pub async fn run(command: ClientCommand, root: clap::Command) -> Result<(), ClientError> {
    match command {
        ClientCommand::Login {
            url,
            username,
            password_stdin,
            profile_name,
            role,
        } => login(&url, &username, password_stdin, &profile_name, role).await,
        ClientCommand::Status { conn } => status(&conn.connect()?).await,
        ClientCommand::Servers { conn, command } => servers(&conn.connect()?, command).await,
        ClientCommand::Subvolumes { conn, command } => subvolumes(&conn.connect()?, command).await,
        ClientCommand::Snapshots { conn, command } => snapshots(&conn.connect()?, command).await,
        ClientCommand::Targets { conn, command } => targets(&conn.connect()?, command).await,
        ClientCommand::Policies { conn, command } => policies(&conn.connect()?, command).await,
        ClientCommand::Replicate {
            conn,
            snapshot,
            targets,
            watch: follow,
        } => {
            let c = conn.connect()?;
            let mut req = json!({"snapshot_id": snapshot});
            if !targets.is_empty() {
                req["target_ids"] = json!(targets);
            }
            let run = to_json(
                c.api
                    .request_replication()
                    .body(body::<types::NewReplication>(req)?)
                    .send()
                    .await?
                    .into_inner(),
            );
            if follow {
                let id = parse_id(&run["id"])?;
                return watch::replication(&c, id).await;
            }
            show_one(&c, &run, &["id", "state", "snapshot_id", "requested_at"]);
            Ok(())
        }
        ClientCommand::Replications { conn, command } => {
            replications(&conn.connect()?, command).await
        }
        ClientCommand::Restore(args) => restore(args).await,
        ClientCommand::Events { conn, command } => events(&conn.connect()?, command).await,
        ClientCommand::Tokens { conn, command } => tokens(&conn.connect()?, command).await,
        ClientCommand::Completions { shell } => {
            let mut root = root;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut root, "dist-btrfs", &mut out);
            write_stdout(&out)
        }
        ClientCommand::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(root)
                .render(&mut out)
                .map_err(|e| ClientError::Usage(format!("writing the man page: {e}")))?;
            write_stdout(&out)
        }
    }
}

/// Writes `bytes` to stdout; a reader that went away (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> Result<(), ClientError> {
    use std::io::Write;
    match std::io::stdout().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(ClientError::Usage(format!("writing to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

fn parse_id(v: &Value) -> Result<Uuid, ClientError> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ClientError::Failed(format!("the server answered without an id: {v}")))
}

fn show_one(c: &Conn, value: &Value, keys: &[&str]) {
    if c.json {
        output::json(value);
    } else {
        output::fields(value, keys);
    }
}

fn show_list(c: &Conn, value: &Value, columns: &[Column<'_>]) {
    if c.json {
        output::json(value);
    } else {
        let items = value["items"].as_array().cloned().unwrap_or_default();
        output::table(&items, columns);
        if value["next_after"].is_string() {
            eprintln!(
                "(the first {} only; --json and the API's paging give the rest)",
                items.len()
            );
        }
    }
}

fn col<'a>(path: &'a str) -> impl Fn(&Value) -> String + 'a {
    move |v| output::field(v, path)
}

async fn login(
    url: &str,
    username: &str,
    password_stdin: bool,
    profile_name: &str,
    role: Option<String>,
) -> Result<(), ClientError> {
    let password = if password_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| ClientError::Usage(format!("reading the password: {e}")))?;
        s.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        std::env::var("DIST_BTRFS_PASSWORD").map_err(|_| {
            ClientError::Usage(
                "give the password on stdin (--password-stdin) or in DIST_BTRFS_PASSWORD".into(),
            )
        })?
    };
    let anonymous = api_client(url, None, &[])?;
    let session = anonymous
        .login()
        .body(body::<types::LoginRequest>(
            json!({"username": username, "password": password}),
        )?)
        .send()
        .await?;
    let cookie = session
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let me = session.into_inner();
    let csrf = me.csrf_token.clone().unwrap_or_default();
    let with_session = api_client(url, None, &[("cookie", cookie), ("x-csrf-token", csrf)])?;
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_else(|_| "host".into());
    let mut req = json!({"name": format!("cli {}@{}", username, host.trim())});
    if let Some(role) = role {
        req["role"] = json!(role);
    }
    let issued = with_session
        .create_token()
        .body(body::<types::NewToken>(req)?)
        .send()
        .await?
        .into_inner();
    // The session is not needed any more; the token is what the profile keeps.
    let _ = with_session.logout().send().await;
    let path = profile::save(
        profile_name,
        profile::Profile {
            url: url.trim_end_matches('/').to_owned(),
            token: issued.token.clone(),
        },
    )?;
    println!(
        "logged in to {url} as {username}: token {:?} ({}) kept in profile {profile_name:?} of {}",
        issued.name,
        to_json(issued.role).as_str().unwrap_or("-"),
        path.display()
    );
    Ok(())
}

async fn status(c: &Conn) -> Result<(), ClientError> {
    let status = to_json(c.api.get_fleet_status().send().await?.into_inner());
    if c.json {
        output::json(&status);
    } else {
        println!("{}", output::field(&status, "status").to_uppercase());
        let problems = status["problems"].as_array().cloned().unwrap_or_default();
        if !problems.is_empty() {
            output::table(
                &problems,
                &[
                    ("SEVERITY", &col("severity")),
                    ("KIND", &col("kind")),
                    ("SINCE", &col("since")),
                    ("SUMMARY", &col("summary")),
                ],
            );
        }
    }
    if status["status"] == "ok" {
        Ok(())
    } else {
        Err(ClientError::NotOk)
    }
}

async fn servers(c: &Conn, command: ServersCommand) -> Result<(), ClientError> {
    match command {
        ServersCommand::Ls => {
            let page = to_json(c.api.list_servers().limit(1000).send().await?.into_inner());
            show_list(
                c,
                &page,
                &[
                    ("ID", &col("id")),
                    ("NAME", &col("name")),
                    ("ROLE", &col("role")),
                    (
                        "ADDRESS",
                        &|s: &Value| match s["transport"]["kind"].as_str() {
                            Some("ssh") => format!(
                                "{}:{}",
                                output::field(s, "transport.address"),
                                output::field(s, "transport.port")
                            ),
                            _ => "local".into(),
                        },
                    ),
                    ("ROOTS", &col("allowed_roots")),
                ],
            );
        }
        ServersCommand::Add {
            name,
            address,
            port,
            username,
            key_file,
            role,
            roots,
            sudo,
            fingerprint,
            trust_first_key,
        } => {
            if fingerprint.is_none() && !trust_first_key {
                return Err(ClientError::Usage(
                    "give --fingerprint SHA256:... (the key you checked) or --trust-first-key"
                        .into(),
                ));
            }
            let key = std::fs::read_to_string(&key_file)
                .map_err(|e| ClientError::Usage(format!("reading {}: {e}", key_file.display())))?;
            let req = json!({
                "name": name, "address": address, "port": port, "username": username,
                "private_key": key, "role": role, "allowed_roots": roots, "sudo": sudo,
                "host_key_fingerprint": fingerprint,
            });
            let server = to_json(
                c.api
                    .register_server()
                    .body(body::<types::NewServer>(req)?)
                    .send()
                    .await?
                    .into_inner(),
            );
            show_one(
                c,
                &server,
                &[
                    "id",
                    "name",
                    "role",
                    "host_key_fingerprint",
                    "allowed_roots",
                ],
            );
        }
        ServersCommand::Test { server } => {
            let checks = to_json(c.api.test_server().id(server).send().await?.into_inner());
            if c.json {
                output::json(&checks);
            } else {
                let items = checks.as_array().cloned().unwrap_or_default();
                output::table(
                    &items,
                    &[
                        ("CHECK", &col("name")),
                        ("OK", &col("ok")),
                        ("DETAIL", &col("detail")),
                    ],
                );
            }
            if checks
                .as_array()
                .is_some_and(|a| a.iter().any(|c| c["ok"] == false))
            {
                return Err(ClientError::Failed("a check failed".into()));
            }
        }
        ServersCommand::Rm { server } => {
            c.api.remove_server().id(server).send().await?;
            if !c.json {
                println!("removed server {server}");
            }
        }
    }
    Ok(())
}

async fn subvolumes(c: &Conn, command: SubvolumesCommand) -> Result<(), ClientError> {
    match command {
        SubvolumesCommand::Ls { server } => {
            let mut req = c.api.list_subvolumes().limit(1000);
            if let Some(s) = server {
                req = req.server_id(s);
            }
            let page = to_json(req.send().await?.into_inner());
            show_list(
                c,
                &page,
                &[
                    ("ID", &col("id")),
                    ("NAME", &col("name")),
                    ("SERVER", &col("server_id")),
                    ("PATH", &col("path")),
                    ("LAST ERROR", &col("last_snapshot_error")),
                ],
            );
        }
        SubvolumesCommand::Manage {
            server,
            path,
            snapshot_dir,
            name,
        } => {
            let req = json!({"server_id": server, "path": path, "snapshot_dir": snapshot_dir, "name": name});
            let sv = to_json(
                c.api
                    .manage_subvolume()
                    .body(body::<types::ManageSubvolume>(req)?)
                    .send()
                    .await?
                    .into_inner(),
            );
            show_one(
                c,
                &sv,
                &["id", "name", "path", "snapshot_dir", "btrfs_uuid"],
            );
        }
    }
    Ok(())
}

async fn snapshots(c: &Conn, command: SnapshotsCommand) -> Result<(), ClientError> {
    match command {
        SnapshotsCommand::Ls { subvolume, all } => {
            let page = to_json(
                c.api
                    .list_snapshots()
                    .id(subvolume)
                    .include_gone(all)
                    .limit(500)
                    .send()
                    .await?
                    .into_inner(),
            );
            show_list(
                c,
                &page,
                &[
                    ("ID", &col("id")),
                    ("NAME", &col("name")),
                    ("CREATED", &col("created_at")),
                    ("STATE", &col("state")),
                    ("ORIGIN", &col("origin")),
                    ("HELD", &col("held")),
                ],
            );
        }
        SnapshotsCommand::Create { subvolume } => {
            let snap = to_json(
                c.api
                    .create_snapshot()
                    .id(subvolume)
                    .send()
                    .await?
                    .into_inner(),
            );
            show_one(c, &snap, &["id", "name", "path", "uuid", "created_at"]);
        }
        SnapshotsCommand::Rm { snapshot } => {
            c.api.delete_snapshot().id(snapshot).send().await?;
            if !c.json {
                println!("deleted snapshot {snapshot}");
            }
        }
    }
    Ok(())
}

async fn targets(c: &Conn, command: TargetsCommand) -> Result<(), ClientError> {
    match command {
        TargetsCommand::Ls { subvolume } => {
            let page = to_json(
                c.api
                    .list_subvolume_targets()
                    .id(subvolume)
                    .limit(1000)
                    .send()
                    .await?
                    .into_inner(),
            );
            show_list(
                c,
                &page,
                &[
                    ("ID", &col("id")),
                    ("SERVER", &col("server_id")),
                    ("DIRECTORY", &col("directory")),
                    ("COMPRESSION", &col("compression")),
                ],
            );
        }
        TargetsCommand::Add {
            subvolume,
            server,
            directory,
        } => {
            let req = json!({"server_id": server, "directory": directory});
            let target = to_json(
                c.api
                    .add_target()
                    .id(subvolume)
                    .body(body::<types::NewTarget>(req)?)
                    .send()
                    .await?
                    .into_inner(),
            );
            show_one(c, &target, &["id", "server_id", "directory"]);
        }
    }
    Ok(())
}

async fn policies(c: &Conn, command: PoliciesCommand) -> Result<(), ClientError> {
    match command {
        PoliciesCommand::Ls => {
            let page = to_json(c.api.list_policies().limit(1000).send().await?.into_inner());
            show_list(
                c,
                &page,
                &[
                    ("ID", &col("id")),
                    ("NAME", &col("name")),
                    ("SCHEDULE", &|p: &Value| {
                        format!(
                            "{} ({})",
                            output::field(p, "schedule.cron"),
                            output::field(p, "schedule.time_zone")
                        )
                    }),
                    ("NEXT", &col("next_snapshot_at")),
                    ("SUBVOLUMES", &|p: &Value| {
                        p["subvolumes"].as_array().map_or(0, Vec::len).to_string()
                    }),
                ],
            );
        }
        PoliciesCommand::Apply { policy, subvolume } => {
            let answer = to_json(
                c.api
                    .assign_policy()
                    .id(subvolume)
                    .body(body::<types::AssignPolicy>(json!({"policy_id": policy}))?)
                    .send()
                    .await?
                    .into_inner(),
            );
            if c.json {
                output::json(&answer);
            } else {
                println!("subvolume {subvolume} follows policy {policy}");
            }
        }
    }
    Ok(())
}

async fn replications(c: &Conn, command: ReplicationsCommand) -> Result<(), ClientError> {
    match command {
        ReplicationsCommand::Ls { subvolume, limit } => {
            let mut req = c.api.list_replications().limit(limit);
            if let Some(s) = subvolume {
                req = req.subvolume_id(s);
            }
            let page = to_json(req.send().await?.into_inner());
            show_list(
                c,
                &page,
                &[
                    ("ID", &col("id")),
                    ("STATE", &col("state")),
                    ("SNAPSHOT", &col("snapshot_id")),
                    ("TARGETS", &|r: &Value| {
                        r["targets"].as_array().map_or(0, Vec::len).to_string()
                    }),
                    ("REQUESTED", &col("requested_at")),
                ],
            );
        }
        ReplicationsCommand::Show { replication } => {
            let run = to_json(
                c.api
                    .get_replication()
                    .id(replication)
                    .send()
                    .await?
                    .into_inner(),
            );
            if c.json {
                output::json(&run);
            } else {
                output::fields(
                    &run,
                    &[
                        "id",
                        "state",
                        "snapshot_id",
                        "requested_by",
                        "requested_at",
                        "finished_at",
                    ],
                );
                println!();
                let targets = run["targets"].as_array().cloned().unwrap_or_default();
                output::table(
                    &targets,
                    &[
                        ("TARGET", &col("target_id")),
                        ("STATE", &col("state")),
                        ("KIND", &col("kind")),
                        ("BYTES", &|t: &Value| {
                            output::bytes(t["bytes"].as_u64().unwrap_or(0))
                        }),
                        ("ERROR", &col("error")),
                    ],
                );
            }
        }
        ReplicationsCommand::Watch { replication } => {
            return watch::replication(c, replication).await;
        }
    }
    Ok(())
}

async fn restore(args: RestoreArgs) -> Result<(), ClientError> {
    let c = args.conn.connect()?;
    let req = json!({
        "snapshot_id": args.snapshot, "mode": args.mode, "destination": args.destination,
        "paths": args.paths, "overwrite": args.overwrite, "source_replica_id": args.from_replica,
        "destination_server_id": args.destination_server,
    });
    let restore = to_json(
        c.api
            .request_restore()
            .body(body::<types::NewRestore>(req)?)
            .send()
            .await?
            .into_inner(),
    );
    if args.watch {
        return watch::restore(&c, parse_id(&restore["id"])?).await;
    }
    show_one(
        &c,
        &restore,
        &["id", "mode", "state", "destination", "requested_at"],
    );
    Ok(())
}

async fn events(c: &Conn, command: EventsCommand) -> Result<(), ClientError> {
    let EventsCommand::Tail { lines, follow } = command;
    let page = to_json(c.api.list_events().limit(lines).send().await?.into_inner());
    let mut items = page["items"].as_array().cloned().unwrap_or_default();
    items.reverse();
    let last = items.iter().filter_map(|e| e["seq"].as_i64()).max();
    for e in &items {
        watch::print_event(c, e);
    }
    if follow {
        return watch::follow_events(c, last, |e| {
            watch::print_event(c, e);
            false
        })
        .await;
    }
    Ok(())
}

async fn tokens(c: &Conn, command: TokensCommand) -> Result<(), ClientError> {
    let TokensCommand::Create {
        name,
        role,
        expires_in_days,
    } = command;
    let req = json!({"name": name, "role": role, "expires_in_days": expires_in_days});
    let issued = to_json(
        c.api
            .create_token()
            .body(body::<types::NewToken>(req)?)
            .send()
            .await?
            .into_inner(),
    );
    show_one(
        c,
        &issued,
        &["token_id", "name", "role", "expires_at", "token"],
    );
    Ok(())
}
