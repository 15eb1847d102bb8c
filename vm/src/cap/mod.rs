//! The CAP file model (JCVM 3.0.5 chapter 6, formats 2.1 and 2.2): every component parsed into
//! a struct named and laid out as in the specification, written back byte for byte, in both the
//! JAR form and the raw concatenated-component form.
//!
//! Format 2.1 is what the Java Card 3.0.5 converter emits for packages without remote
//! interfaces; 2.2 adds the package name to the Header, a twelfth (Debug) size to the
//! Directory, and a signature pool and remote interface data to the Class component. Both are
//! read. Format 2.3 (Java Card 3.1 compact/extended CAP files) changes several components and
//! is rejected.
//!
//! Parsing checks every length, count, offset and index against the component it is in, and
//! the cheap structural relations between components (Directory sizes, Header flags, package
//! tokens, offsets into the Class and Method components and the static field image). Bytecode
//! and type checks belong to the verifier.
#![warn(missing_docs)]
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

pub mod applet;
mod check;
pub mod class;
mod common;
pub mod constant_pool;
mod container;
pub mod debug;
pub mod descriptor;
pub mod directory;
pub mod dump;
mod error;
pub mod export;
pub mod header;
pub mod import;
pub mod method;
mod reader;
pub mod reference_location;
pub mod static_field;
mod tag;
mod writer;

pub use applet::{AppletComponent, AppletInfo};
pub use class::{
    ClassComponent, ClassInfo, ClassItem, ImplementedInterfaceInfo, InterfaceInfo,
    RemoteInterfaceInfo, RemoteMethodInfo,
};
pub use common::{hex, Aid, CapFormat, ClassRef, JcType, PackageInfo, StaticRef, TypeDescriptor};
pub use constant_pool::{ConstantPoolComponent, CpInfo};
pub use container::{MAX_JAR_ENTRIES, MAX_JAR_SIZE};
pub use debug::{
    ClassDebugInfo, DebugComponent, FieldDebugInfo, LineInfo, MethodDebugInfo, VariableInfo,
};
pub use descriptor::{
    ClassDescriptorInfo, DescriptorComponent, FieldDescriptorInfo, FieldRef, MethodDescriptorInfo,
    TypeDescriptorInfo,
};
pub use directory::{CustomComponentInfo, DirectoryComponent, StaticFieldSizeInfo};
pub use error::{CapError, Problem};
pub use export::{ClassExportInfo, ExportComponent};
pub use header::HeaderComponent;
pub use import::ImportComponent;
pub use method::{ExceptionHandlerInfo, MethodComponent, MethodHeaderInfo, MethodInfo};
pub use reference_location::ReferenceLocationComponent;
pub use static_field::{ArrayInitInfo, StaticFieldComponent};
pub use tag::ComponentTag;

/// A custom component (tag 128–255, §6.1.2), kept as its raw `info` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomComponent {
    /// The component's tag.
    pub tag: u8,
    /// The file name it had in the JAR form, if it came from one.
    pub file_name: Option<String>,
    /// The `info` bytes.
    pub info: Vec<u8>,
}

/// One component as found in a container, before parsing: its tag and `info` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawComponent {
    /// The tag.
    pub tag: ComponentTag,
    /// The `info` bytes (the `size` item is their length).
    pub info: Vec<u8>,
    /// The JAR entry name it came from, if any.
    pub file_name: Option<String>,
}

/// A parsed CAP file: one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapFile {
    /// Header component.
    pub header: HeaderComponent,
    /// Directory component.
    pub directory: DirectoryComponent,
    /// Applet component (only if the package defines applets).
    pub applet: Option<AppletComponent>,
    /// Import component.
    pub import: ImportComponent,
    /// ConstantPool component.
    pub constant_pool: ConstantPoolComponent,
    /// Class component.
    pub class: ClassComponent,
    /// Method component.
    pub method: MethodComponent,
    /// StaticField component.
    pub static_field: StaticFieldComponent,
    /// ReferenceLocation component.
    pub reference_location: ReferenceLocationComponent,
    /// Export component (only if other packages may link to this one).
    pub export: Option<ExportComponent>,
    /// Descriptor component.
    pub descriptor: DescriptorComponent,
    /// Debug component (format 2.2, optional).
    pub debug: Option<DebugComponent>,
    /// Custom components.
    pub custom: Vec<CustomComponent>,
    /// The `<package path>` of the JAR entries (`javacard/framework`), if read from a JAR.
    pub jar_package_path: Option<String>,
}

/// One method of the package, located through the Descriptor component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodEntry<'a> {
    /// Index of the declaring class in the Descriptor component.
    pub class_index: usize,
    /// Index of the method in that class's descriptor.
    pub method_index: usize,
    /// The method's descriptor.
    pub descriptor: &'a MethodDescriptorInfo,
    /// Header and bytecodes; `None` for abstract methods without a `method_info`.
    pub method: Option<MethodInfo<'a>>,
    /// The exception handlers the descriptor assigns to it.
    pub handlers: &'a [ExceptionHandlerInfo],
}

impl CapFile {
    /// Parses a CAP file in either form, telling them apart by the zip signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CapError> {
        if container::is_zip(bytes) {
            Self::from_jar_bytes(bytes)
        } else {
            Self::from_ijc_bytes(bytes)
        }
    }

    /// Parses the JAR form: a zip with `<package path>/javacard/<Component>.cap` entries.
    pub fn from_jar_bytes(bytes: &[u8]) -> Result<Self, CapError> {
        let (raw, path) = container::read_jar(bytes)?;
        Self::from_components(raw, Some(path))
    }

    /// Parses the raw form: components back to back, each `tag u1, size u2, info[size]`.
    pub fn from_ijc_bytes(bytes: &[u8]) -> Result<Self, CapError> {
        let raw = container::read_ijc(bytes)?;
        Self::from_components(raw, None)
    }

    /// Parses and cross-checks a set of components.
    pub fn from_components(
        raw: Vec<RawComponent>,
        jar_package_path: Option<String>,
    ) -> Result<Self, CapError> {
        let mut slots: [Option<Vec<u8>>; 12] = Default::default();
        let mut custom = Vec::new();
        for rc in raw {
            if rc.tag.is_custom() {
                if custom.iter().any(|c: &CustomComponent| c.tag == rc.tag.0) {
                    return Err(CapError::Duplicate(rc.tag));
                }
                custom.push(CustomComponent {
                    tag: rc.tag.0,
                    file_name: rc.file_name,
                    info: rc.info,
                });
                continue;
            }
            let slot = rc
                .tag
                .directory_index()
                .and_then(|i| slots.get_mut(i))
                .ok_or_else(|| CapError::invalid(rc.tag, 0, "reserved component tag"))?;
            if slot.is_some() {
                return Err(CapError::Duplicate(rc.tag));
            }
            *slot = Some(rc.info);
        }
        let take = |slots: &mut [Option<Vec<u8>>; 12], tag: ComponentTag| {
            tag.directory_index()
                .and_then(|i| slots.get_mut(i))
                .and_then(Option::take)
        };
        let need = |slots: &mut [Option<Vec<u8>>; 12], tag: ComponentTag| {
            take(slots, tag).ok_or(CapError::Missing(tag))
        };
        for tag in ComponentTag::REQUIRED {
            if tag
                .directory_index()
                .and_then(|i| slots.get(i))
                .is_none_or(Option::is_none)
            {
                return Err(CapError::Missing(tag));
            }
        }
        let header_info = need(&mut slots, ComponentTag::HEADER)?;
        let header = HeaderComponent::parse(&header_info)?;
        let format = header.format().ok_or_else(|| {
            CapError::invalid(ComponentTag::HEADER, 4, "unsupported CAP format version")
        })?;
        let directory_info = need(&mut slots, ComponentTag::DIRECTORY)?;
        let directory = DirectoryComponent::parse(&directory_info, format)?;
        let applet_info = take(&mut slots, ComponentTag::APPLET);
        let import_info = need(&mut slots, ComponentTag::IMPORT)?;
        let cp_info = need(&mut slots, ComponentTag::CONSTANT_POOL)?;
        let class_info = need(&mut slots, ComponentTag::CLASS)?;
        let method_info = need(&mut slots, ComponentTag::METHOD)?;
        let sf_info = need(&mut slots, ComponentTag::STATIC_FIELD)?;
        let rl_info = need(&mut slots, ComponentTag::REFERENCE_LOCATION)?;
        let export_info = take(&mut slots, ComponentTag::EXPORT);
        let descriptor_info = need(&mut slots, ComponentTag::DESCRIPTOR)?;
        let debug_info = take(&mut slots, ComponentTag::DEBUG);
        if debug_info.is_some() && format == CapFormat::V2_1 {
            return Err(CapError::invalid(
                ComponentTag::DEBUG,
                0,
                "the Debug component needs CAP format 2.2",
            ));
        }
        let sizes = check::ActualSizes {
            sizes: [
                Some(header_info.len()),
                Some(directory_info.len()),
                applet_info.as_ref().map(Vec::len),
                Some(import_info.len()),
                Some(cp_info.len()),
                Some(class_info.len()),
                Some(method_info.len()),
                Some(sf_info.len()),
                Some(rl_info.len()),
                export_info.as_ref().map(Vec::len),
                Some(descriptor_info.len()),
                debug_info.as_ref().map(Vec::len),
            ],
        };
        let cap = CapFile {
            header,
            directory,
            applet: applet_info
                .as_deref()
                .map(AppletComponent::parse)
                .transpose()?,
            import: ImportComponent::parse(&import_info)?,
            constant_pool: ConstantPoolComponent::parse(&cp_info)?,
            class: ClassComponent::parse(&class_info, format)?,
            method: MethodComponent::parse(&method_info)?,
            static_field: StaticFieldComponent::parse(&sf_info)?,
            reference_location: ReferenceLocationComponent::parse(&rl_info)?,
            export: export_info
                .as_deref()
                .map(ExportComponent::parse)
                .transpose()?,
            descriptor: DescriptorComponent::parse(&descriptor_info)?,
            debug: debug_info
                .as_deref()
                .map(DebugComponent::parse)
                .transpose()?,
            custom,
            jar_package_path,
        };
        check::cross_check(&cap, &sizes)?;
        Ok(cap)
    }

    /// The CAP format (from the Header).
    pub fn format(&self) -> Option<CapFormat> {
        self.header.format()
    }

    /// The package AID.
    pub fn package_aid(&self) -> &Aid {
        &self.header.package.aid
    }

    /// The package name in dotted form, from the Header (format 2.2) or the JAR entry path.
    pub fn package_name(&self) -> Option<String> {
        self.header.package_name_dotted().or_else(|| {
            self.jar_package_path
                .as_ref()
                .filter(|p| !p.is_empty())
                .map(|p| p.replace('/', "."))
        })
    }

    /// The components present, as tags, in tag order (custom ones last).
    pub fn tags(&self) -> Vec<ComponentTag> {
        let mut out: Vec<ComponentTag> = ComponentTag::STANDARD
            .into_iter()
            .filter(|t| self.has(*t))
            .collect();
        out.extend(self.custom.iter().map(|c| ComponentTag(c.tag)));
        out
    }

    /// Whether the component with `tag` is present.
    pub fn has(&self, tag: ComponentTag) -> bool {
        match tag {
            ComponentTag::APPLET => self.applet.is_some(),
            ComponentTag::EXPORT => self.export.is_some(),
            ComponentTag::DEBUG => self.debug.is_some(),
            t if t.is_standard() => true,
            t => self.custom.iter().any(|c| c.tag == t.0),
        }
    }

    /// The encoded `info` item of component `tag`.
    pub fn info_bytes(&self, tag: ComponentTag) -> Result<Vec<u8>, CapError> {
        let absent = || CapError::NotPresent(tag);
        match tag {
            ComponentTag::HEADER => self.header.info_bytes(),
            ComponentTag::DIRECTORY => self.directory.info_bytes(),
            ComponentTag::APPLET => self.applet.as_ref().ok_or_else(absent)?.info_bytes(),
            ComponentTag::IMPORT => self.import.info_bytes(),
            ComponentTag::CONSTANT_POOL => self.constant_pool.info_bytes(),
            ComponentTag::CLASS => self.class.info_bytes(),
            ComponentTag::METHOD => self.method.info_bytes(),
            ComponentTag::STATIC_FIELD => self.static_field.info_bytes(),
            ComponentTag::REFERENCE_LOCATION => self.reference_location.info_bytes(),
            ComponentTag::EXPORT => self.export.as_ref().ok_or_else(absent)?.info_bytes(),
            ComponentTag::DESCRIPTOR => self.descriptor.info_bytes(),
            ComponentTag::DEBUG => self.debug.as_ref().ok_or_else(absent)?.info_bytes(),
            t => self
                .custom
                .iter()
                .find(|c| c.tag == t.0)
                .map(|c| c.info.clone())
                .ok_or_else(absent),
        }
    }

    /// The exact bytes of component `tag`: `tag`, `size`, then `info`.
    pub fn component_bytes(&self, tag: ComponentTag) -> Result<Vec<u8>, CapError> {
        let info = self.info_bytes(tag)?;
        let size = u16::try_from(info.len()).map_err(|_| CapError::Write {
            component: tag,
            what: format!("info is {} bytes, more than 65535", info.len()),
        })?;
        let mut out = Vec::with_capacity(info.len().saturating_add(3));
        out.push(tag.0);
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(&info);
        Ok(out)
    }

    /// The components in raw-form order: the §6.2 load order, then Debug, then custom ones.
    pub fn ijc_order(&self) -> Vec<ComponentTag> {
        let mut out: Vec<ComponentTag> = ComponentTag::LOAD_ORDER
            .into_iter()
            .filter(|t| self.has(*t))
            .collect();
        if self.debug.is_some() {
            out.push(ComponentTag::DEBUG);
        }
        out.extend(self.custom.iter().map(|c| ComponentTag(c.tag)));
        out
    }

    /// The raw form: every component, in [`CapFile::ijc_order`].
    pub fn to_ijc_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut out = Vec::new();
        for tag in self.ijc_order() {
            out.extend_from_slice(&self.component_bytes(tag)?);
        }
        Ok(out)
    }

    /// The JAR form with components under `<package_path>/javacard/` (`package_path` like
    /// `com/example/wallet`). Deterministic: fixed entry order and timestamps, stored entries.
    pub fn to_jar_bytes(&self, package_path: &str) -> Result<Vec<u8>, CapError> {
        container::write_jar(self, package_path)
    }

    /// Header and bytecodes of the method at Method component offset `offset`, with the
    /// bytecode length the Descriptor component gives for it.
    pub fn method_at(&self, offset: u16) -> Result<MethodInfo<'_>, CapError> {
        let d = self
            .descriptor
            .methods()
            .map(|(_, m)| m)
            .find(|m| m.method_offset == offset && !(m.is_abstract() && m.method_offset == 0))
            .ok_or_else(|| {
                CapError::invalid(
                    ComponentTag::METHOD,
                    usize::from(offset),
                    format!("no method descriptor has method_offset {offset:#06x}"),
                )
            })?;
        self.method.method_at(offset, d.bytecode_count)
    }

    /// Every method of the package, in Descriptor component order.
    pub fn methods(&self) -> Result<Vec<MethodEntry<'_>>, CapError> {
        let mut out = Vec::new();
        for (ci, c) in self.descriptor.classes.iter().enumerate() {
            for (mi, d) in c.methods.iter().enumerate() {
                let method = if d.is_abstract() && d.method_offset == 0 {
                    None
                } else {
                    Some(self.method.method_at(d.method_offset, d.bytecode_count)?)
                };
                let start = usize::from(d.exception_handler_index);
                let end = start.saturating_add(usize::from(d.exception_handler_count));
                let handlers = self
                    .method
                    .exception_handlers
                    .get(start..end)
                    .ok_or_else(|| {
                        CapError::invalid(
                            ComponentTag::DESCRIPTOR,
                            0,
                            format!("method handlers {start}..{end} beyond the handler table"),
                        )
                    })?;
                out.push(MethodEntry {
                    class_index: ci,
                    method_index: mi,
                    descriptor: d,
                    method,
                    handlers,
                });
            }
        }
        Ok(out)
    }
}
