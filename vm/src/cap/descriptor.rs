//! The Descriptor component (§6.13): every class, field and method of the package with its
//! access flags and type, and the types of constant pool entries. It is what locates methods
//! in the Method component (offset and bytecode count) for verifiers and tools.

use super::common::{ClassRef, JcType, StaticRef, TypeDescriptor};
use super::error::CapError;
use super::reader::Reader;
use super::tag::ComponentTag;
use super::writer::Writer;

/// Access flag: public (classes, fields, methods).
pub const ACC_PUBLIC: u8 = 0x01;
/// Access flag: private (fields, methods).
pub const ACC_PRIVATE: u8 = 0x02;
/// Access flag: protected (fields, methods).
pub const ACC_PROTECTED: u8 = 0x04;
/// Access flag: static (fields, methods).
pub const ACC_STATIC: u8 = 0x08;
/// Access flag: final.
pub const ACC_FINAL: u8 = 0x10;
/// Class access flag: interface.
pub const ACC_INTERFACE: u8 = 0x40;
/// Class access flag: abstract.
pub const ACC_ABSTRACT_CLASS: u8 = 0x80;
/// Method access flag: abstract.
pub const ACC_ABSTRACT: u8 = 0x40;
/// Method access flag: constructor (`<init>`).
pub const ACC_INIT: u8 = 0x80;

/// Token value of members that have none (private and package-visible static members,
/// private virtual methods).
pub const NO_TOKEN: u8 = 0xFF;

/// Value of `constant_pool_types` for entries without a type (class references).
pub const NO_TYPE: u16 = 0xFFFF;

/// A field's location: static fields have a static reference, instance fields a class and
/// instance field token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRef {
    /// `static_field` (`ACC_STATIC` set).
    Static(StaticRef),
    /// `instance_field`.
    Instance {
        /// The declaring class.
        class: ClassRef,
        /// Instance field token.
        token: u8,
    },
}

/// `field_descriptor_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDescriptorInfo {
    /// Field token, or [`NO_TOKEN`].
    pub token: u8,
    /// `ACC_PUBLIC`, `ACC_PRIVATE`, `ACC_PROTECTED`, `ACC_STATIC`, `ACC_FINAL`.
    pub access_flags: u8,
    /// Where the field lives.
    pub field_ref: FieldRef,
    /// `primitive_type` (`0x8002` boolean … `0x8005` int) or `reference_type` (offset of a
    /// type descriptor in `type_descriptor_info`).
    pub type_: u16,
}

impl FieldDescriptorInfo {
    /// Encoded size in bytes.
    pub const SIZE: usize = 7;

    /// The primitive type, if the field has one.
    pub fn primitive_type(&self) -> Option<JcType> {
        JcType::from_primitive_type(self.type_)
    }
}

/// `method_descriptor_info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodDescriptorInfo {
    /// Method token, or [`NO_TOKEN`].
    pub token: u8,
    /// `ACC_PUBLIC` … `ACC_ABSTRACT`, `ACC_INIT`.
    pub access_flags: u8,
    /// Offset of the `method_info` in the Method component (0 for interface methods).
    pub method_offset: u16,
    /// Offset of the method's type descriptor in `type_descriptor_info`.
    pub type_offset: u16,
    /// Bytes of bytecode (header excluded).
    pub bytecode_count: u16,
    /// Exception handlers protecting this method's code.
    pub exception_handler_count: u16,
    /// Index of the first of them in the Method component's handler table.
    pub exception_handler_index: u16,
}

impl MethodDescriptorInfo {
    /// Encoded size in bytes.
    pub const SIZE: usize = 12;

    /// Whether the method is abstract (interface methods included).
    pub fn is_abstract(&self) -> bool {
        self.access_flags & ACC_ABSTRACT != 0
    }

    /// Whether the method is static.
    pub fn is_static(&self) -> bool {
        self.access_flags & ACC_STATIC != 0
    }
}

/// `class_descriptor_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDescriptorInfo {
    /// Class token, or [`NO_TOKEN`] for package-visible classes.
    pub token: u8,
    /// `ACC_PUBLIC`, `ACC_FINAL`, `ACC_INTERFACE`, `ACC_ABSTRACT_CLASS`.
    pub access_flags: u8,
    /// The class itself (internal reference).
    pub this_class_ref: ClassRef,
    /// Interfaces the class implements.
    pub interfaces: Vec<ClassRef>,
    /// Fields declared by the class.
    pub fields: Vec<FieldDescriptorInfo>,
    /// Methods declared by the class.
    pub methods: Vec<MethodDescriptorInfo>,
}

impl ClassDescriptorInfo {
    fn encoded_len(&self) -> usize {
        self.interfaces
            .len()
            .saturating_mul(2)
            .saturating_add(self.fields.len().saturating_mul(FieldDescriptorInfo::SIZE))
            .saturating_add(
                self.methods
                    .len()
                    .saturating_mul(MethodDescriptorInfo::SIZE),
            )
            .saturating_add(9)
    }

    /// Whether this describes an interface.
    pub fn is_interface(&self) -> bool {
        self.access_flags & ACC_INTERFACE != 0
    }
}

/// `type_descriptor_info`: the types of constant pool entries and every type descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDescriptorInfo {
    /// Type offset of each constant pool entry, or [`NO_TYPE`].
    pub constant_pool_types: Vec<u16>,
    /// The type descriptors.
    pub type_desc: Vec<TypeDescriptor>,
}

impl TypeDescriptorInfo {
    /// Offset (within `type_descriptor_info`, the origin type offsets use) of each descriptor.
    pub fn type_desc_offsets(&self) -> Vec<usize> {
        let mut at = self
            .constant_pool_types
            .len()
            .saturating_mul(2)
            .saturating_add(2);
        self.type_desc
            .iter()
            .map(|t| {
                let here = at;
                at = at.saturating_add(t.encoded_len());
                here
            })
            .collect()
    }

    /// The descriptor at type offset `offset`.
    pub fn at(&self, offset: u16) -> Option<&TypeDescriptor> {
        let offsets = self.type_desc_offsets();
        let i = offsets.binary_search(&usize::from(offset)).ok()?;
        self.type_desc.get(i)
    }
}

/// Where each descriptor item sits in the component (offsets into `info`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DescriptorLayout {
    /// Per class: its offset, its fields' offsets and its methods' offsets.
    pub classes: Vec<(usize, Vec<usize>, Vec<usize>)>,
    /// Offset of `type_descriptor_info`.
    pub types: usize,
}

/// `descriptor_component`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescriptorComponent {
    /// Classes and interfaces of the package.
    pub classes: Vec<ClassDescriptorInfo>,
    /// Types.
    pub types: TypeDescriptorInfo,
}

impl DescriptorComponent {
    /// Offsets of every item, for error messages and dumps.
    pub fn layout(&self) -> DescriptorLayout {
        let mut at = 1usize;
        let mut classes = Vec::with_capacity(self.classes.len());
        for c in &self.classes {
            let start = at;
            let mut p = start
                .saturating_add(9)
                .saturating_add(c.interfaces.len().saturating_mul(2));
            let mut fields = Vec::with_capacity(c.fields.len());
            for _ in &c.fields {
                fields.push(p);
                p = p.saturating_add(FieldDescriptorInfo::SIZE);
            }
            let mut methods = Vec::with_capacity(c.methods.len());
            for _ in &c.methods {
                methods.push(p);
                p = p.saturating_add(MethodDescriptorInfo::SIZE);
            }
            classes.push((start, fields, methods));
            at = at.saturating_add(c.encoded_len());
        }
        DescriptorLayout { classes, types: at }
    }

    /// The type descriptor at type offset `offset`.
    pub fn type_at(&self, offset: u16) -> Option<&TypeDescriptor> {
        self.types.at(offset)
    }

    /// Every method descriptor with its class index, in component order.
    pub fn methods(&self) -> impl Iterator<Item = (usize, &MethodDescriptorInfo)> {
        self.classes
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.methods.iter().map(move |m| (i, m)))
    }

    /// Parses the `info` item.
    pub fn parse(info: &[u8]) -> Result<Self, CapError> {
        let mut r = Reader::new(ComponentTag::DESCRIPTOR, info);
        let class_count = r.u1("class_count")?;
        r.check_table(usize::from(class_count), 9, "classes")?;
        let mut classes = Vec::with_capacity(usize::from(class_count));
        // Offsets of every type reference, checked once the type table is known.
        let mut type_refs: Vec<(usize, u16, &'static str)> = Vec::new();
        for _ in 0..class_count {
            let token = r.u1("class token")?;
            let access_flags = r.u1("class access_flags")?;
            let this_class_ref = ClassRef::read(&mut r, "this_class_ref")?;
            let interface_count = r.u1("interface_count")?;
            let field_count = r.u2("field_count")?;
            let method_count = r.u2("method_count")?;
            let mut interfaces = Vec::with_capacity(usize::from(interface_count));
            for _ in 0..interface_count {
                interfaces.push(ClassRef::read(&mut r, "interfaces")?);
            }
            r.check_table(
                usize::from(field_count),
                FieldDescriptorInfo::SIZE,
                "fields",
            )?;
            let mut fields = Vec::with_capacity(usize::from(field_count));
            for _ in 0..field_count {
                let at = r.offset();
                let token = r.u1("field token")?;
                let access_flags = r.u1("field access_flags")?;
                let field_ref = if access_flags & ACC_STATIC != 0 {
                    FieldRef::Static(StaticRef::read(&mut r, "static_field")?)
                } else {
                    let class = ClassRef::read(&mut r, "instance_field class")?;
                    let token = r.u1("instance_field token")?;
                    FieldRef::Instance { class, token }
                };
                let type_ = r.u2("field type")?;
                if type_ & 0x8000 != 0 {
                    if JcType::from_primitive_type(type_).is_none() {
                        return Err(r.error_at(
                            at,
                            format!("field primitive_type {type_:#06x} is not 0x8002..=0x8005"),
                        ));
                    }
                } else {
                    type_refs.push((at, type_, "field reference_type"));
                }
                fields.push(FieldDescriptorInfo {
                    token,
                    access_flags,
                    field_ref,
                    type_,
                });
            }
            r.check_table(
                usize::from(method_count),
                MethodDescriptorInfo::SIZE,
                "methods",
            )?;
            let mut methods = Vec::with_capacity(usize::from(method_count));
            for _ in 0..method_count {
                let at = r.offset();
                let m = MethodDescriptorInfo {
                    token: r.u1("method token")?,
                    access_flags: r.u1("method access_flags")?,
                    method_offset: r.u2("method_offset")?,
                    type_offset: r.u2("type_offset")?,
                    bytecode_count: r.u2("bytecode_count")?,
                    exception_handler_count: r.u2("exception_handler_count")?,
                    exception_handler_index: r.u2("exception_handler_index")?,
                };
                type_refs.push((at, m.type_offset, "method type_offset"));
                methods.push(m);
            }
            classes.push(ClassDescriptorInfo {
                token,
                access_flags,
                this_class_ref,
                interfaces,
                fields,
                methods,
            });
        }
        let types_at = r.offset();
        let cp_count = r.u2("constant_pool_count")?;
        r.check_table(usize::from(cp_count), 2, "constant_pool_types")?;
        let mut constant_pool_types = Vec::with_capacity(usize::from(cp_count));
        for _ in 0..cp_count {
            let at = r.offset();
            let t = r.u2("constant_pool_types")?;
            if t != NO_TYPE {
                type_refs.push((at, t, "constant_pool_types"));
            }
            constant_pool_types.push(t);
        }
        let mut type_desc = Vec::new();
        let mut offsets = Vec::new();
        while !r.is_empty() {
            offsets.push(r.offset().saturating_sub(types_at));
            type_desc.push(TypeDescriptor::read(&mut r)?);
        }
        r.finish()?;
        for (at, t, item) in type_refs {
            if offsets.binary_search(&usize::from(t)).is_err() {
                return Err(r.error_at(
                    at,
                    format!("{item} {t:#06x} is not the offset of a type descriptor"),
                ));
            }
        }
        Ok(DescriptorComponent {
            classes,
            types: TypeDescriptorInfo {
                constant_pool_types,
                type_desc,
            },
        })
    }

    /// Encodes the `info` item.
    pub fn info_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut w = Writer::new(ComponentTag::DESCRIPTOR);
        w.count_u1(self.classes.len(), u8::MAX, "class_count");
        for c in &self.classes {
            w.u1(c.token);
            w.u1(c.access_flags);
            c.this_class_ref.write(&mut w);
            w.count_u1(c.interfaces.len(), u8::MAX, "interface_count");
            w.count_u2(c.fields.len(), "field_count");
            w.count_u2(c.methods.len(), "method_count");
            for i in &c.interfaces {
                i.write(&mut w);
            }
            for f in &c.fields {
                w.u1(f.token);
                w.u1(f.access_flags);
                match f.field_ref {
                    FieldRef::Static(s) => {
                        if f.access_flags & ACC_STATIC == 0 {
                            w.fail("static field reference on a field without ACC_STATIC");
                        }
                        s.write(&mut w);
                    }
                    FieldRef::Instance { class, token } => {
                        if f.access_flags & ACC_STATIC != 0 {
                            w.fail("instance field reference on a field with ACC_STATIC");
                        }
                        class.write(&mut w);
                        w.u1(token);
                    }
                }
                w.u2(f.type_);
            }
            for m in &c.methods {
                w.u1(m.token);
                w.u1(m.access_flags);
                w.u2(m.method_offset);
                w.u2(m.type_offset);
                w.u2(m.bytecode_count);
                w.u2(m.exception_handler_count);
                w.u2(m.exception_handler_index);
            }
        }
        w.count_u2(self.types.constant_pool_types.len(), "constant_pool_count");
        for t in &self.types.constant_pool_types {
            w.u2(*t);
        }
        for t in &self.types.type_desc {
            t.write(&mut w);
        }
        w.finish()
    }
}
