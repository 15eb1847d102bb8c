//! `jcos load IMAGE CAP... [--install CLASS_AID[:INSTANCE_AID[:PARAMS_HEX]]]...
//! [--privileges HEX]`: the direct, privileged content path, bypassing the card's issuer
//! security domain (`jcos gp` goes through it). The CAP files are verified, linked and
//! recorded in the card's registry, the instances created (with the given GlobalPlatform
//! privileges, e.g. a security domain for development), and the image saved once everything
//! succeeded; any refusal leaves the image as it was.

use crate::args::LoadArgs;
use crate::Outcome;
use anyhow::{bail, Context};
use jcos_apdu::hex;
use jcos_cos::{Card, InstallRequest, Privileges};

/// Parses `--privileges`: three bytes of GlobalPlatform privileges in hex.
pub fn parse_privileges(s: &str) -> Result<[u8; 3], String> {
    let bytes = hex::decode(s).map_err(|e| format!("privileges {s:?}: {e}"))?;
    <[u8; 3]>::try_from(bytes.as_slice())
        .map_err(|_| format!("privileges {s:?}: GlobalPlatform privileges are 3 bytes"))
}

/// One `--install` value: the applet class, the instance AID and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallSpec {
    /// Applet class AID.
    pub class_aid: Vec<u8>,
    /// Instance AID (the class AID when not given).
    pub instance_aid: Vec<u8>,
    /// Application parameters handed to `install` (the C9 data).
    pub params: Vec<u8>,
}

impl std::str::FromStr for InstallSpec {
    type Err = String;

    /// Parses `CLASS_AID[:INSTANCE_AID[:PARAMS_HEX]]`, every part in hex.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split(':');
        let decode = |part: Option<&str>, what: &str| -> Result<Vec<u8>, String> {
            match part {
                Some(p) => hex::decode(p).map_err(|e| format!("{what} {p:?}: {e}")),
                None => Ok(Vec::new()),
            }
        };
        let class_aid = decode(parts.next(), "class AID")?;
        if class_aid.is_empty() {
            return Err("the class AID is missing".into());
        }
        let instance_aid = decode(parts.next(), "instance AID")?;
        let params = decode(parts.next(), "install parameters")?;
        if parts.next().is_some() {
            return Err(format!(
                "{s:?} has more than three parts (CLASS_AID[:INSTANCE_AID[:PARAMS_HEX]])"
            ));
        }
        let instance_aid = if instance_aid.is_empty() {
            class_aid.clone()
        } else {
            instance_aid
        };
        Ok(InstallSpec {
            class_aid,
            instance_aid,
            params,
        })
    }
}

/// Loads the CAP files, installs the instances and saves the image.
pub fn run(args: &LoadArgs) -> anyhow::Result<Outcome> {
    let mut card = Card::open_image(&args.image)
        .with_context(|| format!("cannot open card image {}", args.image.display()))?;
    if args.caps.is_empty() && args.install.is_empty() {
        bail!("nothing to do: give CAP files to load and/or --install");
    }
    let mut report = Vec::new();
    for path in &args.caps {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let package = card
            .load_package(&bytes)
            .with_context(|| format!("cannot load {}", path.display()))?;
        let name = if package.name.is_empty() {
            String::new()
        } else {
            format!(" {}", package.name)
        };
        let classes: Vec<String> = package
            .applet_classes
            .iter()
            .map(|c| hex::encode(c))
            .collect();
        report.push(format!(
            "loaded package{name} ({}) from {}{}",
            hex::encode(&package.aid),
            path.display(),
            if classes.is_empty() {
                String::new()
            } else {
                format!("; applet classes {}", classes.join(", "))
            }
        ));
    }
    for spec in &args.install {
        let control: Vec<u8> = args.privileges.map(|p| p.to_vec()).unwrap_or_default();
        let mut request = InstallRequest::new(&spec.class_aid, &spec.instance_aid, &spec.params);
        if let Some(privileges) = args.privileges {
            // The install parameter block's control information carries the privileges,
            // as an INSTALL [for install] through a security domain would.
            request.privileges = Privileges(privileges);
            request.control = &control;
        }
        card.install_applet(&request).with_context(|| {
            format!(
                "cannot install {} from applet class {}",
                hex::encode(&spec.instance_aid),
                hex::encode(&spec.class_aid)
            )
        })?;
        report.push(format!(
            "installed applet {} (class {})",
            hex::encode(&spec.instance_aid),
            hex::encode(&spec.class_aid)
        ));
    }
    card.save_image(&args.image)
        .with_context(|| format!("cannot save card image {}", args.image.display()))?;
    for line in report {
        println!("{line}");
    }
    Ok(Outcome::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_specs_parse_with_defaults() {
        let s: InstallSpec = "F04A434F53100101".parse().unwrap();
        assert_eq!(s.class_aid, s.instance_aid);
        assert!(s.params.is_empty());
        let s: InstallSpec = "F04A434F53100200:F04A434F53100202:0100".parse().unwrap();
        assert_eq!(
            s.instance_aid,
            vec![0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x02, 0x02]
        );
        assert_eq!(s.params, vec![0x01, 0x00]);
        let s: InstallSpec = "F04A434F53100200::0100".parse().unwrap();
        assert_eq!(s.instance_aid, s.class_aid);
        assert!("".parse::<InstallSpec>().is_err());
        assert!("ZZ".parse::<InstallSpec>().is_err());
        assert!("01:02:03:04".parse::<InstallSpec>().is_err());
    }

    #[test]
    fn privileges_are_three_hex_bytes() {
        assert_eq!(parse_privileges("800000"), Ok([0x80, 0, 0]));
        assert!(parse_privileges("80").is_err());
        assert!(parse_privileges("80000000").is_err());
        assert!(parse_privileges("XYZ").is_err());
    }
}
