//! Bytecode verification of CAP files before they link (ARCHITECTURE decision 9: verify
//! once, at load), with the export data of the packages they import.
//!
//! The verifier checks a package against the export data of its imports. For the API
//! packages that is the built-in tables; for packages loaded on the card the card has no
//! export files, only their CAP files, so their export data is derived from those: the
//! Export component names the public classes by token, the Descriptor component gives
//! every public and protected member with its token, access flags and type, and the Class
//! component the superclasses and interfaces. CAP files carry no names (unless they have a
//! Debug component, which the reference converter omits), so classes are named
//! `package/ClassN` after their token and members after their kind and token; the
//! verifier matches members by token and type, and constructors keep their name `<init>`
//! (the Descriptor's `ACC_INIT`).

use crate::content::ContentError;
use jcos_vm::cap::descriptor::{
    ClassDescriptorInfo, ACC_ABSTRACT, ACC_ABSTRACT_CLASS, ACC_FINAL, ACC_INIT, ACC_INTERFACE,
    ACC_PROTECTED, ACC_PUBLIC, ACC_STATIC, NO_TOKEN,
};
use jcos_vm::cap::{CapFile, ClassRef, JcType};
use jcos_vm::export::{
    access, ClassView, FieldView, FormatVersion, MethodView, PackageVersion, PackageView,
};
use jcos_vm::program::PackageId;
use jcos_vm::verify::{ImportResolver, ImportSet};
use jcos_vm::Vm;

/// Verifies `cap` against the built-in API packages and the packages loaded in `vm`.
pub(crate) fn verify(cap: &CapFile, vm: &Vm) -> Result<(), ContentError> {
    let imports = loaded_imports(vm)?;
    jcos_vm::verify::verify(cap, &imports)?;
    Ok(())
}

/// The built-in packages and the export data of every package loaded in `vm`, in load
/// order (each described with the packages before it, which are all it can import).
fn loaded_imports(vm: &Vm) -> Result<ImportSet, ContentError> {
    let mut set =
        ImportSet::builtin().map_err(|e| ContentError::Vm(jcos_vm::VmError::Api(e.to_string())))?;
    let program = vm.program();
    for (i, package) in program.packages.iter().enumerate() {
        if package.builtin || package.aid.is_empty() {
            continue;
        }
        let Some(cap) = u16::try_from(i)
            .ok()
            .and_then(|i| vm.package_cap(PackageId(i)))
        else {
            continue;
        };
        if let Some(view) = export_view(cap, &set) {
            set.add(view);
        }
    }
    Ok(set)
}

/// The name a package's view uses: its own name when the CAP file records one, else its
/// AID in hex.
fn package_name(cap: &CapFile) -> String {
    cap.package_name()
        .map(|n| n.replace('.', "/"))
        .unwrap_or_else(|| jcos_apdu::hex::encode(cap.package_aid().as_bytes()))
}

/// What the export data of a loaded package must describe, resolved against its imports.
struct Namer<'a> {
    cap: &'a CapFile,
    imports: &'a ImportSet,
    package: String,
}

impl Namer<'_> {
    fn descriptor_of(&self, offset: u16) -> Option<&ClassDescriptorInfo> {
        self.cap
            .descriptor
            .classes
            .iter()
            .find(|d| d.this_class_ref == ClassRef::Internal(offset))
    }

    /// The name of the class a reference names.
    fn class_name(&self, r: ClassRef) -> Option<String> {
        match r {
            ClassRef::Internal(offset) => {
                let d = self.descriptor_of(offset)?;
                Some(if d.token == NO_TOKEN {
                    format!("{}/Class@{offset:04X}", self.package)
                } else {
                    format!("{}/Class{}", self.package, d.token)
                })
            }
            ClassRef::External {
                package_token,
                class_token,
            } => {
                let aid = self.cap.import.package(package_token)?.aid.as_bytes();
                let view = self.imports.package(aid)?;
                Some(view.class_by_token(class_token)?.name.clone())
            }
        }
    }

    /// The export view of a class a reference names (for its supertypes).
    fn external_view(&self, r: ClassRef) -> Option<&ClassView> {
        let ClassRef::External {
            package_token,
            class_token,
        } = r
        else {
            return None;
        };
        let aid = self.cap.import.package(package_token)?.aid.as_bytes();
        self.imports.package(aid)?.class_by_token(class_token)
    }

    fn type_code(&self, t: JcType) -> Option<String> {
        Some(match t {
            JcType::Void => "V".into(),
            JcType::Boolean => "Z".into(),
            JcType::Byte => "B".into(),
            JcType::Short => "S".into(),
            JcType::Int => "I".into(),
            JcType::Reference(c) => format!("L{};", self.class_name(c)?),
            JcType::BooleanArray => "[Z".into(),
            JcType::ByteArray => "[B".into(),
            JcType::ShortArray => "[S".into(),
            JcType::IntArray => "[I".into(),
            JcType::ReferenceArray(c) => format!("[L{};", self.class_name(c)?),
        })
    }

    /// Superclasses (nearest first) and all interfaces of the class at `offset`.
    fn supertypes(&self, offset: u16) -> Option<(Vec<String>, Vec<String>)> {
        let mut supers = Vec::new();
        let mut interfaces = Vec::new();
        let class = &self.cap.class;
        let mut current = offset;
        // Bounded by the number of classes: a cycle in a verified package cannot occur, but
        // the walk must end on any input.
        for _ in 0..=class.classes.len() {
            let item = class.item_at(current)?;
            let jcos_vm::cap::class::ClassItem::Class(i) = item else {
                break;
            };
            let info = class.classes.get(i)?;
            for ii in &info.interfaces {
                interfaces.push(self.class_name(ii.interface)?);
                self.superinterfaces(ii.interface, &mut interfaces);
            }
            let sup = info.super_class_ref;
            supers.push(self.class_name(sup)?);
            match sup {
                ClassRef::Internal(next) => current = next,
                ClassRef::External { .. } => {
                    let view = self.external_view(sup)?;
                    supers.extend(view.supers.iter().cloned());
                    interfaces.extend(view.interfaces.iter().cloned());
                    break;
                }
            }
        }
        supers.dedup();
        interfaces.sort();
        interfaces.dedup();
        Some((supers, interfaces))
    }

    /// Adds the superinterfaces of interface `r` to `out`.
    fn superinterfaces(&self, r: ClassRef, out: &mut Vec<String>) {
        match r {
            ClassRef::Internal(offset) => {
                let class = &self.cap.class;
                if let Some(jcos_vm::cap::class::ClassItem::Interface(i)) = class.item_at(offset) {
                    if let Some(info) = class.interfaces.get(i) {
                        out.extend(
                            info.superinterfaces
                                .iter()
                                .filter_map(|s| self.class_name(*s)),
                        );
                    }
                }
            }
            ClassRef::External { .. } => {
                if let Some(view) = self.external_view(r) {
                    out.extend(view.interfaces.iter().cloned());
                }
            }
        }
    }

    fn is_shareable(&self, offset: u16) -> bool {
        let class = &self.cap.class;
        match class.item_at(offset) {
            Some(jcos_vm::cap::class::ClassItem::Interface(i)) => class
                .interfaces
                .get(i)
                .is_some_and(|info| info.flags & jcos_vm::cap::class::ACC_SHAREABLE != 0),
            _ => false,
        }
    }

    /// The exported view of the class exported with `token` at Class offset `offset`.
    fn class_view(&self, token: u8, offset: u16) -> Option<ClassView> {
        let d = self.descriptor_of(offset)?;
        let interface = d.access_flags & ACC_INTERFACE != 0;
        let mut flags = access::ACC_PUBLIC;
        if d.access_flags & ACC_FINAL != 0 {
            flags |= access::ACC_FINAL;
        }
        if interface {
            flags |= access::ACC_INTERFACE | access::ACC_ABSTRACT;
            if self.is_shareable(offset) {
                flags |= access::ACC_SHAREABLE;
            }
        } else if d.access_flags & ACC_ABSTRACT_CLASS != 0 {
            flags |= access::ACC_ABSTRACT;
        }
        let (supers, interfaces) = if interface {
            let mut out = Vec::new();
            self.superinterfaces(ClassRef::Internal(offset), &mut out);
            out.sort();
            out.dedup();
            (Vec::new(), out)
        } else {
            self.supertypes(offset)?
        };
        let visible = |a: u8| a & (ACC_PUBLIC | ACC_PROTECTED) != 0;
        let member_access = |a: u8| {
            let mut f = 0u16;
            if a & ACC_PUBLIC != 0 {
                f |= access::ACC_PUBLIC;
            }
            if a & ACC_PROTECTED != 0 {
                f |= access::ACC_PROTECTED;
            }
            if a & ACC_STATIC != 0 {
                f |= access::ACC_STATIC;
            }
            if a & ACC_FINAL != 0 {
                f |= access::ACC_FINAL;
            }
            f
        };
        let mut fields = Vec::new();
        for f in d
            .fields
            .iter()
            .filter(|f| visible(f.access_flags) && f.token != NO_TOKEN)
        {
            let t = match f.primitive_type() {
                Some(t) => t,
                None => *self
                    .cap
                    .descriptor
                    .type_at(f.type_)?
                    .types()
                    .ok()?
                    .first()?,
            };
            let kind = if f.access_flags & ACC_STATIC != 0 {
                's'
            } else {
                'i'
            };
            fields.push(FieldView {
                name: format!("{kind}field{}", f.token),
                descriptor: self.type_code(t)?,
                token: f.token,
                access: member_access(f.access_flags),
                constant: None,
            });
        }
        let mut methods = Vec::new();
        for m in d
            .methods
            .iter()
            .filter(|m| visible(m.access_flags) && m.token != NO_TOKEN)
        {
            let types = self.cap.descriptor.type_at(m.type_offset)?.types().ok()?;
            let (ret, params) = types.split_last()?;
            let mut descriptor = String::from("(");
            for p in params {
                descriptor.push_str(&self.type_code(*p)?);
            }
            descriptor.push(')');
            descriptor.push_str(&self.type_code(*ret)?);
            let name = if m.access_flags & ACC_INIT != 0 {
                "<init>".to_string()
            } else if m.access_flags & ACC_STATIC != 0 {
                format!("static{}", m.token)
            } else {
                format!("method{}", m.token)
            };
            let mut flags = member_access(m.access_flags);
            if m.access_flags & ACC_ABSTRACT != 0 {
                flags |= access::ACC_ABSTRACT;
            }
            methods.push(MethodView {
                name,
                descriptor,
                token: m.token,
                access: flags,
            });
        }
        Some(ClassView {
            name: format!("{}/Class{token}", self.package),
            token,
            access: flags,
            supers,
            interfaces,
            fields,
            methods,
        })
    }
}

/// The export data of a loaded package, derived from its CAP file; `None` when its
/// components do not describe it consistently (it then cannot be imported).
fn export_view(cap: &CapFile, imports: &ImportSet) -> Option<PackageView> {
    let namer = Namer {
        cap,
        imports,
        package: package_name(cap),
    };
    let mut classes = Vec::new();
    if let Some(export) = &cap.export {
        for (token, e) in export.class_exports.iter().enumerate() {
            let token = u8::try_from(token).ok()?;
            classes.push(namer.class_view(token, e.class_offset)?);
        }
    }
    let package = &cap.header.package;
    Some(PackageView {
        name: namer.package,
        aid: cap.package_aid().as_bytes().to_vec(),
        version: PackageVersion {
            major: package.major_version,
            minor: package.minor_version,
        },
        is_library: cap.applet.is_none(),
        format: FormatVersion::V2_1,
        referenced_packages: Vec::new(),
        classes,
    })
}
