//! The built-in API tables: Java Card 3.0.5, GlobalPlatform 1.6 and jcos.framework 1.1
//! packages (AIDs, versions, class, method and field tokens, descriptors, constants),
//! embedded from `vm/api/*.json`.
//!
//! The tables are parsed once, on first use. Each package converts to the same
//! [`PackageView`] as a user package's export file, so the linker resolves references to
//! built-in and user packages alike.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

mod table;

use std::sync::OnceLock;

use crate::export::PackageView;

pub use table::{ApiClass, ApiField, ApiMethod, ApiPackage, ApiTable};

const JAVACARD_JSON: &str = include_str!("../../api/javacard-3.0.5.json");
const GLOBALPLATFORM_JSON: &str = include_str!("../../api/globalplatform-1.6.json");
const JCOS_JSON: &str = include_str!("../../api/jcos-framework.json");

/// A built-in table that does not match the expected schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("built-in API table {table}: {message}")]
pub struct ApiError {
    /// File name of the table.
    pub table: &'static str,
    /// What is wrong, with line and column.
    pub message: String,
}

/// All built-in packages, each with its resolved view.
#[derive(Debug)]
pub struct Api {
    /// The Java Card 3.0.5 packages.
    pub javacard: ApiTable,
    /// The GlobalPlatform 1.6 packages.
    pub globalplatform: ApiTable,
    /// `jcos.framework`, the card operating system's own services.
    pub jcos: ApiTable,
    views: Vec<PackageView>,
}

/// The built-in tables, parsed on first use.
pub fn builtin() -> Result<&'static Api, &'static ApiError> {
    static API: OnceLock<Result<Api, ApiError>> = OnceLock::new();
    API.get_or_init(load).as_ref()
}

fn load() -> Result<Api, ApiError> {
    let javacard = ApiTable::from_json("javacard-3.0.5.json", JAVACARD_JSON)?;
    let globalplatform = ApiTable::from_json("globalplatform-1.6.json", GLOBALPLATFORM_JSON)?;
    let jcos = ApiTable::from_json("jcos-framework.json", JCOS_JSON)?;
    let views = javacard
        .packages
        .iter()
        .chain(&globalplatform.packages)
        .chain(&jcos.packages)
        .map(export_view)
        .collect();
    Ok(Api {
        javacard,
        globalplatform,
        jcos,
        views,
    })
}

/// The resolved view of a built-in package, the form export files take after parsing.
pub fn export_view(pkg: &ApiPackage) -> PackageView {
    pkg.to_view()
}

/// `javacard.framework` and `javacard/framework` name the same package.
fn internal_form(name: &str) -> String {
    name.replace('.', "/")
}

impl Api {
    /// Every built-in package: Java Card, then GlobalPlatform, then jcos.
    pub fn packages(&self) -> impl Iterator<Item = &ApiPackage> {
        self.javacard
            .packages
            .iter()
            .chain(&self.globalplatform.packages)
            .chain(&self.jcos.packages)
    }

    /// The views of every built-in package, in the order of [`Api::packages`].
    pub fn views(&self) -> &[PackageView] {
        &self.views
    }

    /// The built-in package with this AID.
    pub fn package_by_aid(&self, aid: &[u8]) -> Option<&ApiPackage> {
        self.packages().find(|p| p.aid == aid)
    }

    /// The built-in package with this name (`/` or `.` separated).
    pub fn package_by_name(&self, name: &str) -> Option<&ApiPackage> {
        let name = internal_form(name);
        self.packages().find(|p| p.name == name)
    }

    /// The view of the built-in package with this AID.
    pub fn view_by_aid(&self, aid: &[u8]) -> Option<&PackageView> {
        self.views.iter().find(|v| v.aid == aid)
    }

    /// The view of the built-in package with this name (`/` or `.` separated).
    pub fn view_by_name(&self, name: &str) -> Option<&PackageView> {
        let name = internal_form(name);
        self.views.iter().find(|v| v.name == name)
    }

    /// The value of the compile-time constant `field` of `class` (fully qualified, either
    /// separator), e.g. `("javacard.framework.ISO7816", "SW_FILE_NOT_FOUND")`.
    pub fn constant(&self, class: &str, field: &str) -> Option<i32> {
        let class = internal_form(class);
        let (package, _) = class.rsplit_once('/')?;
        self.view_by_name(package)?.constant(&class, field)
    }
}
