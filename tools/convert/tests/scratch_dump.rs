#[test]
fn dump() {
    let name = std::env::var("CAPF").unwrap();
    let b = std::fs::read(name).unwrap();
    let cap = jcos_vm::cap::CapFile::from_bytes(&b).unwrap();
    println!("{:#?}", cap.header);
    println!("{:#?}", cap.directory);
    println!("{:#?}", cap.import);
    println!("{:#?}", cap.applet);
    println!("{:#?}", cap.class);
    println!("{:#?}", cap.static_field);
    println!("{:#?}", cap.export);
    println!("{:#?}", cap.descriptor);
    println!("{:#?}", cap.reference_location);
    println!("{:?}", cap.method.exception_handlers);
}
#[test]
fn dump_exp() {
    let name = std::env::var("EXPF").unwrap();
    let b = std::fs::read(name).unwrap();
    let e = jcos_vm::export::parse(&b).unwrap();
    println!("{:?}", e.format);
    for (i, c) in e.constant_pool.iter().enumerate() {
        println!("{i}: {c:?}");
    }
    println!("this {} refs {:?}", e.this_package, e.referenced_packages);
    for c in &e.classes {
        println!("{c:?}");
    }
}
