//! A load file made from a CAP file: the load file data block (the CAP components in the
//! order JCVM 3.0.5 §6.2 gives for loading, Debug left out), wrapped in tag `C4` and cut into
//! LOAD blocks (GP 2.3.1 §11.6.2.3).

use crate::gp::command::HashAlg;
use crate::gp::GpError;
use jcos_vm::cap::{CapFile, ComponentTag};

/// A CAP file prepared for loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadFile {
    /// The package (executable load file) AID.
    pub package_aid: Vec<u8>,
    /// The package name, when the CAP file gives it.
    pub package_name: Option<String>,
    /// The package version (major, minor).
    pub version: (u8, u8),
    /// The applet (executable module) AIDs.
    pub applets: Vec<Vec<u8>>,
    /// The load file data block: the components, back to back.
    pub data_block: Vec<u8>,
}

impl LoadFile {
    /// Prepares the CAP file in `bytes` (JAR or raw component form); `with_descriptor` keeps
    /// the Descriptor component (the JCVM lists it as optional for loading; jcos cards verify
    /// with it).
    pub fn from_cap_bytes(bytes: &[u8], with_descriptor: bool) -> Result<LoadFile, GpError> {
        let cap = CapFile::from_bytes(bytes).map_err(|e| GpError::Cap(e.to_string()))?;
        let mut data_block = Vec::new();
        for tag in ComponentTag::LOAD_ORDER {
            if !cap.has(tag) || (tag == ComponentTag::DESCRIPTOR && !with_descriptor) {
                continue;
            }
            let component = cap
                .component_bytes(tag)
                .map_err(|e| GpError::Cap(e.to_string()))?;
            data_block.extend_from_slice(&component);
        }
        let applets = cap
            .applet
            .as_ref()
            .map(|a| {
                a.applets
                    .iter()
                    .map(|x| x.aid.as_bytes().to_vec())
                    .collect()
            })
            .unwrap_or_default();
        Ok(LoadFile {
            package_aid: cap.package_aid().as_bytes().to_vec(),
            package_name: cap.package_name(),
            version: (
                cap.header.package.major_version,
                cap.header.package.minor_version,
            ),
            applets,
            data_block,
        })
    }

    /// The hash of the load file data block for INSTALL [for load].
    pub fn hash(&self, alg: HashAlg) -> Vec<u8> {
        alg.digest(&self.data_block)
    }

    /// The LOAD command data, cut into blocks of at most `block_len` bytes: `C4`, the BER
    /// length, the load file data block.
    pub fn blocks(&self, block_len: usize) -> Result<Vec<Vec<u8>>, GpError> {
        if block_len == 0 {
            return Err(GpError::Invalid(
                "a LOAD block holds at least one byte".into(),
            ));
        }
        let mut all = vec![0xC4];
        jcos_apdu::tlv::write_length(self.data_block.len(), &mut all);
        all.extend_from_slice(&self.data_block);
        let blocks: Vec<Vec<u8>> = all.chunks(block_len).map(<[u8]>::to_vec).collect();
        if blocks.len() > 256 {
            return Err(GpError::Invalid(format!(
                "{} LOAD blocks of {block_len} bytes: the block number has one byte",
                blocks.len()
            )));
        }
        Ok(blocks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn golden(name: &str) -> Option<Vec<u8>> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/jcvm-golden");
        let dir = root.join(name);
        let entries = std::fs::read_dir(&dir).ok()?;
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "cap") {
                return std::fs::read(p).ok();
            }
        }
        None
    }

    #[test]
    fn blocks_carry_c4_and_the_ber_length() {
        let lf = LoadFile {
            package_aid: vec![1, 2, 3, 4, 5],
            package_name: None,
            version: (1, 0),
            applets: Vec::new(),
            data_block: vec![0xAB; 200],
        };
        let blocks = lf.blocks(100).unwrap();
        assert_eq!(blocks.len(), 3);
        assert_eq!(&blocks[0][..3], &[0xC4, 0x81, 200]);
        assert_eq!(blocks.iter().map(Vec::len).sum::<usize>(), 203);
        assert!(lf.blocks(0).is_err());
        // SHA-1 of 200 bytes AB, computed independently (Python hashlib).
        assert_eq!(
            jcos_apdu::hex::encode(&lf.hash(HashAlg::Sha1)),
            "2226F5E5D99EB9B1D0331045BB0B4838273CA94C"
        );
    }

    #[test]
    fn a_golden_cap_gives_its_components_in_load_order() {
        let Some(bytes) = golden("store") else {
            return;
        };
        let lf = LoadFile::from_cap_bytes(&bytes, true).unwrap();
        // Header first (tag 1, magic DECAFFED after tag and size), Directory second.
        assert_eq!(lf.data_block[0], 1);
        assert_eq!(&lf.data_block[3..7], &[0xDE, 0xCA, 0xFF, 0xED]);
        let header_len = 3 + usize::from(u16::from_be_bytes([lf.data_block[1], lf.data_block[2]]));
        assert_eq!(lf.data_block[header_len], 2);
        assert!(!lf.applets.is_empty());
        assert!(LoadFile::from_cap_bytes(b"not a cap", true).is_err());
    }
}
