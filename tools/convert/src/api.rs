//! The API tables applets compile and link against: the built-in Java Card 3.0.5 and
//! GlobalPlatform 1.6 tables of `jcos-vm`, and the `jcos.framework` table of jcos's own COS
//! services (`vm/api/jcos-framework.json`, embedded here in the same schema).

use std::path::PathBuf;

use jcos_vm::api::ApiTable;
use jcos_vm::export::PackageView;

/// The `jcos.framework` table as committed under `vm/api/`.
pub const JCOS_FRAMEWORK_JSON: &str = include_str!("../../../vm/api/jcos-framework.json");

/// File name the `jcos.framework` table is known by.
pub const JCOS_FRAMEWORK_TABLE: &str = "jcos-framework.json";

/// A table that failed to load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("API table {table}: {message}")]
pub struct ApiTableError {
    /// Which table.
    pub table: String,
    /// What is wrong.
    pub message: String,
}

/// Every API table, named by its file.
#[derive(Debug, Clone)]
pub struct ApiSet {
    /// (file name, table), Java Card first, then GlobalPlatform, then jcos.
    pub tables: Vec<(String, ApiTable)>,
}

impl ApiSet {
    /// The built-in tables and the jcos framework table.
    pub fn load() -> Result<ApiSet, ApiTableError> {
        let builtin = jcos_vm::api::builtin().map_err(|e| ApiTableError {
            table: e.table.to_string(),
            message: e.message.clone(),
        })?;
        let jcos: ApiTable =
            serde_json::from_str(JCOS_FRAMEWORK_JSON).map_err(|e| ApiTableError {
                table: JCOS_FRAMEWORK_TABLE.into(),
                message: e.to_string(),
            })?;
        Ok(ApiSet {
            tables: vec![
                ("javacard-3.0.5.json".into(), builtin.javacard.clone()),
                (
                    "globalplatform-1.6.json".into(),
                    builtin.globalplatform.clone(),
                ),
                (JCOS_FRAMEWORK_TABLE.into(), jcos),
            ],
        })
    }

    /// The resolved views of every package, in table order.
    pub fn views(&self) -> Vec<PackageView> {
        self.tables
            .iter()
            .flat_map(|(_, t)| t.packages.iter().map(|p| p.to_view()))
            .collect()
    }
}

impl ApiSet {
    /// The export files of the `jcos.framework` table, as (path relative to an export
    /// directory, bytes): `jcos/framework/javacard/framework.exp`, the layout export paths use.
    pub fn jcos_export_files(&self) -> Result<Vec<(PathBuf, Vec<u8>)>, ApiTableError> {
        let views = self.views();
        let lookup = |name: &str| {
            views
                .iter()
                .find(|v| v.name == name)
                .map(crate::convert::exportfile::package_ref)
        };
        let mut out = Vec::new();
        for (file, table) in &self.tables {
            if file != JCOS_FRAMEWORK_TABLE {
                continue;
            }
            for p in &table.packages {
                let view = p.to_view();
                let refs = crate::convert::exportfile::referenced_packages(&view, &lookup);
                let export = crate::convert::exportfile::write(&view, &refs);
                let bytes = jcos_vm::export::write(&export).map_err(|e| ApiTableError {
                    table: file.clone(),
                    message: e.to_string(),
                })?;
                let last = p.name.rsplit('/').next().unwrap_or(&p.name);
                out.push((
                    PathBuf::from(format!("{}/javacard/{last}.exp", p.name)),
                    bytes,
                ));
            }
        }
        Ok(out)
    }
}
