//! The Class component (§6.8): interfaces then classes, each with its method tables.

use super::common::{CapFormat, ClassRef, TypeDescriptor};
use super::error::CapError;
use super::reader::Reader;
use super::tag::ComponentTag;
use super::writer::Writer;

/// Flag nibble: the item is an `interface_info`.
pub const ACC_INTERFACE: u8 = 0x8;
/// Flag nibble: the class or interface is shareable.
pub const ACC_SHAREABLE: u8 = 0x4;
/// Flag nibble: the class or interface is remote (format 2.2).
pub const ACC_REMOTE: u8 = 0x2;

/// Public virtual method table value for a method this package does not define (it is
/// inherited from a superclass in another package).
pub const NO_METHOD: u16 = 0xFFFF;

/// `interface_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// The flag nibble (`ACC_INTERFACE` always set).
    pub flags: u8,
    /// Direct and indirect superinterfaces (at most 15).
    pub superinterfaces: Vec<ClassRef>,
    /// `interface_name_info` of a remote interface (format 2.2, `ACC_REMOTE` only).
    pub interface_name: Option<Vec<u8>>,
}

impl InterfaceInfo {
    /// Encoded size in bytes.
    pub fn encoded_len(&self) -> usize {
        let names = self
            .interface_name
            .as_ref()
            .map_or(0, |n| n.len().saturating_add(1));
        self.superinterfaces
            .len()
            .saturating_mul(2)
            .saturating_add(1)
            .saturating_add(names)
    }
}

/// `implemented_interface_info`: an interface a class implements and the map from interface
/// method tokens to the class's virtual method tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImplementedInterfaceInfo {
    /// The interface.
    pub interface: ClassRef,
    /// `index[i]` is the virtual method token implementing interface method token `i`.
    pub index: Vec<u8>,
}

/// `remote_method_info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteMethodInfo {
    /// Two-byte hash of the method name and descriptor.
    pub remote_method_hash: u16,
    /// Offset of the method's type descriptor in the signature pool.
    pub signature_offset: u16,
    /// The method's virtual method token.
    pub virtual_method_token: u8,
}

/// `remote_interface_info` of a remote class (format 2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteInterfaceInfo {
    /// Remote methods, by ascending hash.
    pub remote_methods: Vec<RemoteMethodInfo>,
    /// The anti-collision string used in the hashes.
    pub hash_modifier: Vec<u8>,
    /// The class name.
    pub class_name: Vec<u8>,
    /// The remote interfaces the class implements.
    pub remote_interfaces: Vec<ClassRef>,
}

impl RemoteInterfaceInfo {
    fn encoded_len(&self) -> usize {
        self.remote_methods
            .len()
            .saturating_mul(5)
            .saturating_add(self.hash_modifier.len())
            .saturating_add(self.class_name.len())
            .saturating_add(self.remote_interfaces.len().saturating_mul(2))
            .saturating_add(4)
    }
}

/// `class_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassInfo {
    /// The flag nibble (`ACC_SHAREABLE`, `ACC_REMOTE`).
    pub flags: u8,
    /// The superclass (`0xFFFF`, [`ClassRef::NONE`], for `java.lang.Object`).
    pub super_class_ref: ClassRef,
    /// Instance fields declared by this class, in 16-bit cells.
    pub declared_instance_size: u8,
    /// Token of the first reference-type instance field (`0xFF` if none).
    pub first_reference_token: u8,
    /// Number of reference-type instance fields.
    pub reference_count: u8,
    /// Token of the first entry of the public virtual method table.
    pub public_method_table_base: u8,
    /// Token of the first entry of the package virtual method table, without the high bit
    /// that marks package (private) virtual method tokens.
    pub package_method_table_base: u8,
    /// Method component offsets of public/protected virtual methods from the base token on.
    pub public_virtual_method_table: Vec<u16>,
    /// Method component offsets of package-visible virtual methods from the base token on.
    pub package_virtual_method_table: Vec<u16>,
    /// Implemented interfaces (at most 15).
    pub interfaces: Vec<ImplementedInterfaceInfo>,
    /// Remote data (format 2.2, `ACC_REMOTE` only).
    pub remote_interfaces: Option<RemoteInterfaceInfo>,
}

impl ClassInfo {
    /// Encoded size in bytes.
    pub fn encoded_len(&self) -> usize {
        let tables = self
            .public_virtual_method_table
            .len()
            .saturating_add(self.package_virtual_method_table.len())
            .saturating_mul(2);
        let ifaces = self.interfaces.iter().fold(0usize, |acc, i| {
            acc.saturating_add(i.index.len()).saturating_add(3)
        });
        let remote = self
            .remote_interfaces
            .as_ref()
            .map_or(0, RemoteInterfaceInfo::encoded_len);
        tables
            .saturating_add(ifaces)
            .saturating_add(remote)
            .saturating_add(10)
    }

    /// Method component offset for package virtual method `token` (high bit set), if this
    /// class's table covers it and names a method.
    pub fn package_method_offset(&self, token: u8) -> Option<u16> {
        let i = (token & 0x7F).checked_sub(self.package_method_table_base)?;
        if token & 0x80 == 0 {
            return None;
        }
        self.package_virtual_method_table
            .get(usize::from(i))
            .copied()
            .filter(|&o| o != NO_METHOD)
    }

    /// Method component offset for public virtual method `token`, if this class's table
    /// covers it and names a method of this package.
    pub fn public_method_offset(&self, token: u8) -> Option<u16> {
        let i = token.checked_sub(self.public_method_table_base)?;
        self.public_virtual_method_table
            .get(usize::from(i))
            .copied()
            .filter(|&o| o != NO_METHOD)
    }
}

/// One item of the Class component, by position in its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClassItem {
    /// `interfaces[i]`.
    Interface(usize),
    /// `classes[i]`.
    Class(usize),
}

/// `class_component`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassComponent {
    /// The signature pool of remote method types (format 2.2 only, possibly empty).
    pub signature_pool: Option<Vec<TypeDescriptor>>,
    /// Interfaces defined in the package.
    pub interfaces: Vec<InterfaceInfo>,
    /// Classes defined in the package.
    pub classes: Vec<ClassInfo>,
}

impl ClassComponent {
    fn signature_pool_len(&self) -> usize {
        self.signature_pool.as_ref().map_or(0, |p| {
            p.iter()
                .fold(2usize, |acc, t| acc.saturating_add(t.encoded_len()))
        })
    }

    /// Offset of each interface and class in the component (what an internal `class_ref`
    /// holds), in component order.
    pub fn item_offsets(&self) -> Vec<(u16, ClassItem)> {
        let mut out = Vec::with_capacity(self.interfaces.len().saturating_add(self.classes.len()));
        let mut at = self.signature_pool_len();
        for (i, it) in self.interfaces.iter().enumerate() {
            if let Ok(o) = u16::try_from(at) {
                out.push((o, ClassItem::Interface(i)));
            }
            at = at.saturating_add(it.encoded_len());
        }
        for (i, c) in self.classes.iter().enumerate() {
            if let Ok(o) = u16::try_from(at) {
                out.push((o, ClassItem::Class(i)));
            }
            at = at.saturating_add(c.encoded_len());
        }
        out
    }

    /// The item an internal class reference offset points at.
    pub fn item_at(&self, offset: u16) -> Option<ClassItem> {
        self.item_offsets()
            .into_iter()
            .find(|(o, _)| *o == offset)
            .map(|(_, i)| i)
    }

    /// The type descriptor at `offset` in the signature pool.
    pub fn signature_at(&self, offset: u16) -> Option<&TypeDescriptor> {
        let mut at = 0usize;
        for t in self.signature_pool.as_deref()? {
            if at == usize::from(offset) {
                return Some(t);
            }
            at = at.saturating_add(t.encoded_len());
        }
        None
    }

    /// Parses the `info` item of a CAP file of `format`.
    pub fn parse(info: &[u8], format: CapFormat) -> Result<Self, CapError> {
        let mut r = Reader::new(ComponentTag::CLASS, info);
        let signature_pool = match format {
            CapFormat::V2_1 => None,
            CapFormat::V2_2 => {
                let at = r.offset();
                let len = usize::from(r.u2("signature_pool_length")?);
                let end = r.offset().saturating_add(len);
                if len > r.remaining() {
                    return Err(r.error_at(
                        at,
                        format!(
                            "signature_pool_length {len:#06x} beyond component size {:#06x}",
                            r.info_len()
                        ),
                    ));
                }
                let mut pool = Vec::new();
                while r.offset() < end {
                    pool.push(TypeDescriptor::read(&mut r)?);
                }
                if r.offset() != end {
                    return Err(r.error_at(at, "signature_pool overruns signature_pool_length"));
                }
                Some(pool)
            }
        };
        let mut interfaces = Vec::new();
        let mut classes = Vec::new();
        while !r.is_empty() {
            let at = r.offset();
            let bitfield = r.u1("bitfield")?;
            let flags = bitfield >> 4;
            let count = usize::from(bitfield & 0x0F);
            if flags & ACC_REMOTE != 0 && format == CapFormat::V2_1 {
                return Err(r.error_at(at, "ACC_REMOTE needs CAP format 2.2"));
            }
            if flags & ACC_INTERFACE != 0 {
                if !classes.is_empty() {
                    return Err(r.error_at(at, "interface_info after the first class_info"));
                }
                interfaces.push(read_interface(&mut r, flags, count)?);
            } else {
                classes.push(read_class(&mut r, flags, count)?);
            }
        }
        Ok(ClassComponent {
            signature_pool,
            interfaces,
            classes,
        })
    }

    /// Encodes the `info` item.
    pub fn info_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut w = Writer::new(ComponentTag::CLASS);
        if let Some(pool) = &self.signature_pool {
            w.count_u2(
                self.signature_pool_len().saturating_sub(2),
                "signature_pool_length",
            );
            for t in pool {
                t.write(&mut w);
            }
        }
        for i in &self.interfaces {
            write_bitfield(&mut w, i.flags, i.superinterfaces.len(), "interface_count");
            for s in &i.superinterfaces {
                s.write(&mut w);
            }
            if let Some(name) = &i.interface_name {
                w.count_u1(name.len(), u8::MAX, "interface_name_length");
                w.bytes(name);
            }
        }
        for c in &self.classes {
            write_bitfield(&mut w, c.flags, c.interfaces.len(), "interface_count");
            c.super_class_ref.write(&mut w);
            w.u1(c.declared_instance_size);
            w.u1(c.first_reference_token);
            w.u1(c.reference_count);
            w.u1(c.public_method_table_base);
            w.count_u1(
                c.public_virtual_method_table.len(),
                u8::MAX,
                "public_method_table_count",
            );
            w.u1(c.package_method_table_base);
            w.count_u1(
                c.package_virtual_method_table.len(),
                u8::MAX,
                "package_method_table_count",
            );
            for m in c
                .public_virtual_method_table
                .iter()
                .chain(&c.package_virtual_method_table)
            {
                w.u2(*m);
            }
            for ii in &c.interfaces {
                ii.interface.write(&mut w);
                w.count_u1(ii.index.len(), u8::MAX, "implemented interface count");
                w.bytes(&ii.index);
            }
            if let Some(ri) = &c.remote_interfaces {
                w.count_u1(ri.remote_methods.len(), u8::MAX, "remote_methods_count");
                for m in &ri.remote_methods {
                    w.u2(m.remote_method_hash);
                    w.u2(m.signature_offset);
                    w.u1(m.virtual_method_token);
                }
                w.count_u1(ri.hash_modifier.len(), u8::MAX, "hash_modifier_length");
                w.bytes(&ri.hash_modifier);
                w.count_u1(ri.class_name.len(), u8::MAX, "class_name_length");
                w.bytes(&ri.class_name);
                w.count_u1(
                    ri.remote_interfaces.len(),
                    u8::MAX,
                    "remote_interfaces_count",
                );
                for c in &ri.remote_interfaces {
                    c.write(&mut w);
                }
            }
        }
        w.finish()
    }
}

fn write_bitfield(w: &mut Writer, flags: u8, count: usize, item: &str) {
    match u8::try_from(count) {
        Ok(n) if n <= 0x0F => w.u1(((flags & 0x0F) << 4) | n),
        _ => {
            w.fail(format!("{item} is {count}, more than 15"));
            w.u1(0);
        }
    }
}

fn read_interface(r: &mut Reader<'_>, flags: u8, count: usize) -> Result<InterfaceInfo, CapError> {
    let mut superinterfaces = Vec::with_capacity(count);
    for _ in 0..count {
        superinterfaces.push(ClassRef::read(r, "superinterfaces")?);
    }
    let interface_name = if flags & ACC_REMOTE != 0 {
        let len = r.u1("interface_name_length")?;
        Some(r.bytes(usize::from(len), "interface_name")?.to_vec())
    } else {
        None
    };
    Ok(InterfaceInfo {
        flags,
        superinterfaces,
        interface_name,
    })
}

fn read_class(r: &mut Reader<'_>, flags: u8, count: usize) -> Result<ClassInfo, CapError> {
    let super_class_ref = ClassRef::read(r, "super_class_ref")?;
    let declared_instance_size = r.u1("declared_instance_size")?;
    let first_reference_token = r.u1("first_reference_token")?;
    let reference_count = r.u1("reference_count")?;
    let public_method_table_base = r.u1("public_method_table_base")?;
    let public_count = r.u1("public_method_table_count")?;
    let package_method_table_base = r.u1("package_method_table_base")?;
    let package_count = r.u1("package_method_table_count")?;
    let mut public_virtual_method_table = Vec::with_capacity(usize::from(public_count));
    for _ in 0..public_count {
        public_virtual_method_table.push(r.u2("public_virtual_method_table")?);
    }
    let mut package_virtual_method_table = Vec::with_capacity(usize::from(package_count));
    for _ in 0..package_count {
        package_virtual_method_table.push(r.u2("package_virtual_method_table")?);
    }
    let mut interfaces = Vec::with_capacity(count);
    for _ in 0..count {
        let interface = ClassRef::read(r, "implemented interface")?;
        let n = r.u1("implemented interface count")?;
        let index = r
            .bytes(usize::from(n), "implemented interface index")?
            .to_vec();
        interfaces.push(ImplementedInterfaceInfo { interface, index });
    }
    let remote_interfaces = if flags & ACC_REMOTE != 0 {
        let n = r.u1("remote_methods_count")?;
        let mut remote_methods = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            remote_methods.push(RemoteMethodInfo {
                remote_method_hash: r.u2("remote_method_hash")?,
                signature_offset: r.u2("signature_offset")?,
                virtual_method_token: r.u1("virtual_method_token")?,
            });
        }
        let hm = r.u1("hash_modifier_length")?;
        let hash_modifier = r.bytes(usize::from(hm), "hash_modifier")?.to_vec();
        let cn = r.u1("class_name_length")?;
        let class_name = r.bytes(usize::from(cn), "class_name")?.to_vec();
        let ri = r.u1("remote_interfaces_count")?;
        let mut remote_interfaces = Vec::with_capacity(usize::from(ri));
        for _ in 0..ri {
            remote_interfaces.push(ClassRef::read(r, "remote_interfaces")?);
        }
        Some(RemoteInterfaceInfo {
            remote_methods,
            hash_modifier,
            class_name,
            remote_interfaces,
        })
    } else {
        None
    };
    Ok(ClassInfo {
        flags,
        super_class_ref,
        declared_instance_size,
        first_reference_token,
        reference_count,
        public_method_table_base,
        package_method_table_base,
        public_virtual_method_table,
        package_virtual_method_table,
        interfaces,
        remote_interfaces,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_class_in_format_2_2() {
        let info = [
            0x00, 0x02, // signature_pool_length
            0x01, 0x10, // signature pool: ()V
            0xA1, 0x81, 0x00, // remote interface, superinterface 1.0
            0x01, b'R', // interface_name "R"
            0x21, 0x80, 0x00, // remote class, one interface, super 0.0
            0x00, 0xFF, 0x00, // instance size, first_reference_token, reference_count
            0x01, 0x01, 0x00, 0x00, // public base 1 count 1, package base 0 count 0
            0x00, 0x20, // public table: method at 0x0020
            0x00, 0x04, 0x01, 0x01, // implements @0x0004 with one method -> token 1
            0x01, 0x12, 0x34, 0x00, 0x00,
            0x01, // one remote method: hash, signature 0, token 1
            0x00, // hash_modifier
            0x01, b'C', // class_name
            0x01, 0x00, 0x04, // remote interfaces: @0x0004
        ];
        let c = ClassComponent::parse(&info, CapFormat::V2_2).unwrap();
        assert_eq!(c.signature_pool.as_ref().map(Vec::len), Some(1));
        assert_eq!(c.interfaces[0].interface_name.as_deref(), Some(&b"R"[..]));
        let cls = &c.classes[0];
        let ri = cls.remote_interfaces.as_ref().unwrap();
        assert_eq!(ri.remote_methods[0].remote_method_hash, 0x1234);
        assert_eq!(ri.class_name, b"C");
        assert_eq!(cls.public_method_offset(1), Some(0x20));
        assert_eq!(
            c.item_offsets(),
            vec![(4, ClassItem::Interface(0)), (9, ClassItem::Class(0))]
        );
        assert_eq!(
            c.signature_at(0)
                .map(TypeDescriptor::method_string)
                .as_deref(),
            Some("()V")
        );
        assert_eq!(c.info_bytes().unwrap(), info);
        // The same bytes are not a 2.1 Class component.
        assert!(ClassComponent::parse(&info, CapFormat::V2_1).is_err());
    }

    #[test]
    fn interface_after_class_is_rejected() {
        let info = [
            0x00, 0xFF, 0xFF, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, // class, no tables
            0x80, // interface
        ];
        let e = ClassComponent::parse(&info, CapFormat::V2_1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Class component, offset 0xa: interface_info after the first class_info"
        );
    }
}
