//! The JSON schema of the API tables, deserialized strictly: an unknown key is an error, so a
//! schema change cannot go unnoticed.

use serde::{Deserialize, Deserializer};

use super::ApiError;
use crate::export::{ClassView, FieldView, FormatVersion, MethodView, PackageVersion, PackageView};

/// One API table file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiTable {
    /// Platform the table describes (`3.0.5`, `gp-1.6`).
    pub javacard_version: String,
    /// The packages.
    pub packages: Vec<ApiPackage>,
    /// Provenance of the data.
    #[serde(rename = "_about")]
    pub about: String,
}

/// A built-in package.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiPackage {
    /// Package name, `/`-separated.
    #[serde(rename = "package")]
    pub name: String,
    /// Package AID (hex in the JSON), 5 to 16 bytes.
    #[serde(deserialize_with = "aid")]
    pub aid: Vec<u8>,
    /// Package version.
    #[serde(deserialize_with = "from_str")]
    pub version: PackageVersion,
    /// Format of the export file the data was taken from.
    #[serde(deserialize_with = "from_str")]
    pub export_format: FormatVersion,
    /// Public classes and interfaces.
    pub classes: Vec<ApiClass>,
}

/// A public class or interface of a built-in package.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiClass {
    /// Fully qualified name, `/`-separated.
    pub name: String,
    /// Class token.
    pub token: u8,
    /// Access flags in export file encoding.
    pub access: u16,
    /// All superclasses, fully qualified.
    pub supers: Vec<String>,
    /// All implemented or super-interfaces, fully qualified.
    pub interfaces: Vec<String>,
    /// Public and protected fields.
    pub fields: Vec<ApiField>,
    /// Public and protected methods.
    pub methods: Vec<ApiMethod>,
}

/// A field of a built-in class.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiField {
    /// Field name.
    pub name: String,
    /// Field descriptor.
    pub descriptor: String,
    /// Field token, 255 for compile-time constants.
    pub token: u8,
    /// Access flags.
    pub access: u16,
    /// Value of a compile-time constant.
    #[serde(default)]
    pub constant: Option<i32>,
}

/// A method of a built-in class.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiMethod {
    /// Method name (`<init>` for constructors).
    pub name: String,
    /// Method descriptor.
    pub descriptor: String,
    /// Static, virtual or interface method token.
    pub token: u8,
    /// Access flags.
    pub access: u16,
}

fn from_str<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr<Err = String>,
{
    let s = String::deserialize(d)?;
    s.parse().map_err(serde::de::Error::custom)
}

fn aid<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    let bytes = jcos_apdu::hex::decode(&s).map_err(serde::de::Error::custom)?;
    if !(5..=16).contains(&bytes.len()) {
        return Err(serde::de::Error::custom(format!(
            "AID {s} has {} bytes, expected 5..=16",
            bytes.len()
        )));
    }
    Ok(bytes)
}

impl ApiTable {
    /// Parses one table.
    pub(super) fn from_json(table: &'static str, json: &str) -> Result<ApiTable, ApiError> {
        serde_json::from_str(json).map_err(|e| ApiError {
            table,
            message: e.to_string(),
        })
    }
}

impl ApiPackage {
    /// The resolved view; built-in packages are libraries (they declare no applets) and
    /// reference no other packages in their export format.
    pub fn to_view(&self) -> PackageView {
        PackageView {
            name: self.name.clone(),
            aid: self.aid.clone(),
            version: self.version,
            is_library: true,
            format: self.export_format,
            referenced_packages: Vec::new(),
            classes: self.classes.iter().map(ApiClass::to_view).collect(),
        }
    }
}

impl ApiClass {
    /// The resolved view of this class.
    pub fn to_view(&self) -> ClassView {
        ClassView {
            name: self.name.clone(),
            token: self.token,
            access: self.access,
            supers: self.supers.clone(),
            interfaces: self.interfaces.clone(),
            fields: self
                .fields
                .iter()
                .map(|f| FieldView {
                    name: f.name.clone(),
                    descriptor: f.descriptor.clone(),
                    token: f.token,
                    access: f.access,
                    constant: f.constant,
                })
                .collect(),
            methods: self
                .methods
                .iter()
                .map(|m| MethodView {
                    name: m.name.clone(),
                    descriptor: m.descriptor.clone(),
                    token: m.token,
                    access: m.access,
                })
                .collect(),
        }
    }
}
