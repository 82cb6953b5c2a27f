//! Tests of the send stream reader and encoder: the real `--no-data` fixture, every error
//! with its offset, and property tests (round trip, no panic on corrupted input).

use std::io::Read;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use uuid::Uuid;

use super::wire::{self, attr, cmd};
use super::*;

/// `btrfs send --no-data -p A B` on the lab (see `tests/it/fixtures/capture_send_stream.sh`).
pub(super) const FIXTURE: &[u8] =
    include_bytes!("../../tests/it/fixtures/send-no-data-incremental.bin");

/// One line per command, UTIMES left out (the fixture has one per touched inode).
fn render(command: &Command) -> String {
    let p = |p: &SendPath| format!("{:?}", p).trim_matches('"').to_owned();
    match command {
        Command::Snapshot { path, .. } => format!("snapshot {}", p(path)),
        Command::Rename { from, to } => format!("rename {} -> {}", p(from), p(to)),
        Command::Link { path, target } => format!("link {} -> {}", p(path), p(target)),
        Command::Symlink { path, target, .. } => format!("symlink {} -> {}", p(path), p(target)),
        Command::UpdateExtent { path, offset, len } => {
            format!("update_extent {} {offset}+{len}", p(path))
        }
        Command::Truncate { path, size } => format!("truncate {} {size}", p(path)),
        Command::Chmod { path, mode } => format!("chmod {} {mode:o}", p(path)),
        Command::Chown { path, uid, gid } => format!("chown {} {uid}:{gid}", p(path)),
        other => match other.path() {
            Some(path) => format!("{} {}", other.name(), p(path)),
            None => other.name().to_owned(),
        },
    }
}

#[test]
fn crc32c_is_castagnoli_without_inversions() {
    // The standard CRC-32C check value, with the standard's inversions added back.
    assert_eq!(!wire::crc32c(!0, b"123456789"), 0xE306_9283);
    assert_eq!(wire::crc32c(0, b""), 0);
}

#[test]
fn reads_the_real_fixture_to_end() {
    let commands = decode_stream(FIXTURE).unwrap();
    assert_eq!(SendStreamReader::new(FIXTURE).unwrap().version(), 1);
    let Some(Command::Snapshot {
        path,
        uuid,
        ctransid,
        parent_uuid,
        parent_ctransid,
    }) = commands.first()
    else {
        panic!("first command: {:?}", commands.first());
    };
    assert_eq!(path, &SendPath::from("B"));
    assert_eq!(
        uuid.to_string(),
        "a756a856-466c-194e-a297-74e2420623dc",
        "as `btrfs receive --dump` printed it"
    );
    assert_eq!(
        parent_uuid.to_string(),
        "6dec0a6f-8530-0c47-a48f-2430a40f6faf"
    );
    assert_eq!((*ctransid, *parent_ctransid), (12, 11));
    assert_eq!(commands.last(), Some(&Command::End));
    let utimes = commands
        .iter()
        .filter(|c| matches!(c, Command::Utimes { .. }))
        .count();
    assert_eq!(utimes, 19);
    let rendered: Vec<String> = commands
        .iter()
        .filter(|c| !matches!(c, Command::Utimes { .. }))
        .map(render)
        .collect();
    let expected = [
        "snapshot B",
        "update_extent modify.txt 0+16",
        "unlink delete.txt",
        "link renamed.txt -> rename-me.txt",
        "unlink rename-me.txt",
        "link grown.txt -> grow-me.txt",
        "unlink grow-me.txt",
        "update_extent grown.txt 0+21",
        "update_extent shrink.bin 0+3",
        "truncate shrink.bin 3",
        "rename old -> o263-11-0",
        "unlink o263-11-0/inner.txt",
        "rmdir o263-11-0",
        "rename movedir -> moveddir",
        "chmod perms.txt 600",
        "mkdir o280-12-0",
        "link o280-12-0/existing.txt -> existing.txt",
        "unlink existing.txt",
        "rename swap-b -> o270-11-0",
        "link swap-b -> swap-a",
        "unlink swap-a",
        "rename o270-11-0 -> swap-a",
        "unlink oldlink",
        "mkfile o272-12-0",
        "rename o272-12-0 -> new.txt",
        "link new-hardlink.txt -> new.txt",
        "update_extent new.txt 0+1000",
        "chown new.txt 0:0",
        "chmod new.txt 644",
        "mkdir o273-12-0",
        "rename o273-12-0 -> newdir",
        "chown newdir 0:0",
        "chmod newdir 755",
        "mkfile o274-12-0",
        "rename o274-12-0 -> newdir/child.txt",
        "update_extent newdir/child.txt 0+6",
        "chown newdir/child.txt 0:0",
        "chmod newdir/child.txt 644",
        "symlink o275-12-0 -> new.txt",
        "rename o275-12-0 -> newlink",
        "chown newlink 0:0",
        "mkfifo o276-12-0",
        "rename o276-12-0 -> newfifo",
        "chown newfifo 0:0",
        "chmod newfifo 644",
        "mkfile o277-12-0",
        "rename o277-12-0 -> sparse.bin",
        "truncate sparse.bin 1048576",
        "chown sparse.bin 0:0",
        "chmod sparse.bin 644",
        "mkfile o278-12-0",
        "rename o278-12-0 -> bin-\\xff.txt",
        "chown bin-\\xff.txt 0:0",
        "chmod bin-\\xff.txt 644",
        "mkdir o279-12-0",
        "rename o279-12-0 -> moveddir/sub",
        "chown moveddir/sub 0:0",
        "chmod moveddir/sub 755",
        "rename o280-12-0 -> later",
        "chown later 0:0",
        "chmod later 755",
        "end",
    ];
    assert_eq!(rendered, expected);
    // The root's times come as the empty path.
    assert!(commands.iter().any(|c| matches!(
        c,
        Command::Utimes { path, .. } if path.is_empty()
    )));
}

/// Hands out one byte per read: the reader must not depend on read sizes.
struct OneByte<'a>(&'a [u8]);

impl Read for OneByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((byte, rest)), Some(slot)) => {
                *slot = *byte;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn byte_at_a_time_reads_the_same() {
    let whole = decode_stream(FIXTURE).unwrap();
    let mut reader = SendStreamReader::new(OneByte(FIXTURE)).unwrap();
    let mut one_by_one = Vec::new();
    while let Some(command) = reader.next_command().unwrap() {
        one_by_one.push(command);
    }
    assert_eq!(one_by_one, whole);
    assert_eq!(reader.offset(), FIXTURE.len() as u64);
    assert!(reader.next_command().unwrap().is_none(), "fused after END");
}

#[tokio::test]
async fn async_reader_reads_the_same() {
    let whole = decode_stream(FIXTURE).unwrap();
    let mut reader = AsyncSendStreamReader::new(FIXTURE).await.unwrap();
    let mut commands = Vec::new();
    while let Some(command) = reader.next_command().await.unwrap() {
        commands.push(command);
    }
    assert_eq!(commands, whole);
    assert_eq!(reader.offset(), FIXTURE.len() as u64);
    // Errors are the same too.
    let cut = FIXTURE.get(..FIXTURE.len() - 3).unwrap();
    let mut reader = AsyncSendStreamReader::new(cut).await.unwrap();
    let error = loop {
        match reader.next_command().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("a truncated stream read to its end"),
            Err(e) => break e,
        }
    };
    assert!(
        matches!(error, SendStreamError::Truncated { offset } if offset == cut.len() as u64),
        "{error}"
    );
    assert!(reader.next_command().await.unwrap().is_none(), "fused");
}

fn stream(version: u32, commands: &[Command]) -> Vec<u8> {
    encode_stream(version, commands).unwrap()
}

fn unlink(path: &str) -> Command {
    Command::Unlink {
        path: SendPath::from(path),
    }
}

/// A command with a valid crc around `payload`.
fn raw_command(code: u16, payload: &[u8]) -> Vec<u8> {
    let mut header = [0u8; COMMAND_HEADER_LEN];
    header[..4].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    header[4..6].copy_from_slice(&code.to_le_bytes());
    let crc = wire::command_crc(&header, payload);
    header[6..].copy_from_slice(&crc.to_le_bytes());
    [&header[..], payload].concat()
}

fn tlv(attr: u16, value: &[u8]) -> Vec<u8> {
    let mut out = attr.to_le_bytes().to_vec();
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
    out
}

fn header(version: u32) -> Vec<u8> {
    [&MAGIC[..], &version.to_le_bytes()].concat()
}

#[test]
fn header_errors() {
    assert!(matches!(
        decode_stream(b"btrfs-strean\0\x01\0\0\0"),
        Err(SendStreamError::BadMagic)
    ));
    assert!(matches!(
        decode_stream(b"hello"),
        Err(SendStreamError::BadMagic)
    ));
    assert!(matches!(
        decode_stream(b""),
        Err(SendStreamError::Truncated { offset: 0 })
    ));
    assert!(matches!(
        decode_stream(b"btrfs-str"),
        Err(SendStreamError::Truncated { offset: 9 })
    ));
    assert!(matches!(
        decode_stream(&header(1)[..15]),
        Err(SendStreamError::Truncated { offset: 15 })
    ));
    for version in [0, 4, u32::MAX] {
        assert!(matches!(
            decode_stream(&header(version)),
            Err(SendStreamError::UnsupportedVersion { version: v }) if v == version
        ));
    }
    assert!(matches!(
        encode_stream(4, &[]),
        Err(EncodeError::UnsupportedVersion { version: 4 })
    ));
}

#[test]
fn command_errors_carry_offsets() {
    let good = stream(1, &[unlink("a"), unlink("b"), Command::End]);
    let second = (STREAM_HEADER_LEN + COMMAND_HEADER_LEN + 5) as u64;

    // No END: a clean stop between commands.
    let no_end = &good[..good.len() - COMMAND_HEADER_LEN];
    let err = decode_stream(no_end).unwrap_err();
    assert!(
        matches!(err, SendStreamError::MissingEnd { offset } if offset == no_end.len() as u64),
        "{err}"
    );
    // Cut inside a header, inside a payload.
    for cut in [second as usize + 4, second as usize + 12] {
        let err = decode_stream(&good[..cut]).unwrap_err();
        assert!(
            matches!(err, SendStreamError::Truncated { offset } if offset == cut as u64),
            "{cut}: {err}"
        );
    }
    // A flipped payload byte: the crc of the second command.
    let mut bad = good.clone();
    bad[second as usize + COMMAND_HEADER_LEN + 4] ^= 0x20;
    let err = decode_stream(&bad).unwrap_err();
    assert!(
        matches!(err, SendStreamError::BadCrc { offset, .. } if offset == second),
        "{err}"
    );
    assert!(err.to_string().contains(&format!("byte {second}")), "{err}");
    // A huge length is refused before anything is read or allocated.
    let mut huge = header(1);
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    huge.extend_from_slice(&[11, 0, 0, 0, 0, 0]);
    let err = decode_stream(&huge).unwrap_err();
    assert!(
        matches!(
            err,
            SendStreamError::TooLarge {
                offset: 17,
                len: u32::MAX,
                max: MAX_COMMAND_LEN
            }
        ),
        "{err}"
    );
    let capped = SendStreamReader::new(&good[..])
        .unwrap()
        .with_max_command_len(4)
        .next_command()
        .unwrap_err();
    assert!(matches!(
        capped,
        SendStreamError::TooLarge {
            offset: 17,
            len: 5,
            max: 4
        }
    ));
}

#[test]
fn attribute_errors() {
    let decode = |code: u16, payload: &[u8]| {
        let bytes = [header(1), raw_command(code, payload)].concat();
        SendStreamReader::new(&bytes[..]).unwrap().next_command()
    };
    let err = decode(cmd::UNLINK, &[]).unwrap_err();
    assert!(
        matches!(
            err,
            SendStreamError::MissingAttribute {
                offset: 17,
                cmd: 11,
                attr: 15
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "unlink command at byte 17: missing attribute path"
    );
    let short_size = [tlv(attr::PATH, b"f"), tlv(attr::SIZE, &[1, 2, 3])].concat();
    let err = decode(cmd::TRUNCATE, &short_size).unwrap_err();
    assert!(
        matches!(
            err,
            SendStreamError::BadAttributeLength {
                cmd: 17,
                attr: 4,
                len: 3,
                expected: 8,
                ..
            }
        ),
        "{err}"
    );
    for (payload, reason) in [
        (&[15u8][..], "attribute header cut short"),
        (&[15, 0, 1][..], "attribute header cut short"),
        (
            &[15, 0, 9, 0, b'a'][..],
            "attribute value runs past the end of the command",
        ),
        (&[0, 0, 0, 0][..], "attribute type 0"),
    ] {
        let err = decode(cmd::UNLINK, payload).unwrap_err();
        assert!(
            matches!(err, SendStreamError::MalformedAttributes { reason: r, .. } if r == reason),
            "{payload:?}: {err}"
        );
    }
    // Unknown attribute numbers are skipped; a repeated attribute keeps its last value.
    let payload = [
        tlv(99, b"future"),
        tlv(attr::PATH, b"x"),
        tlv(attr::PATH, b"y"),
    ]
    .concat();
    assert_eq!(decode(cmd::UNLINK, &payload).unwrap(), Some(unlink("y")));
    // Unknown commands are typed, whatever their payload.
    assert_eq!(
        decode(200, b"\xff\xff\xff").unwrap(),
        Some(Command::Unknown { cmd: 200 })
    );
    assert_eq!(decode(0, b"").unwrap(), Some(Command::Unknown { cmd: 0 }));
}

#[test]
fn v2_data_runs_to_the_end_of_its_command() {
    let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    let write = Command::Write {
        path: SendPath::from("big"),
        offset: 4096,
        data,
    };
    let commands = [write.clone(), Command::End];
    assert!(matches!(
        encode_stream(1, &commands),
        Err(EncodeError::AttributeTooLong {
            cmd: 15,
            attr: 19,
            len: 100_000
        })
    ));
    let bytes = stream(2, &commands);
    assert_eq!(decode_stream(&bytes).unwrap(), commands);
    // In v2 the DATA header is only its type: a v1 reading of the same bytes differs.
    let mut as_v1 = bytes.clone();
    as_v1[13] = 1;
    assert!(decode_stream(&as_v1).is_err());
    // A hand-made v2 WRITE: path, offset, then DATA with no length.
    let payload = [
        tlv(attr::PATH, b"f"),
        tlv(attr::FILE_OFFSET, &7u64.to_le_bytes()),
        attr::DATA.to_le_bytes().to_vec(),
        b"abc".to_vec(),
    ]
    .concat();
    let bytes = [header(2), raw_command(cmd::WRITE, &payload)].concat();
    let first = SendStreamReader::new(&bytes[..])
        .unwrap()
        .next_command()
        .unwrap();
    assert_eq!(
        first,
        Some(Command::Write {
            path: SendPath::from("f"),
            offset: 7,
            data: b"abc".to_vec(),
        })
    );
}

#[test]
fn encoded_write_compression_defaults_to_none() {
    let payload = [
        tlv(attr::PATH, b"f"),
        tlv(attr::FILE_OFFSET, &0u64.to_le_bytes()),
        tlv(attr::UNENCODED_FILE_LEN, &10u64.to_le_bytes()),
        tlv(attr::UNENCODED_LEN, &10u64.to_le_bytes()),
        tlv(attr::UNENCODED_OFFSET, &0u64.to_le_bytes()),
        attr::DATA.to_le_bytes().to_vec(),
        b"zz".to_vec(),
    ]
    .concat();
    let bytes = [header(2), raw_command(cmd::ENCODED_WRITE, &payload)].concat();
    let first = SendStreamReader::new(&bytes[..])
        .unwrap()
        .next_command()
        .unwrap();
    assert!(matches!(
        first,
        Some(Command::EncodedWrite {
            compression: 0,
            encryption: 0,
            unencoded_file_len: 10,
            ..
        })
    ));
}

#[test]
fn unknown_must_carry_an_unknown_code() {
    let mut out = Vec::new();
    assert_eq!(
        encode_command(1, &Command::Unknown { cmd: 21 }, &mut out),
        Err(EncodeError::KnownCode { cmd: 21 })
    );
}

#[test]
fn send_path_display_is_lossy_and_debug_escapes() {
    let path = SendPath::new(b"dir/bin-\xff.txt".to_vec());
    assert_eq!(path.to_string(), "dir/bin-\u{fffd}.txt");
    assert_eq!(format!("{path:?}"), "\"dir/bin-\\xff.txt\"");
    assert_eq!(SendPath::default().join(b"a"), SendPath::from("a"));
    assert_eq!(SendPath::from("a").join(b"b/c"), SendPath::from("a/b/c"));
}

// ---------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------

fn path() -> impl Strategy<Value = SendPath> {
    vec(any::<u8>(), 0..24).prop_map(SendPath::new)
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..48)
}

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<[u8; 16]>().prop_map(Uuid::from_bytes)
}

fn timespec() -> impl Strategy<Value = Timespec> {
    (any::<u64>(), any::<u32>()).prop_map(|(sec, nsec)| Timespec { sec, nsec })
}

/// Every command but END (which ends a stream).
pub(super) fn any_command() -> impl Strategy<Value = Command> {
    let u = any::<u64>;
    prop_oneof![
        (path(), uuid(), u()).prop_map(|(path, uuid, ctransid)| Command::Subvol {
            path,
            uuid,
            ctransid
        }),
        (path(), uuid(), u(), uuid(), u()).prop_map(|(path, uuid, ctransid, pu, pc)| {
            Command::Snapshot {
                path,
                uuid,
                ctransid,
                parent_uuid: pu,
                parent_ctransid: pc,
            }
        }),
        (path(), u()).prop_map(|(path, ino)| Command::Mkfile { path, ino }),
        (path(), u()).prop_map(|(path, ino)| Command::Mkdir { path, ino }),
        (path(), u(), u(), u()).prop_map(|(path, ino, mode, rdev)| Command::Mknod {
            path,
            ino,
            mode,
            rdev
        }),
        (path(), u()).prop_map(|(path, ino)| Command::Mkfifo { path, ino }),
        (path(), u()).prop_map(|(path, ino)| Command::Mksock { path, ino }),
        (path(), u(), path()).prop_map(|(path, ino, target)| Command::Symlink {
            path,
            ino,
            target
        }),
        (path(), path()).prop_map(|(from, to)| Command::Rename { from, to }),
        (path(), path()).prop_map(|(path, target)| Command::Link { path, target }),
        path().prop_map(|path| Command::Unlink { path }),
        path().prop_map(|path| Command::Rmdir { path }),
        (path(), bytes(), bytes()).prop_map(|(path, name, data)| Command::SetXattr {
            path,
            name,
            data
        }),
        (path(), bytes()).prop_map(|(path, name)| Command::RemoveXattr { path, name }),
        (path(), u(), bytes()).prop_map(|(path, offset, data)| Command::Write {
            path,
            offset,
            data
        }),
        (path(), (u(), u()), uuid(), u(), path(), u()).prop_map(
            |(path, (offset, len), source_uuid, source_ctransid, source_path, source_offset)| {
                Command::Clone {
                    path,
                    offset,
                    len,
                    source_uuid,
                    source_ctransid,
                    source_path,
                    source_offset,
                }
            }
        ),
        (path(), u()).prop_map(|(path, size)| Command::Truncate { path, size }),
        (path(), u()).prop_map(|(path, mode)| Command::Chmod { path, mode }),
        (path(), u(), u()).prop_map(|(path, uid, gid)| Command::Chown { path, uid, gid }),
        (path(), timespec(), timespec(), timespec()).prop_map(|(path, atime, mtime, ctime)| {
            Command::Utimes {
                path,
                atime,
                mtime,
                ctime,
            }
        }),
        (path(), u(), u()).prop_map(|(path, offset, len)| Command::UpdateExtent {
            path,
            offset,
            len
        }),
        (path(), any::<u32>(), u(), u()).prop_map(|(path, mode, offset, len)| {
            Command::Fallocate {
                path,
                mode,
                offset,
                len,
            }
        }),
        (path(), u()).prop_map(|(path, attr)| Command::Fileattr { path, attr }),
        (
            path(),
            (u(), u(), u(), u()),
            any::<u32>(),
            any::<u32>(),
            bytes()
        )
            .prop_map(
                |(path, (offset, file_len, len, un_offset), compression, encryption, data)| {
                    Command::EncodedWrite {
                        path,
                        offset,
                        unencoded_file_len: file_len,
                        unencoded_len: len,
                        unencoded_offset: un_offset,
                        compression,
                        encryption,
                        data,
                    }
                }
            ),
        (path(), any::<u8>(), any::<u32>(), bytes(), bytes()).prop_map(
            |(path, algorithm, block_size, salt, signature)| Command::EnableVerity {
                path,
                algorithm,
                block_size,
                salt,
                signature,
            }
        ),
        prop_oneof![Just(0u16), 27u16..].prop_map(|cmd| Command::Unknown { cmd }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn encode_then_decode_gives_the_commands_back(
        version in 1u32..=3,
        mut commands in vec(any_command(), 0..16),
    ) {
        commands.push(Command::End);
        let bytes = encode_stream(version, &commands).unwrap();
        prop_assert_eq!(decode_stream(&bytes).unwrap(), commands.clone());
        let mut reader = SendStreamReader::new(OneByte(&bytes)).unwrap();
        for expected in &commands {
            let next = reader.next_command().unwrap();
            prop_assert_eq!(next.as_ref(), Some(expected));
        }
        prop_assert!(reader.next_command().unwrap().is_none());
        prop_assert_eq!(reader.offset(), bytes.len() as u64);
    }

    #[test]
    fn corrupted_streams_never_panic(
        version in 1u32..=3,
        commands in vec(any_command(), 0..8),
        edits in vec((any::<Index>(), any::<u8>(), 0u8..3), 1..6),
        cut in proptest::option::of(any::<Index>()),
    ) {
        let mut all = commands;
        all.push(Command::End);
        let mut bytes = encode_stream(version, &all).unwrap();
        for (at, value, op) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] ^= value | 1,
                1 => bytes.insert(i, value),
                _ => {
                    bytes.remove(i);
                }
            }
        }
        if let Some(cut) = cut {
            let len = cut.index(bytes.len() + 1);
            bytes.truncate(len);
        }
        // Either commands or a typed error; never a panic, never more than was there.
        match SendStreamReader::new(&bytes[..]) {
            Ok(mut reader) => {
                let mut fold = diff::DiffFold::new();
                while let Ok(Some(command)) = reader.next_command() {
                    let _ = fold.push(command);
                    prop_assert!(reader.offset() <= bytes.len() as u64);
                }
                let _ = fold.finish();
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }

    /// Any payload with a correct crc decodes or is a typed error: the TLV and attribute
    /// decoding never panics, whatever the lengths say.
    #[test]
    fn any_payload_with_a_valid_crc_never_panics(
        version in 1u32..=3,
        code in 0u16..30,
        attrs in vec((0u16..40, vec(any::<u8>(), 0..20), proptest::option::of(any::<u16>())), 0..8),
        tail in vec(any::<u8>(), 0..4),
    ) {
        let mut payload = Vec::new();
        for (kind, value, lie) in attrs {
            payload.extend_from_slice(&kind.to_le_bytes());
            let len = lie.unwrap_or(value.len() as u16);
            payload.extend_from_slice(&len.to_le_bytes());
            payload.extend_from_slice(&value);
        }
        payload.extend_from_slice(&tail);
        let bytes = raw_command(code, &payload);
        let header: [u8; COMMAND_HEADER_LEN] = bytes[..COMMAND_HEADER_LEN].try_into().unwrap();
        match decode_command(version, 0, &header, &payload) {
            Ok(command) => {
                let _ = command.name();
            }
            Err(e) => {
                let bad_crc = matches!(e, SendStreamError::BadCrc { .. });
                prop_assert!(!bad_crc, "{}", e);
                let _ = e.to_string();
            }
        }
    }
}
