//! A workaround for ECDSA keys with a short private scalar. OpenSSH stores the scalar
//! as an `mpint`, so a P-256 key whose scalar happens to start with a zero byte (about
//! 1 in 256 keys `ssh-keygen` makes) carries 31 bytes; the key decoder russh pins
//! (ssh-key 0.7.0-rc.11) refuses fewer than 32 ("length invalid"). For an unencrypted
//! OpenSSH key this module rewrites the scalar left-padded to the curve's size, which
//! is the same number, and the decoder takes it. An encrypted key is left alone (its
//! scalar is inside the ciphertext): it still fails, with the decoder's message.
//!
//! What it does not do: touch any other key, or any key that decodes as it is.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

const BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
const END: &str = "-----END OPENSSH PRIVATE KEY-----";
const MAGIC: &[u8] = b"openssh-key-v1\0";

/// Reads SSH wire strings (u32 length + bytes) off the front of a buffer.
struct Wire<'a>(&'a [u8]);

impl<'a> Wire<'a> {
    fn u32(&mut self) -> Option<u32> {
        let (n, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_be_bytes(*n))
    }

    fn string(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.u32()?).ok()?;
        let (s, rest) = (self.0.get(..len)?, self.0.get(len..)?);
        self.0 = rest;
        Some(s)
    }
}

fn put_string(out: &mut Vec<u8>, s: &[u8]) -> Option<()> {
    out.extend_from_slice(&u32::try_from(s.len()).ok()?.to_be_bytes());
    out.extend_from_slice(s);
    Some(())
}

/// The scalar size of an OpenSSH ECDSA curve name.
fn scalar_size(curve: &[u8]) -> Option<usize> {
    match curve {
        b"nistp256" => Some(32),
        b"nistp384" => Some(48),
        b"nistp521" => Some(66),
        _ => None,
    }
}

/// `key_text` with its ECDSA scalar padded to the curve's size, when it is an
/// unencrypted OpenSSH ECDSA key whose scalar is shorter; `None` otherwise.
pub(crate) fn padded(key_text: &str) -> Option<String> {
    let body = key_text.split(BEGIN).nth(1)?.split(END).next()?;
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let blob = STANDARD.decode(b64).ok()?;
    let mut w = Wire(blob.strip_prefix(MAGIC)?);
    let (cipher, kdf, kdf_options) = (w.string()?, w.string()?, w.string()?);
    if cipher != b"none" || w.u32()? != 1 {
        return None;
    }
    let public = w.string()?;
    let mut p = Wire(w.string()?);
    let (check1, check2) = (p.u32()?, p.u32()?);
    let key_type = p.string()?;
    if !key_type.starts_with(b"ecdsa-sha2-") {
        return None;
    }
    let (curve, point, scalar, comment) = (p.string()?, p.string()?, p.string()?, p.string()?);
    let size = scalar_size(curve)?;
    let digits = scalar.strip_prefix(&[0]).unwrap_or(scalar);
    if digits.len() >= size {
        return None;
    }
    // The same number in `size` bytes, with the mpint's sign byte when the top bit is set.
    let mut fixed = vec![0u8; size - digits.len()];
    fixed.extend_from_slice(digits);
    if fixed[0] >= 0x80 {
        fixed.insert(0, 0);
    }
    let mut private = Vec::new();
    private.extend_from_slice(&check1.to_be_bytes());
    private.extend_from_slice(&check2.to_be_bytes());
    for s in [key_type, curve, point, &fixed, comment] {
        put_string(&mut private, s)?;
    }
    // Padding 1, 2, 3, ... to the cipher block size ("none": 8).
    let mut pad = 1u8;
    while private.len() % 8 != 0 {
        private.push(pad);
        pad += 1;
    }
    let mut out = MAGIC.to_vec();
    for s in [cipher, kdf, kdf_options] {
        put_string(&mut out, s)?;
    }
    out.extend_from_slice(&1u32.to_be_bytes());
    put_string(&mut out, public)?;
    put_string(&mut out, &private)?;
    let encoded = STANDARD.encode(out);
    let mut text = format!("{BEGIN}\n");
    for line in encoded.as_bytes().chunks(70) {
        text.push_str(std::str::from_utf8(line).ok()?);
        text.push('\n');
    }
    text.push_str(END);
    text.push('\n');
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys from `ssh-keygen` until one has a short scalar (about 1 in 256): it decodes
    /// (padded) and is the same key (ssh-keygen's fingerprint).
    #[test]
    fn a_short_scalar_p256_key_from_ssh_keygen_decodes_as_itself() {
        use crate::config::Auth;
        use secrecy::SecretString;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k");
        for _ in 0..4000 {
            let _ = std::fs::remove_file(&key);
            let _ = std::fs::remove_file(key.with_extension("pub"));
            let made = std::process::Command::new("ssh-keygen")
                .args(["-q", "-t", "ecdsa", "-b", "256", "-N", "", "-C", "t", "-f"])
                .arg(&key)
                .status()
                .unwrap();
            assert!(made.success());
            let text = std::fs::read_to_string(&key).unwrap();
            if padded(&text).is_none() {
                continue;
            }
            let auth = Auth::private_key(&SecretString::from(text), None).unwrap();
            let Auth::Key(k) = auth else { panic!("a key") };
            let listed = std::process::Command::new("ssh-keygen")
                .arg("-lf")
                .arg(key.with_extension("pub"))
                .output()
                .unwrap();
            let listed = String::from_utf8(listed.stdout).unwrap();
            assert_eq!(
                listed.split_whitespace().nth(1),
                Some(k.public_fingerprint().as_str())
            );
            return;
        }
        panic!("no short-scalar key in 4000: padded() never applies");
    }

    #[test]
    fn other_keys_and_garbage_are_left_alone() {
        assert_eq!(padded("not a key"), None);
        assert_eq!(padded(&format!("{BEGIN}\nAAAA\n{END}\n")), None);
    }
}
