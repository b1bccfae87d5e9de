//! Sealing: AES-256-GCM with a random key per project, the project key itself sealed by the
//! service's master key. A bid is sealed with a [`SealingKey`], which can only encrypt; the
//! [`OpeningKey`] that decrypts is made only with an [`OpeningPermit`], which the domain
//! grants at or after the opening time. Sub-keys for the other uses of the master key
//! (sealing project keys, sealing stored receipts, fingerprinting requests) are derived from
//! it by HMAC-SHA-256 with a label each, so no key serves two purposes.

use std::fmt;
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use onewindow_kit::error::Error;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::OpeningPermit;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// The service's master key (32 bytes, from configuration). Never printed.
#[derive(Clone)]
pub struct MasterKey {
    wrap: Arc<[u8; 32]>,
    receipts: Arc<[u8; 32]>,
    fingerprints: Arc<[u8; 32]>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

/// Encrypts bids of one project; cannot decrypt.
pub struct SealingKey {
    project_id: String,
    cipher: Aes256Gcm,
}

/// Decrypts bids of one project; exists only after the opening.
pub struct OpeningKey {
    project_id: String,
    cipher: Aes256Gcm,
}

fn hmac(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut inner = Sha256::new();
    let mut outer = Sha256::new();
    let mut ipad = [0x36u8; BLOCK];
    let mut opad = [0x5cu8; BLOCK];
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    inner.update(ipad);
    inner.update(message);
    outer.update(opad);
    outer.update(inner.finalize());
    outer.finalize().into()
}

fn cipher(key: &[u8]) -> Result<Aes256Gcm, Error> {
    Aes256Gcm::new_from_slice(key).map_err(|_| Error::internal(anyhow::anyhow!("bad key length")))
}

fn encrypt(cipher: &Aes256Gcm, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| Error::internal(anyhow::anyhow!("encryption failed")))?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn decrypt(cipher: &Aes256Gcm, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, Error> {
    if sealed.len() < 1 + NONCE_LEN || sealed[0] != VERSION {
        return Err(Error::internal(anyhow::anyhow!(
            "sealed data has an unknown format"
        )));
    }
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&sealed[1..1 + NONCE_LEN]);
    cipher
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &sealed[1 + NONCE_LEN..],
                aad,
            },
        )
        .map_err(|_| Error::internal(anyhow::anyhow!("sealed data failed authentication")))
}

fn project_aad(project_id: &str) -> Vec<u8> {
    format!("onewindow-trading project-key v1\u{1f}{project_id}").into_bytes()
}

/// Binds a sealed bid to its row, so a ciphertext moved to another bid fails to open.
pub fn bid_aad(project_id: &str, bid_id: &str, lot_id: &str, bidder: &str) -> Vec<u8> {
    format!("onewindow-trading bid v1\u{1f}{project_id}\u{1f}{bid_id}\u{1f}{lot_id}\u{1f}{bidder}")
        .into_bytes()
}

/// Random bytes from the operating system.
pub fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

impl MasterKey {
    pub fn new(key: [u8; 32]) -> Self {
        MasterKey {
            wrap: Arc::new(hmac(&key, b"onewindow-trading wrap project keys")),
            receipts: Arc::new(hmac(&key, b"onewindow-trading seal receipts")),
            fingerprints: Arc::new(hmac(&key, b"onewindow-trading fingerprint requests")),
        }
    }

    /// A fresh project key, sealed for storage.
    pub fn new_project_key(&self, project_id: &str) -> Result<Vec<u8>, Error> {
        let key: [u8; 32] = random();
        encrypt(
            &cipher(self.wrap.as_slice())?,
            &project_aad(project_id),
            &key,
        )
    }

    fn unwrap_key(&self, project_id: &str, sealed: &[u8]) -> Result<Aes256Gcm, Error> {
        let key = decrypt(
            &cipher(self.wrap.as_slice())?,
            &project_aad(project_id),
            sealed,
        )?;
        cipher(&key)
    }

    pub fn sealing_key(&self, project_id: &str, sealed: &[u8]) -> Result<SealingKey, Error> {
        Ok(SealingKey {
            project_id: project_id.to_string(),
            cipher: self.unwrap_key(project_id, sealed)?,
        })
    }

    pub fn opening_key(&self, permit: &OpeningPermit, sealed: &[u8]) -> Result<OpeningKey, Error> {
        let project_id = permit.project_id();
        Ok(OpeningKey {
            project_id: project_id.to_string(),
            cipher: self.unwrap_key(project_id, sealed)?,
        })
    }

    /// Seals a stored response that must not sit in clear (a bid receipt's nonce).
    pub fn seal_receipt(&self, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        encrypt(&cipher(self.receipts.as_slice())?, b"receipt", plaintext)
    }

    pub fn open_receipt(&self, sealed: &[u8]) -> Result<Vec<u8>, Error> {
        decrypt(&cipher(self.receipts.as_slice())?, b"receipt", sealed)
    }

    /// A keyed fingerprint of a request, stored in place of a plain hash so that a guessable
    /// field (a price) cannot be found by hashing candidates.
    pub fn fingerprint(&self, message: &[u8]) -> Vec<u8> {
        hmac(&self.fingerprints, message).to_vec()
    }
}

impl SealingKey {
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        encrypt(&self.cipher, aad, plaintext)
    }

    pub fn project_id(&self) -> &str {
        &self.project_id
    }
}

impl OpeningKey {
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, Error> {
        decrypt(&self.cipher, aad, sealed)
    }

    pub fn project_id(&self) -> &str {
        &self.project_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2_shape() {
        // Not the RFC's key length, but HMAC must differ from a plain hash and be stable.
        let k = [7u8; 32];
        assert_eq!(hmac(&k, b"x"), hmac(&k, b"x"));
        assert_ne!(hmac(&k, b"x"), hmac(&[8u8; 32], b"x"));
        assert_ne!(hmac(&k, b"x").to_vec(), Sha256::digest(b"x").to_vec());
    }

    #[test]
    fn a_ciphertext_opens_only_with_its_own_binding() {
        let master = MasterKey::new([1u8; 32]);
        let sealed_key = master.new_project_key("p1").unwrap();
        let sealing = master.sealing_key("p1", &sealed_key).unwrap();
        let aad = bid_aad("p1", "b1", "1", "u1");
        let sealed = sealing.seal(&aad, b"secret price").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        // The project key does not unwrap under another project's id.
        assert!(master.sealing_key("p2", &sealed_key).is_err());
        // Another master key cannot unwrap it either.
        assert!(MasterKey::new([2u8; 32])
            .sealing_key("p1", &sealed_key)
            .is_err());
        let cipher = master.unwrap_key("p1", &sealed_key).unwrap();
        assert_eq!(decrypt(&cipher, &aad, &sealed).unwrap(), b"secret price");
        assert!(decrypt(&cipher, &bid_aad("p1", "b2", "1", "u1"), &sealed).is_err());
    }

    #[test]
    fn receipts_round_trip_and_fingerprints_are_keyed() {
        let master = MasterKey::new([3u8; 32]);
        let sealed = master.seal_receipt(b"nonce").unwrap();
        assert_eq!(master.open_receipt(&sealed).unwrap(), b"nonce");
        assert_ne!(
            master.fingerprint(b"req"),
            MasterKey::new([4u8; 32]).fingerprint(b"req")
        );
    }

    #[test]
    fn the_master_key_never_prints() {
        assert_eq!(format!("{:?}", MasterKey::new([9u8; 32])), "MasterKey(***)");
    }
}
